"""What the weekly report needs before it renders: the week resolved against the store's
sales (:func:`kapot.pipeline.plan.sales_span`), and the pipeline runs it reads, named by
:func:`needed_runs` (:func:`kapot.pipeline.plan.report_runs`) when missing: the client
profiles of the Monday after the week and of a month before, and potential scores."""

from __future__ import annotations

import datetime as dt
import os

from kapot.errors import KapotError
from kapot.faces import report as R
from kapot.i18n import tr
from kapot.pipeline.plan import report_runs, sales_span

__all__ = ["needed_runs", "resolve_week"]


def resolve_week(week: str | None, db: str | os.PathLike[str] | None = None) -> str:
    """``week`` checked (an ISO week that begins on or before the last sale), or the last
    complete week of the warehouse's sales.

    Parameters
    ----------
    week : str or None
        An ISO week, ``2026-W47`` (any case); None or empty for the last complete week.
    db : str or os.PathLike, optional
        The warehouse; None for ``KAPOT_DB``, else ``data/kapot.duckdb``.

    Returns
    -------
    str
        The week in upper case.

    Raises
    ------
    KapotError
        For a malformed week, one that begins after the last sale, or a warehouse without
        sales.
    """
    _, last = sales_span(db)
    if not week:
        return R.default_week(last)
    start, _ = R.week_bounds(week)
    if last is None or start > last:
        raise KapotError(tr("report.week_after_data", week=week.upper(), last=str(last or "-")))
    return week.upper()


def needed_runs(
    week: str, *, db: str | os.PathLike[str] | None = None
) -> list[tuple[dt.date, bool]]:
    """The pipeline runs the report for ``week`` needs and the warehouse lacks, as (date,
    score) pairs (:func:`kapot.pipeline.plan.report_runs` as of the Monday after the week).
    Reads only; empty when all is there.

    Parameters
    ----------
    week : str
        An ISO week, ``2026-W47``.
    db : str or os.PathLike, optional
        The warehouse; None for ``KAPOT_DB``, else ``data/kapot.duckdb``.

    Returns
    -------
    list of (datetime.date, bool)
        Each run's date and whether it must score potential too, for
        :func:`kapot.pipeline.run`.
    """
    _, as_of = R.week_bounds(week)
    return report_runs(as_of, db=db)
