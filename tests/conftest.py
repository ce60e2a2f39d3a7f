from __future__ import annotations

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
