from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = (ROOT / ".." / "shared" / "data" / "real").resolve()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No test writes into ~ or into the project's own warehouse, and English is the default."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KAPOT_DB", str(tmp_path / "default.duckdb"))
    monkeypatch.delenv("KAPOT_LANG", raising=False)
    monkeypatch.delenv("KAPOT_CURRENCY", raising=False)
    from kapot import i18n

    i18n._current.clear()
    i18n._currency.clear()
    yield
    i18n._current.clear()
    i18n._currency.clear()


# the small scored warehouse's history ends on SCORED_END; it is built and scored as of the day after
SCORED_END = dt.date(2026, 10, 31)
SCORED_AS_OF = SCORED_END + dt.timedelta(days=1)


@pytest.fixture(scope="session")
def scored_data():
    """The synthetic distributor behind :func:`scored_warehouse`: 500 clients, seed 9, its
    history ending on SCORED_END (sales, clients, products, invoices and the truth)."""
    # here, not at the top: only the tests that use it pay for the generator's imports
    from kapot.store.synth import SynthConfig, generate

    return generate(SynthConfig(n_clients=500, seed=9, end=SCORED_END))


@pytest.fixture(scope="session")
def scored_warehouse(tmp_path_factory, scored_data) -> Path:
    """:func:`scored_data` ingested, built and scored as of SCORED_AS_OF, once per run, for
    the tests of what reads published results. Read it only: a test that writes works on a
    copy."""
    from kapot.models.potential import score_warehouse
    from kapot.pipeline.build import build
    from kapot.store.ingest import ingest

    db = tmp_path_factory.mktemp("scored") / "w.duckdb"
    d = scored_data
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    build(SCORED_AS_OF, db=db)
    score_warehouse(SCORED_AS_OF, db=db)
    return db


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "wh.duckdb"


@pytest.fixture
def real() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real public data not found at {REAL} (see the README's Tests section)")
    return REAL


def query(db, sql: str, *, frame: bool = False):
    """Run ``sql`` on a warehouse file read-only: rows as lists, or a DataFrame."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        res = con.execute(sql)
        return res.df() if frame else [list(r) for r in res.fetchall()]
    finally:
        con.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def env_without_kapot_vars() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KAPOT_")}


# the weekly report's hand-made warehouse: its week is 2026-W47, reported as of the Monday after
REPORT_WEEK = dt.date(2026, 11, 16)
REPORT_AS_OF = REPORT_WEEK + dt.timedelta(days=7)


@pytest.fixture
def report_warehouse(db):
    """Seven hand-made sales lines, three clients (A and N of Petrova, L of Sidorov; A and L in
    Moscow, N in Kazan) and two categories, with the report facts published as of
    REPORT_AS_OF, so the report's figures can be counted by hand:

    * this week (W47): A reorders bolts (bought in W46) for 100, tries nuts (a new category)
      for 50 and returns bolts for -10; N buys for the first time, bolts for 30;
    * the week before (W46): A's bolts for 200;
    * the same ISO week last year (2025-W47): A's bolts for 80, L's for 20 (L's last purchase,
      2025-11-19; the data begin on 2025-11-18).
    """
    import pandas as pd

    from kapot.pipeline.pipeline import publish, report_facts
    from kapot.store.ingest import ingest
    from kapot.store.warehouse import Warehouse

    sales = pd.DataFrame(
        [
            ("2026-11-16", "I1", "A", "B1", 1, 100.0),
            ("2026-11-17", "I2", "A", "N1", 1, 50.0),
            ("2026-11-18", "I3", "N", "B1", 1, 30.0),
            ("2026-11-19", "R1", "A", "B1", -1, -10.0),
            ("2026-11-10", "I0", "A", "B1", 2, 200.0),
            ("2025-11-18", "L1", "A", "B1", 1, 80.0),
            ("2025-11-19", "L2", "L", "B1", 1, 20.0),
        ],
        columns=["date", "invoice_id", "client_id", "sku", "quantity", "amount"],
    )
    clients = pd.DataFrame(
        {
            "client_id": ["A", "N", "L"],
            "manager": ["Petrova", "Petrova", "Sidorov"],
            "region": ["Moscow", "Kazan", "Moscow"],
        }
    )
    products = pd.DataFrame({"sku": ["B1", "N1"], "category": ["Bolts", "Nuts"]})
    ingest(sales, clients=clients, products=products, db=db)
    # the report reads the facts the pipeline publishes for the Monday after W47, never sales
    with Warehouse(db).write() as con:
        for name, frame in report_facts(con, REPORT_AS_OF).items():
            publish(con, name, frame, REPORT_AS_OF)
    return Warehouse(db)


def write_tables(db, **frames) -> None:
    """Hand-made result tables (as if built) written into the warehouse ``db``, one per name."""
    from kapot.store.warehouse import Warehouse

    with Warehouse(db).write() as con:
        for name, frame in frames.items():
            con.register("_f", frame)
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _f")
            con.unregister("_f")


def record_run(db, as_of: dt.date, horizon_days: int | None = None) -> None:
    """Record a pipeline run as published for ``as_of`` in the warehouse ``db`` (what
    :meth:`kapot.faces.weekly.WeeklyReport.open` asks for), without running it."""
    from kapot import runner
    from kapot.store.warehouse import Warehouse

    at = dt.datetime.combine(as_of, dt.time())
    with Warehouse(db).write() as con:
        runner.execute(
            con,
            "store/insert_run",
            as_of=as_of,
            horizon_days=horizon_days,
            started=at,
            finished=at,
            steps="{}",
            row_counts="{}",
            code_version="test",
        )


def html_text(fragment: str) -> str:
    """The text of an HTML fragment: scripts dropped, tags as spaces, runs of space as one."""
    import re

    no_scripts = re.sub(r"<script.*?</script>", "", fragment, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", no_scripts)).strip()


def figures(fragment: str, key: str) -> int:
    """How many plotly figures of the report section ``key`` an HTML fragment holds."""
    import re

    return len(re.findall(rf'<div id="kapot-{key}-\d+" class="plotly-graph-div"', fragment))
