"""The weekly report's week and scope: ISO weeks, the default week of a warehouse, the same
week a year before, and whose clients a report covers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kapot.errors import KapotError
from kapot.i18n import tr

__all__ = [
    "Scope",
    "week_bounds",
    "iso_week",
    "default_week",
    "same_week_last_year",
    "next_month",
]


@dataclass(frozen=True)
class Scope:
    """Whose clients a report covers: one region, one manager, both or everyone.

    Parameters
    ----------
    region, manager : str, optional
        The clients' region and manager, as in the warehouse; None: any.
    """

    region: str | None = None
    manager: str | None = None

    @property
    def params(self) -> dict[str, str | None]:
        """The scope as the report's SQL parameters ``$region`` and ``$manager``."""
        return {"region": self.region, "manager": self.manager}


def week_bounds(week: str) -> tuple[dt.date, dt.date]:
    """The first day of an ISO week and of the week after it.

    Parameters
    ----------
    week : str
        An ISO week, ``2026-W47`` (any case).

    Returns
    -------
    start, end : datetime.date
        Its Monday and the next Monday (the week is ``start <= day < end``).

    Raises
    ------
    KapotError
        for a text that is not an ISO week.
    """
    try:
        year, num = week.upper().split("-W")
        start = dt.date.fromisocalendar(int(year), int(num), 1)
    except ValueError:
        raise KapotError(tr("report.bad_week", week=week)) from None
    return start, start + dt.timedelta(days=7)


def iso_week(day: dt.date) -> str:
    """The ISO week holding a day.

    Parameters
    ----------
    day : datetime.date

    Returns
    -------
    str
        ``2026-W47`` (the ISO year, which differs from the calendar year in late December
        and early January).
    """
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def default_week(last_sale: dt.date | None) -> str:
    """The last complete ISO week of sales that end on ``last_sale``: a cron job on Monday
    reports the week that ended the day before; a warehouse loaded to a Saturday reports the
    week before that.

    Parameters
    ----------
    last_sale : datetime.date or None
        The last sale's day (:func:`kapot.pipeline.plan.sales_span`; a timestamp counts by its
        date).

    Returns
    -------
    str
        The ISO week, ``2026-W47``, that ends on the last Sunday on or before ``last_sale``.

    Raises
    ------
    KapotError
        when ``last_sale`` is None (no sales).
    """
    if last_sale is None:
        raise KapotError(tr("report.no_sales"))
    last = last_sale.date() if hasattr(last_sale, "date") else last_sale
    sunday = last - dt.timedelta(days=(last.isoweekday() % 7))  # the last Sunday on or before
    return iso_week(sunday)


def same_week_last_year(start: dt.date) -> dt.date:
    """The same ISO week a year earlier, the week the report compares with.

    Parameters
    ----------
    start : datetime.date
        A week's Monday.

    Returns
    -------
    datetime.date
        The Monday of the same ISO week number in the ISO year before (week 52 for a week 53
        the year before lacks).
    """
    year, week, _ = start.isocalendar()
    try:
        return dt.date.fromisocalendar(year - 1, week, 1)
    except ValueError:  # week 53 in a year that has none
        return dt.date.fromisocalendar(year - 1, 52, 1)


def next_month(as_of: dt.date) -> int:
    """The calendar month after the report's last day (``as_of`` - 1 day): the report as of
    2026-11-23, for the week ending Sunday 22 November, looks at December.

    Parameters
    ----------
    as_of : datetime.date
        The day after the report's week (its next Monday).

    Returns
    -------
    int
        1-12.
    """
    last = as_of - dt.timedelta(days=1)
    return last.month % 12 + 1
