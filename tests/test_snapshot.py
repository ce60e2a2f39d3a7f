"""kapot.pipeline.snapshot: the one read API over what a run published for a date."""

import datetime as dt
import re
from dataclasses import replace

import pytest

from kapot import KapotError
from kapot.pipeline import PipelineConfig, run
from kapot.pipeline.snapshot import Snapshot, latest_as_of, published_dates, runs
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate
from kapot.store.warehouse import Warehouse

from .conftest import ROOT

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("snapshot") / "w.duckdb"
    d = generate(SynthConfig(n_clients=200, years=2, seed=5, end=END))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    return db, d


def test_before_any_run_every_reader_says_so(world):
    db, _ = world
    assert published_dates(db) == set() and runs(db).empty
    with pytest.raises(KapotError, match="no build"):
        latest_as_of(db)
    with pytest.raises(KapotError, match="no build"):
        Snapshot.open(db)


def test_a_run_is_read_for_its_date_only(world):
    db, d = world
    run(AS_OF, db=db, config=replace(PipelineConfig(), score=False))
    assert published_dates(db) == {AS_OF} and latest_as_of(db) == AS_OF
    snap = Snapshot.open(db)
    assert snap.as_of == AS_OF and snap.horizon_days is None
    with pytest.raises(KapotError, match="no potential scores|not scored|no scores"):
        Snapshot.open(db, scored=True)
    with pytest.raises(KapotError, match="no build"):
        Snapshot.open(db, AS_OF - dt.timedelta(days=1))
    with pytest.raises(KapotError, match="sales"):  # an unknown table, named
        snap.table("sales")
    profile = snap.client_profile()
    assert "as_of" not in profile and profile["client_id"].is_unique
    assert len(profile) == len(d.clients)
    # the weekly report's facts, published with the same date
    span = snap.table("report_span")
    assert span["first_sale"].iloc[0].date() == d.sales["date"].min().date()
    weeks = snap.table("report_weeks")
    assert (weeks["week_start"].dt.day_of_week == 0).all()  # ISO weeks start on Monday
    before = d.sales[d.sales["date"] < AS_OF.isoformat()]
    assert weeks["revenue"].sum() == pytest.approx(
        before.loc[before["date"] >= weeks["week_start"].min(), "amount"].sum()
    )


def test_a_run_of_older_code_with_translated_cluster_names_reads_without_them(world):
    db, _ = world
    with Warehouse(db).write() as con:
        con.execute("ALTER TABLE segments RENAME COLUMN cluster_code TO cluster_name")
        con.execute("UPDATE segments SET cluster_name = 'высокая выручка'")
    seg = Snapshot.open(db).table("segments")
    assert "cluster_name" not in seg and seg["cluster_code"].isna().all()


def _reads_of_base_tables(paths) -> dict[str, list[str]]:
    """The SQL files named in ``paths`` (as ``"folder/name"``) that read sales or invoices."""
    sql = ROOT / "kapot" / "sql"
    found = {}
    for path in paths:
        for name in sorted(set(re.findall(r'"([a-z_]+/[a-z_]+)"', path.read_text("utf-8")))):
            f = sql / f"{name}.sql"
            if f.exists():
                text = re.sub(r"--[^\n]*", "", f.read_text("utf-8"))
                if re.search(r"\b(FROM|JOIN)\s+(sales|invoices)\b", text, re.I):
                    found.setdefault(str(path.relative_to(ROOT)), []).append(name)
    return found


def test_the_faces_and_the_read_api_never_read_sales_or_invoices_nor_write():
    faces = [*(ROOT / "kapot" / "faces").rglob("*.py"), *(ROOT / "kapot" / "cli").rglob("*.py")]
    read_api = ROOT / "kapot" / "pipeline" / "snapshot.py"
    assert _reads_of_base_tables([*faces, read_api]) == {}
    # the checker sees one: the pipeline's planner asks the store for its span of sales
    plan = ROOT / "kapot" / "pipeline" / "plan.py"
    assert _reads_of_base_tables([plan]) == {"kapot/pipeline/plan.py": ["store/sales_span"]}
    writers = [str(p.relative_to(ROOT)) for p in [*faces, read_api] if ".write()" in p.read_text()]
    assert writers == []
