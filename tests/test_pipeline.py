"""kapot.pipeline: one run publishes everything for a date at once, records itself in `runs`,
and a failing step or a concurrent reader never sees half of it."""

import datetime as dt
import hashlib
import threading
from dataclasses import replace

import pandas as pd
import pytest

from kapot import KapotError
from kapot.models.engine import EngineConfig
from kapot.pipeline import PROFILE_TABLES, READ_TABLES, PipelineConfig, pipeline, run
from kapot.pipeline.snapshot import Snapshot, latest_as_of, published_dates, runs
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate
from kapot.store.warehouse import Warehouse

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)
EARLIER = dt.date(2026, 9, 1)
FAST = replace(PipelineConfig(), engine=EngineConfig(horizon_days=60))


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("pipeline") / "w.duckdb"
    d = generate(SynthConfig(n_clients=250, years=2, seed=41, end=END))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    first = run(EARLIER, db=db, config=FAST)
    return db, d, first


def test_a_run_publishes_every_table_for_its_date_and_records_itself(warehouse):
    db, d, first = warehouse
    assert first.run_id == 1 and first.horizon_days == 60
    snap = Snapshot.open(db)
    assert snap.as_of == EARLIER and snap.horizon_days == 60
    for table in PROFILE_TABLES + READ_TABLES:
        df = snap.table(table)
        assert len(df) == first.rows[table] > 0, table
        assert (df["as_of"] == pd.Timestamp(EARLIER)).all(), table
    assert first.rows["client_profile"] == len(d.clients)
    assert not snap.potential().empty and set(snap.validation()) == {"category", "sku"}
    got = runs(db)
    assert len(got) == 1
    row = got.iloc[0]
    assert row["as_of"].date() == EARLIER and row["horizon_days"] == 60
    assert row["finished"] >= row["started"]
    steps = ["potential_start", *PROFILE_TABLES, "potential", "read_tables"]
    assert list(row["steps"]) == steps
    assert row["row_counts"]["client_features"] == len(d.clients)
    assert row["code_version"] == pipeline.code_version()
    assert row["code_version"].startswith("0.") and "+" in row["code_version"]


def test_a_failing_step_leaves_the_previous_publication_intact(warehouse, monkeypatch):
    db, _, _ = warehouse
    before = _digest(db)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(pipeline, "_read_tables", broken)  # the last step before the publish
    with pytest.raises(RuntimeError, match="disk is full"):
        run(AS_OF, db=db, config=FAST)
    assert _digest(db) == before
    assert published_dates(db) == {EARLIER} and len(runs(db)) == 1
    assert not list(db.parent.glob(db.name + ".tmp-*"))


def test_a_reader_during_a_run_sees_the_old_date_whole(warehouse, monkeypatch):
    db, _, first = warehouse
    reached, release = threading.Event(), threading.Event()
    real = pipeline._read_tables

    def slow(con, as_of, config):
        reached.set()  # the profiles and scores of the new date are written, not published
        assert release.wait(60)
        return real(con, as_of, config)

    monkeypatch.setattr(pipeline, "_read_tables", slow)
    result = {}
    worker = threading.Thread(target=lambda: result.update(rep=run(AS_OF, db=db, config=FAST)))
    worker.start()
    try:
        assert reached.wait(120)
        # mid-run: the published file still holds only the earlier date, complete
        assert latest_as_of(db) == EARLIER and latest_as_of(db, scored=True) == EARLIER
        snap = Snapshot.open(db)
        for table in PROFILE_TABLES + READ_TABLES:
            assert len(snap.table(table)) == first.rows[table], table
        with Warehouse(db).read() as con:
            dates = con.execute("SELECT DISTINCT as_of FROM potential").fetchall()
        assert [d[0].date() if hasattr(d[0], "date") else d[0] for d in dates] == [EARLIER]
    finally:
        release.set()
        worker.join(300)
    assert result["rep"].run_id == 2
    assert latest_as_of(db) == AS_OF and published_dates(db) == {EARLIER, AS_OF}
    # the earlier date's results stay beside the new ones
    assert len(Snapshot.open(db, EARLIER).table("segments")) == first.rows["segments"]


def test_a_run_without_scores_is_a_build_and_the_scored_date_stays(warehouse):
    db, _, _ = warehouse
    unscored = dt.date(2026, 10, 1)
    rep = run(unscored, db=db, config=replace(FAST, score=False))
    assert rep.horizon_days is None and "potential" not in rep.rows
    assert latest_as_of(db) == AS_OF  # the latest date built
    assert latest_as_of(db, before=unscored) == unscored
    assert latest_as_of(db, scored=True, before=unscored) == EARLIER
    with pytest.raises(KapotError, match="no potential scores for 2026-10-01"):
        Snapshot.open(db, unscored, scored=True)


def test_no_sales_before_the_date_publishes_nothing(warehouse):
    db, _, _ = warehouse
    before = _digest(db)
    with pytest.raises(KapotError, match="no sales before 2000-01-01"):
        run(dt.date(2000, 1, 1), db=db, config=FAST)
    assert _digest(db) == before


def test_a_nested_write_joins_the_outer_one(db):
    ingest(pd.DataFrame({"date": ["2026-01-05"], "client_id": ["a"], "sku": ["s"],
                         "quantity": [1], "amount": [2.0]}), db=db)  # fmt: skip
    before = _digest(db)
    with pytest.raises(RuntimeError):
        with Warehouse(db).write() as outer:
            with Warehouse(db).write() as inner:
                assert inner is outer
                inner.execute("DELETE FROM sales")
            assert outer.execute("SELECT count(*) FROM sales").fetchall()[0][0] == 0
            raise RuntimeError("abort the whole publish")
    assert _digest(db) == before  # the inner write published nothing on its own
    with pytest.raises(KapotError, match="inside another write"):
        with Warehouse(db).write(), Warehouse(db).write(fresh=True):
            pass
