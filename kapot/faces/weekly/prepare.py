"""What the weekly report needs before it renders: the week resolved, the client profiles of its Monday and of four weeks before, and potential scores; made when missing."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kapot.errors import KapotError
from kapot.faces import report as R
from kapot.i18n import tr
from kapot.pipeline.build import has_table
from kapot.store.warehouse import Warehouse

__all__ = ["prepare", "resolve_week", "builds", "scores_on_or_before"]


def _date(value) -> dt.date | None:
    if value is None or (not isinstance(value, (dt.date, str)) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _previous_month(as_of: dt.date) -> dt.date:
    return (pd.Timestamp(as_of) - pd.DateOffset(months=1)).date()


def builds(con) -> set[dt.date]:
    """The dates whose client profiles (``segments``) are built in the warehouse."""
    if not has_table(con, "segments"):
        return set()
    return {_date(r[0]) for r in con.execute("SELECT DISTINCT as_of FROM segments").fetchall()}


def scores_on_or_before(con, as_of: dt.date) -> tuple[dt.date | None, int | None]:
    """The latest scored date on or before ``as_of`` and its longest horizon, or ``(None, None)``."""
    if not has_table(con, "potential"):
        return None, None
    got = con.execute(
        "SELECT as_of, max(horizon_days) FROM potential WHERE as_of <= $a "
        "GROUP BY as_of ORDER BY as_of DESC LIMIT 1",
        {"a": as_of},
    ).fetchall()
    return (_date(got[0][0]), int(got[0][1])) if got else (None, None)


def resolve_week(week: str | None, db=None) -> str:
    """``week`` checked (an ISO week that begins on or before the last sale), or the last
    complete week of the warehouse's sales."""
    with Warehouse(db).read() as con:
        if not week:
            return R.default_week(con)
        start, _ = R.week_bounds(week)
        last = _date(con.execute("SELECT max(date) FROM sales").fetchall()[0][0])
    if last is None or start > last:
        raise KapotError(tr("report.week_after_data", week=week.upper(), last=str(last or "-")))
    return week.upper()


def prepare(week: str, *, db=None, score: bool = True, progress: bool = False) -> list[str]:
    """Build the client profiles the report for ``week`` reads (as of the Monday after, and
    one month earlier) and score the potential if no scores exist on or before that date.
    Returns what was done (empty when everything was there)."""
    from kapot.pipeline.build import build

    _, as_of = R.week_bounds(week)
    previous = _previous_month(as_of)
    with Warehouse(db).read() as con:
        have = builds(con)
        first = con.execute("SELECT min(date) FROM sales").fetchall()[0][0]
        scored, _ = scores_on_or_before(con, as_of)
    first = _date(first)
    done = []
    for day in (as_of, previous):
        if day not in have and first is not None and first < day:
            build(day, db=db, progress=progress)
            done.append(f"build {day.isoformat()}")
    if score and scored is None:
        from kapot.models.potential import score_warehouse

        score_warehouse(as_of, db=db)
        done.append(f"score {as_of.isoformat()}")
    return done
