"""Behavioural clusters: their bootstrap stability on the demo data."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from kapot.models.clusters import Clusterer
from kapot.models.features import client_features
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate
from kapot.store.warehouse import Warehouse


def bench_clusters() -> dict:
    """Bootstrap stability of the behavioural clusters on the demo data (make demo's seed)."""
    end = dt.date(2026, 10, 31)
    d = generate(SynthConfig(n_clients=3000, seed=42, end=end))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
        with Warehouse(db).read() as con:
            f = client_features(con, end + dt.timedelta(days=1))
    c = Clusterer().fit(f[f["revenue_12m"] > 0])
    return {
        "what": "behavioural clusters on the demo data (seed 42, 3,000 clients)",
        "k": c.k_,
        "bootstrap_ari": round(c.stability_, 3),
        "ari_by_k": {k: round(v["ari"], 2) for k, v in c.scores_.items()},
        "target": "ari>=0.8",
    }
