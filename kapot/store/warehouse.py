"""The DuckDB warehouse: read-only readers that never block, and atomic single-writer publishes.

DuckDB allows one read-write process per file and refuses read-only openers while a writer
holds it. kapot therefore never writes the published file in place: a write copies it to a
temporary file beside it, changes the copy, checkpoints it and renames it over the published
path (``os.replace``, atomic on POSIX). Readers open the published path read-only; one opened
before a publish keeps reading the old version, one opened after sees the new one, and none
ever sees half of a load. Writers take an exclusive lock file, so two loads run one after the
other and neither update is lost.

A publish keeps the published file's permissions: the copy gets the mode, group and (where the
process may set it, as root) the owner of the file it replaces before any data is written into
it, so a load run under another user's umask never widens or narrows an administrator's
``chmod 640`` and ``chgrp sales``. A writer that cannot give the copy the published file's
group (it is not a member) refuses to publish rather than silently change it.
"""

from __future__ import annotations

import contextvars
import fcntl
import os
import shutil
import stat
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

# the write open in this context, per published path: a write inside it joins it (one publish)
_OPEN_WRITES: contextvars.ContextVar[dict[str, duckdb.DuckDBPyConnection] | None] = (
    contextvars.ContextVar("kapot_open_writes", default=None)
)


def _schema_sql() -> str:
    return resources.files("kapot").joinpath("sql/schema.sql").read_text("utf-8")


class Warehouse:
    """A warehouse file: read-only readers and atomic, locked, single-writer publishes.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The DuckDB file; default ``KAPOT_DB`` if set, else ``data/kapot.duckdb`` in the
        project (:func:`kapot.config.default_db_path`). It need not exist yet.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    @property
    def lock_path(self) -> Path:
        """The writers' lock file beside the warehouse."""
        return self.path.with_name(self.path.name + ".lock")

    def exists(self) -> bool:
        """Whether the warehouse file exists.

        Returns
        -------
        bool
            True once a first write has published it.
        """
        return self.path.exists()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the published version (never blocks a writer).

        Yields
        ------
        duckdb.DuckDBPyConnection
            Read-only, on the version published when it was opened; closed on leaving the
            ``with`` block.

        Raises
        ------
        KapotError
            If the warehouse file does not exist.
        """
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

        On any exception (or if the process dies) the published file stays as it was.

        A write opened inside another write of the same file (in the same context, e.g. a
        pipeline step that writes through its own API) joins it: it gets the same connection
        and publishes nothing itself, so everything is published once, at the outer end, or
        not at all.

        Parameters
        ----------
        fresh : bool, default False
            Start the copy empty, so the publish replaces the whole warehouse (not allowed
            inside another write of the same file).

        Yields
        ------
        duckdb.DuckDBPyConnection
            Read-write, on the private copy, with the canonical schema created; the copy is
            checkpointed and renamed over the published file when the ``with`` block ends
            without an exception.

        Raises
        ------
        KapotError
            If ``fresh`` is asked inside an open write, or the published file's group cannot
            be kept on the copy.
        """
        key = os.path.abspath(self.path)
        open_writes = _OPEN_WRITES.get() or {}
        if key in open_writes:
            if fresh:
                raise KapotError(tr("pipeline.nested_fresh", path=str(self.path)))
            yield open_writes[key]
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._remove_stale_copies()
                tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}")
                published = _stat_or_none(self.path)
                if published is not None and not fresh:
                    _copy_keeping(self.path, tmp, published)
                con = duckdb.connect(str(tmp))
                token = _OPEN_WRITES.set({**open_writes, key: con})
                try:
                    if published is not None and fresh:
                        _match_permissions(tmp, published)
                    con.execute(_schema_sql())
                    yield con
                    con.execute("CHECKPOINT")
                except BaseException:
                    con.close()
                    _unlink(tmp)
                    raise
                finally:
                    _OPEN_WRITES.reset(token)
                con.close()
                _fsync(tmp)
                if published is not None:
                    # DuckDB keeps the file it opened, but say it once more right before the
                    # rename: what readers see must carry the published permissions
                    try:
                        _match_permissions(tmp, published)
                    except BaseException:
                        _unlink(tmp)
                        raise
                os.replace(tmp, self.path)
                _fsync(self.path.parent)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _remove_stale_copies(self) -> None:
        # Left by a writer that was killed; we hold the lock, so no writer is using them.
        for stale in self.path.parent.glob(self.path.name + ".tmp-*"):
            _unlink(stale)

    def table_counts(self) -> dict[str, int]:
        """Row counts of the canonical tables.

        Returns
        -------
        dict of str to int
            ``sales``, ``clients``, ``products``, ``invoices``, ``categories`` and ``loads``
            to their row counts (0 for a table not there yet).
        """
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
    """A read-only connection to the warehouse, for notebooks. Close it when done.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The warehouse file; default as in :class:`Warehouse`.

    Returns
    -------
    duckdb.DuckDBPyConnection
        Read-only, on the published version.

    Raises
    ------
    KapotError
        If the warehouse file does not exist.
    """
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


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def _copy_keeping(src: Path, dst: Path, published: os.stat_result) -> None:
    """Copy ``src`` to a new ``dst`` that has ``published``'s permissions before any byte of
    data is in it (no moment where the copy is readable more widely than the original)."""
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        _match_permissions(dst, published, fd=fd)
        with open(src, "rb") as fin, os.fdopen(fd, "wb", closefd=False) as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
    except BaseException:
        os.close(fd)
        _unlink(dst)
        raise
    os.close(fd)


def _match_permissions(path: Path, published: os.stat_result, *, fd: int | None = None) -> None:
    """Give ``path`` the owner (where allowed), group and mode of the published file.

    The owner can only be given by a privileged process; the group by its owner when the
    process belongs to that group. The mode is set last, since a change of owner may clear
    set-id bits.

    Raises
    ------
    KapotError
        if the group cannot be kept (publishing would hand the file to another group).
    """
    target = fd if fd is not None else path
    current = os.stat(target)
    if (current.st_uid, current.st_gid) != (published.st_uid, published.st_gid):
        try:
            os.chown(target, published.st_uid, published.st_gid)
        except PermissionError:
            try:  # not allowed to give the file away: keep at least its group
                os.chown(target, -1, published.st_gid)
            except PermissionError as exc:
                raise KapotError(
                    tr(
                        "warehouse_perms.group_lost",
                        path=str(_published_path(path)),
                        gid=str(published.st_gid),
                    )
                ) from exc
    os.chmod(target, stat.S_IMODE(published.st_mode))


def _published_path(tmp: Path) -> Path:
    """The published path a temporary copy stands for (``x.duckdb.tmp-123`` -> ``x.duckdb``)."""
    name = tmp.name.split(".tmp-")[0]
    return tmp.with_name(name)
