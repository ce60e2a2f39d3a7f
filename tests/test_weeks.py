"""kapot.faces.report.weeks: the report's ISO weeks, its default week and its scope."""

import datetime as dt

import pandas as pd
import pytest

from kapot import KapotError
from kapot.faces.report.weeks import (
    Scope,
    default_week,
    iso_week,
    next_month,
    same_week_last_year,
    week_bounds,
)
from kapot.pipeline.plan import sales_span

from .conftest import REPORT_WEEK as W47


def test_week_bounds():
    assert week_bounds("2026-W47") == (W47, W47 + dt.timedelta(days=7))
    assert week_bounds("2026-w47") == week_bounds("2026-W47")  # any case
    # 2026 has 53 ISO weeks: its last one runs into 2027
    assert week_bounds("2026-W53") == (dt.date(2026, 12, 28), dt.date(2027, 1, 4))
    for bad in ("2026-47", "2025-W53", "2026-W00", "W47", "2026-Wxx", ""):
        with pytest.raises(KapotError, match="ISO week"):
            week_bounds(bad)


def test_iso_week_is_the_iso_year_and_week():
    assert iso_week(W47) == "2026-W47" and iso_week(W47 + dt.timedelta(days=6)) == "2026-W47"
    assert iso_week(dt.date(2026, 3, 2)) == "2026-W10"  # two digits
    # around New Year the ISO year is not the calendar year
    assert iso_week(dt.date(2027, 1, 1)) == "2026-W53"
    assert iso_week(dt.date(2021, 1, 3)) == "2020-W53"
    assert iso_week(dt.date(2024, 12, 30)) == "2025-W01"
    for week in ("2026-W01", "2026-W47", "2026-W53"):
        assert iso_week(week_bounds(week)[0]) == week


def test_default_week_is_the_last_complete_week():
    # a Thursday: its week is not complete yet, so the week before
    assert default_week(dt.date(2026, 11, 19)) == "2026-W46"
    assert default_week(dt.date(2026, 11, 22)) == "2026-W47"  # a Sunday ends its week
    assert (
        default_week(dt.date(2026, 11, 23)) == "2026-W47"
    )  # Monday's cron reports the week before
    assert default_week(pd.Timestamp("2026-11-22 18:30")) == "2026-W47"  # a timestamp by its date
    assert default_week(dt.date(2027, 1, 2)) == "2026-W52"  # Saturday of 2026-W53
    with pytest.raises(KapotError, match="no sales"):
        default_week(None)


def test_the_default_week_of_a_warehouse(report_warehouse):
    first, last = sales_span(report_warehouse.path)
    # the last sale is Thursday 2026-11-19, so W47 is not complete yet: W46
    assert (first, last) == (dt.date(2025, 11, 18), dt.date(2026, 11, 19))
    assert default_week(last) == "2026-W46"


def test_same_week_last_year():
    assert same_week_last_year(W47) == dt.date(2025, 11, 17)  # 2025-W47's Monday
    assert iso_week(same_week_last_year(W47)) == "2025-W47"
    # 2026-W53 has no twin in 2025 (52 weeks): its last week; 2027-W01 is 2026-W01
    assert same_week_last_year(dt.date(2026, 12, 28)) == dt.date(2025, 12, 22)
    assert same_week_last_year(dt.date(2027, 1, 4)) == dt.date(2025, 12, 29)


def test_next_month_is_the_month_after_the_reports_last_day():
    assert next_month(W47 + dt.timedelta(days=7)) == 12  # week to Sunday 22 November
    # as of Monday 1 December: the week ended on 30 November, so December
    assert next_month(dt.date(2026, 12, 1)) == 12
    assert next_month(dt.date(2027, 1, 1)) == 1  # the week ended on 31 December
    assert next_month(dt.date(2027, 1, 4)) == 2


def test_scope_is_the_reports_sql_parameters():
    assert Scope().params == {"region": None, "manager": None}
    assert Scope(region="Moscow").params == {"region": "Moscow", "manager": None}
    assert Scope("Kazan", "Petrova").params == {"region": "Kazan", "manager": "Petrova"}
    with pytest.raises(AttributeError):
        Scope().region = "Moscow"  # frozen: a report's scope does not change under it
