"""``make bench``: speed and memory figures, each measured in a fresh process and printed.

Targets come from the issues; the figures are printed beside them, never asserted in tests.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bench_synth(lines: int = 10_000_000, clients: int = 100_000) -> dict:
    from kapot.synth import SynthConfig, generate

    t0 = time.perf_counter()
    data = generate(SynthConfig(n_clients=clients, seed=2024, target_lines=lines))
    secs = time.perf_counter() - t0
    return {
        "what": f"synth: generate {len(data.sales):,} lines, {clients:,} clients",
        "seconds": round(secs, 1),
        "peak_mb": round(_peak_mb()),
        "target": "about 60 s on 2 cores",
    }


def _bench_ingest(lines: int = 1_000_000) -> dict:
    from kapot.ingest import ingest
    from kapot.synth import SynthConfig, generate

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
        "peak_mb": round(_peak_mb()),
    }


_BENCHES = {"synth": _bench_synth, "ingest": _bench_ingest}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--one":
        print(json.dumps(_BENCHES[argv[1]]()))
        return 0
    names = argv or list(_BENCHES)
    print(f"kapot bench ({', '.join(names)}); each in its own process\n")
    for name in names:
        res = subprocess.run(
            [sys.executable, "-m", "kapot.bench", "--one", name], capture_output=True, text=True
        )
        if res.returncode != 0:
            print(f"{name}: FAILED\n{res.stderr}")
            continue
        fig = json.loads(res.stdout.strip().splitlines()[-1])
        what = fig.pop("what")
        print(f"{what}\n    " + "  ".join(f"{k}={v}" for k, v in fig.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
