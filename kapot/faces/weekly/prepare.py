"""What the weekly report needs before it renders: the week resolved, and the pipeline runs
(:func:`kapot.pipeline.run`) it reads, named by :func:`needed_runs` when missing: the client
profiles of the Monday after the week and of a month before, and potential scores."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kapot import runner
from kapot.errors import KapotError
from kapot.faces import report as R
from kapot.i18n import tr
from kapot.pipeline.snapshot import Snapshot, latest_as_of, published_dates
from kapot.store.warehouse import Warehouse

__all__ = ["needed_runs", "resolve_week", "scores_on_or_before"]


def _date(value) -> dt.date | None:
    if value is None or (not isinstance(value, (dt.date, str)) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _previous_month(as_of: dt.date) -> dt.date:
    return (pd.Timestamp(as_of) - pd.DateOffset(months=1)).date()


def scores_on_or_before(db, as_of: dt.date) -> tuple[dt.date | None, int | None]:
    """The latest scored run on or before ``as_of`` and its longest horizon, or (None, None)."""
    try:
        day = latest_as_of(db, scored=True, before=as_of)
    except KapotError:
        return None, None
    return day, Snapshot.open(db, day, scored=True).horizon_days


def resolve_week(week: str | None, db=None) -> str:
    """``week`` checked (an ISO week that begins on or before the last sale), or the last
    complete week of the warehouse's sales."""
    with Warehouse(db).read() as con:
        if not week:
            return R.default_week(con)
        start, _ = R.week_bounds(week)
        last = _date(runner.scalar(con, "report/last_sale"))
    if last is None or start > last:
        raise KapotError(tr("report.week_after_data", week=week.upper(), last=str(last or "-")))
    return week.upper()


def needed_runs(week: str, *, db=None) -> list[tuple[dt.date, bool]]:
    """The pipeline runs the report for ``week`` needs and the warehouse lacks, as (date,
    score) pairs: the profiles as of the Monday after and one month earlier, with scores as of
    the Monday after if none exist on or before it, and the Monday after again when its run
    predates the report facts (``report_span``). Reads only; empty when all is there."""
    _, as_of = R.week_bounds(week)
    previous = _previous_month(as_of)
    have = published_dates(db)
    with Warehouse(db).read() as con:
        first = _date(runner.scalar(con, "report/first_sale"))
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
