"""Taking a load back out: ``kapot unload LOAD_ID`` deletes the sales lines a load added, published atomically under the writers' lock like a load, and records it in ``loads``."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass

from kapot import runner
from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.store.warehouse import Warehouse

__all__ = ["unload", "UnloadReport"]


@dataclass
class UnloadReport:
    """The outcome of one ``unload`` call; also stored in the warehouse's ``loads`` table.

    Attributes
    ----------
    load_id : int
        The entry in ``loads`` that records this unload.
    unloaded : int
        The load taken out.
    sales_removed : int
        The sales lines deleted (those that load added).
    db : str
        The warehouse file.
    """

    load_id: int
    unloaded: int
    sales_removed: int
    db: str

    def to_dict(self) -> dict:
        """The report as plain values, ready for JSON.

        Returns
        -------
        dict
            ``load_id``, ``unloaded``, ``sales_removed`` and ``db``.
        """
        return asdict(self)


def _load_reports(con) -> dict[int, dict]:
    rows = runner.execute(con, "ingest/load_reports")
    return {int(i): json.loads(r) for i, r in rows}


def _check_unloadable(reports: dict[int, dict], load_id: int) -> None:
    if load_id not in reports:
        loads = [str(i) for i, r in reports.items() if "unloaded" not in r]
        raise KapotError(tr("unload.unknown", load_id=load_id, known=", ".join(loads[-10:]) or "—"))
    if "unloaded" in reports[load_id]:
        raise KapotError(
            tr("unload.is_unload", load_id=load_id, target=reports[load_id]["unloaded"])
        )
    for i, r in reports.items():
        if r.get("unloaded") == load_id:
            raise KapotError(tr("unload.already", load_id=load_id, by=i))


def unload(
    load_id: int,
    *,
    db: str | os.PathLike[str] | None = None,
    unloaded_at: dt.datetime | None = None,
) -> UnloadReport:
    """Take the sales lines of one load back out of the warehouse, in one atomic publish.

    The lines that load added (``sales.load_id``) are deleted under the writers' lock and the
    warehouse is published by copy and rename like a load, so readers see it before or after,
    never half-way. The unload is recorded in ``loads`` as an entry of its own whose report
    says ``unloaded`` (the load taken out) and ``sales_removed``. Clients, products, invoices
    and categories are keyed tables without a history: their rows stay, and the next load of
    a corrected file refreshes them. Profiles and scores computed from the removed lines
    stay until the next ``kapot build`` / ``kapot score``. Loading the same file again after
    an unload adds its lines back.

    Parameters
    ----------
    load_id : int
        The load to take out (``kapot status`` shows the last one).
    db : str or os.PathLike, optional
        The warehouse file; default ``KAPOT_DB`` or ``data/kapot.duckdb``.
    unloaded_at : datetime.datetime, optional
        The time stamped on the entry (naive UTC); default now.

    Returns
    -------
    UnloadReport
        The new entry's ``load_id``, the load taken out and the sales lines removed.

    Raises
    ------
    KapotError
        If there is no such load, it was unloaded already, or it is itself an unload; the
        warehouse is then unchanged.
    """
    wh = Warehouse(db)
    with wh.read() as con:  # refuse before copying a large warehouse for nothing
        _check_unloadable(_load_reports(con), int(load_id))
    stamp = unloaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with wh.write() as con:
        reports = _load_reports(con)  # again under the lock: another writer may have run
        _check_unloadable(reports, int(load_id))
        removed = runner.scalar(con, "ingest/sales_count", load_id=int(load_id))
        runner.execute(con, "ingest/delete_load", load_id=int(load_id))
        new_id = max(reports, default=0) + 1
        report = UnloadReport(
            load_id=new_id, unloaded=int(load_id), sales_removed=int(removed), db=str(wh.path)
        )
        runner.execute(
            con,
            "ingest/insert_load",
            load_id=new_id,
            at=stamp,
            report=json.dumps(report.to_dict(), ensure_ascii=False),
        )
    return report
