"""``kapot build`` on 10M lines: the warehouse is ingested by one section, built by the next."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from bench.common import peak_mb
from kapot.pipeline.build import build
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate

# the run's own temporary folder (bench/__main__ gives each run one): build_prepare leaves the
# warehouse there for build
_BUILD_DB = Path(tempfile.gettempdir()) / "kapot-bench-build.duckdb"


def bench_build_prepare(lines: int = 10_000_000, clients: int = 100_000) -> dict:
    """Setup for :func:`bench_build`: 10M synthetic lines ingested from frames into a
    warehouse in the temporary folder, which the next section builds and removes."""
    d = generate(SynthConfig(n_clients=clients, seed=2024, target_lines=lines))
    t0 = time.perf_counter()
    ingest(
        d.sales,
        clients=d.clients,
        products=d.products,
        invoices=d.invoices,
        db=_BUILD_DB,
        replace=True,
    )
    return {
        "what": f"(setup) ingest {len(d.sales):,} synthetic lines from frames",
        "seconds": round(time.perf_counter() - t0, 1),
        "peak_mb": round(peak_mb()),
    }


def bench_build() -> dict:
    """``kapot build`` (the client profiles) on the warehouse :func:`bench_build_prepare` left,
    with the seconds of each step; the warehouse is removed afterwards."""
    t0 = time.perf_counter()
    rep = build(dt.date(2026, 11, 1), db=_BUILD_DB)
    secs = time.perf_counter() - t0
    _BUILD_DB.unlink(missing_ok=True)
    return {
        "what": f"kapot build on 10M lines / {rep.rows['client_features']:,} clients",
        "seconds": round(secs, 1),
        "peak_mb": round(peak_mb()),
        "steps": rep.seconds,
        "target": "under 60 s and 4 GB (3,815 MB as peak_mb counts, MiB)",
    }
