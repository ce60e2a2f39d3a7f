"""Synthetic data and ingestion: generating 10M lines, loading 1M lines of a 1C export."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import peak_mb
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate


def bench_synth(lines: int = 10_000_000, clients: int = 100_000) -> dict:
    """Generating ``lines`` synthetic sales lines for ``clients`` clients: seconds and memory."""
    t0 = time.perf_counter()
    data = generate(SynthConfig(n_clients=clients, seed=2024, target_lines=lines))
    secs = time.perf_counter() - t0
    return {
        "what": f"synth: generate {len(data.sales):,} lines, {clients:,} clients",
        "seconds": round(secs, 1),
        "peak_mb": round(peak_mb()),
        "target": "about 60 s on 2 cores",
    }


def bench_ingest(lines: int = 1_000_000) -> dict:
    """Ingesting ``lines`` lines written as a 1C export (';', cp1251, decimal comma, Russian
    headers) into a new warehouse, then again (nothing new to load): seconds and rows/s."""
    data = generate(SynthConfig(n_clients=20_000, seed=11, target_lines=lines, lang="ru"))
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "sales.csv"
        # a 1C-style export: ';', cp1251, decimal comma, dd.mm.yyyy, Russian headers
        out = data.sales.rename(
            columns={
                "date": "Дата",
                "invoice_id": "Документ",
                "client_id": "Контрагент",
                "sku": "Артикул",
                "quantity": "Количество",
                "amount": "Сумма",
            }
        )
        out["Дата"] = out["Дата"].dt.strftime("%d.%m.%Y")
        out.to_csv(csv, sep=";", decimal=",", index=False, encoding="cp1251")
        db = Path(tmp) / "w.duckdb"
        t0 = time.perf_counter()
        rep = ingest(csv, db=db)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = ingest(csv, db=db)
        second = time.perf_counter() - t0
    n = rep.tables[0].rows_read
    assert rep.tables[0].loaded == n and again.tables[0].loaded == 0
    return {
        "what": f"ingest: {n:,} lines of cp1251 ';' CSV into a new warehouse",
        "seconds": round(first, 1),
        "rows_per_s": round(n / first),
        "reload_seconds": round(second, 1),
        "peak_mb": round(peak_mb()),
    }
