"""The weekly report on 1M lines: preparing and rendering it."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from bench.common import peak_mb
from kapot.faces.calculator import Calculator
from kapot.faces.weekly import needed_runs, render_report
from kapot.faces.worklists import WorklistStore, default_store_path
from kapot.pipeline import run_plan
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate, simulate_pipeline


def bench_report(lines: int = 1_000_000, clients: int = 10_000) -> dict:
    """The weekly report on 1M lines: preparing it (the week's client profiles, last month's
    for movements, potential scores) and rendering it (papermill + HTML), timed apart."""
    end = dt.date(2026, 11, 22)  # a Sunday: the report is for 2026-W47
    data = generate(SynthConfig(n_clients=clients, seed=77, target_lines=lines, end=end))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        ingest(
            data.sales, clients=data.clients, products=data.products, invoices=data.invoices, db=db
        )
        t0 = time.perf_counter()
        done = run_plan(needed_runs("2026-W47", db=db), db=db)
        prep = time.perf_counter() - t0
        simulate_pipeline(WorklistStore(default_store_path(db)), Calculator.load(db), end, seed=1)
        t0 = time.perf_counter()
        paths = render_report("2026-W47", db=db, out=Path(tmp) / "reports", progress=False)
        render = time.perf_counter() - t0
        size = paths["html"].stat().st_size
    return {
        "what": f"report: weekly report 2026-W47 on {len(data.sales):,} lines, {clients:,} clients",
        "render_seconds": round(render, 1),
        "prepare_seconds": round(prep, 1),
        "prepared": "; ".join(done),
        "total_seconds": round(render + prep, 1),
        "html_mb": round(size / 1e6, 1),
        "peak_mb": round(peak_mb()),
        "target": "under 60 s",
    }
