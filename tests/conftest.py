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
