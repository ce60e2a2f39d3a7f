"""kapot.faces.weekly.prepare: which pipeline runs a week's report still needs."""

import datetime as dt
from dataclasses import replace

import pytest

from kapot.faces.weekly import needed_runs
from kapot.models.engine import EngineConfig
from kapot.pipeline import PipelineConfig, run
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate
from kapot.store.warehouse import Warehouse

END = dt.date(2026, 10, 31)  # a Saturday: 2026-W43 is the last complete week
MONDAY = dt.date(2026, 10, 26)  # the Monday after W43: the report's date
MONTH_BEFORE = dt.date(2026, 9, 26)
FAST = replace(PipelineConfig(), engine=EngineConfig(horizon_days=60))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    db = tmp_path_factory.mktemp("prepare") / "w.duckdb"
    d = generate(SynthConfig(n_clients=250, years=2, seed=41, end=END))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    return db


def test_the_runs_a_week_needs_then_none_then_the_facts_again(db):
    assert needed_runs("2026-W43", db=db) == [(MONDAY, True), (MONTH_BEFORE, False)]
    run(MONDAY, db=db, config=FAST)
    run(MONTH_BEFORE, db=db, config=replace(FAST, score=False))
    assert needed_runs("2026-W43", db=db) == []
    # a run published before the report facts existed: the Monday after is run again
    with Warehouse(db).write() as con:
        con.execute("DROP TABLE report_span")
    assert needed_runs("2026-W43", db=db) == [(MONDAY, False)]
