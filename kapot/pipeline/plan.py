"""Which pipeline runs a date needs: the store's span of sales and the runs a weekly report
as of a date reads and the warehouse lacks (:func:`report_runs`), for :func:`kapot.pipeline.run_plan`.

The faces never read ``sales``: what the store holds before any run exists is asked here.
"""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd

from kapot import runner
from kapot.errors import KapotError
from kapot.pipeline.snapshot import Snapshot, latest_as_of, published_dates
from kapot.store.warehouse import Warehouse

__all__ = ["sales_span", "report_runs", "scores_on_or_before"]


def _date(value) -> dt.date | None:
    if value is None or (not isinstance(value, (dt.date, str)) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def sales_span(db: str | os.PathLike[str] | None = None) -> tuple[dt.date | None, dt.date | None]:
    """The first and last sale in the warehouse ``db`` (None, None without sales).

    Parameters
    ----------
    db : str or os.PathLike, optional
        The warehouse file; None means :func:`kapot.config.default_db_path`.

    Returns
    -------
    tuple of (datetime.date or None, datetime.date or None)
        The days of the first and last line of ``sales`` (returns included).
    """
    with Warehouse(db).read() as con:
        first, last = runner.execute(con, "store/sales_span")[0]
    return _date(first), _date(last)


def scores_on_or_before(
    db: str | os.PathLike[str] | None, as_of: dt.date
) -> tuple[dt.date | None, int | None]:
    """The latest scored run on or before ``as_of`` and its longest horizon, or (None, None).

    Parameters
    ----------
    db : str or os.PathLike or None
        The warehouse file; None means :func:`kapot.config.default_db_path`.
    as_of : datetime.date
        The latest date that counts.

    Returns
    -------
    tuple of (datetime.date or None, int or None)
        The run's date and its longest horizon in days; (None, None) when no run on or
        before ``as_of`` has scores.
    """
    try:
        day = latest_as_of(db, scored=True, before=as_of)
    except KapotError:
        return None, None
    return day, Snapshot.open(db, day, scored=True).horizon_days


def report_runs(
    as_of: dt.date, *, db: str | os.PathLike[str] | None = None
) -> list[tuple[dt.date, bool]]:
    """The runs a weekly report as of ``as_of`` (the Monday after its week) needs and the
    warehouse lacks, as (date, score) pairs: the profiles as of ``as_of`` and one month earlier,
    with scores as of ``as_of`` if none exist on or before it, and ``as_of`` again when its run
    predates the report facts (``report_span``). Dates on or before the first sale are never
    asked for. Reads only; empty when all is there.

    Parameters
    ----------
    as_of : datetime.date
        The report's date: the Monday after the week it covers.
    db : str or os.PathLike, optional
        The warehouse file; None means :func:`kapot.config.default_db_path`.

    Returns
    -------
    list of tuple of (datetime.date, bool)
        (date, score) pairs, ``as_of`` first, for :func:`kapot.pipeline.run_plan`; score is
        True only for ``as_of``.
    """
    previous = (pd.Timestamp(as_of) - pd.DateOffset(months=1)).date()
    have = published_dates(db)
    first, _ = sales_span(db)
    with Warehouse(db).read() as con:
        facts = runner.has_table(con, "report_span") and (
            runner.scalar(con, "report/data_start", as_of=as_of) is not None
        )
    scored, _ = scores_on_or_before(db, as_of)
    plan = []
    for day in (as_of, previous):
        score = day == as_of and scored is None
        stale = day == as_of and not facts
        if (day not in have or score or stale) and first is not None and first < day:
            plan.append((day, score))
    return plan
