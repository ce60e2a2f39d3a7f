"""The DuckDB warehouse: read-only readers that never block, and atomic single-writer publishes.

DuckDB allows one read-write process per file and refuses read-only openers while a writer
holds it. kapot therefore never writes the published file in place: a write copies it to a
temporary file beside it, changes the copy, checkpoints it and renames it over the published
path (``os.replace``, atomic on POSIX). Readers open the published path read-only; one opened
before a publish keeps reading the old version, one opened after sees the new one, and none
ever sees half of a load. Writers take an exclusive lock file, so two loads run one after the
other and neither update is lost.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from kapot.config import default_db_path
from kapot.errors import KapotError
from kapot.i18n import tr

__all__ = ["Warehouse", "connect"]

_TABLES = ("sales", "clients", "products", "invoices", "categories", "loads")


def _schema_sql() -> str:
    return resources.files("kapot").joinpath("sql/schema.sql").read_text("utf-8")


class Warehouse:
    """A warehouse file. ``path`` defaults to ``KAPOT_DB`` or ``data/kapot.duckdb``."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the published version (never blocks a writer)."""
        if not self.path.exists():
            raise KapotError(tr("warehouse.missing", path=str(self.path)))
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def write(self, *, fresh: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to a private copy, published atomically on success.

        With ``fresh`` the copy starts empty, so the publish replaces the whole warehouse.
        On any exception (or if the process dies) the published file stays as it was.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._remove_stale_copies()
                tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}")
                if self.path.exists() and not fresh:
                    shutil.copyfile(self.path, tmp)
                con = duckdb.connect(str(tmp))
                try:
                    con.execute(_schema_sql())
                    yield con
                    con.execute("CHECKPOINT")
                except BaseException:
                    con.close()
                    _unlink(tmp)
                    raise
                con.close()
                _fsync(tmp)
                os.replace(tmp, self.path)
                _fsync(self.path.parent)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _remove_stale_copies(self) -> None:
        # Left by a writer that was killed; we hold the lock, so no writer is using them.
        for stale in self.path.parent.glob(self.path.name + ".tmp-*"):
            _unlink(stale)

    def table_counts(self) -> dict[str, int]:
        """Row counts of the canonical tables (0 for a table not there yet)."""
        with self.read() as con:
            present = {
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            return {
                t: (
                    con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
                    if t in present
                    else 0
                )
                for t in _TABLES
            }


def connect(path: str | os.PathLike[str] | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse, for notebooks. Close it when done."""
    wh = Warehouse(path)
    if not wh.exists():
        raise KapotError(tr("warehouse.missing", path=str(wh.path)))
    return duckdb.connect(str(wh.path), read_only=True)


def _unlink(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
