"""kapot.faces.weekly.changes: the report's sections on what changed (new and lost clients,
segment movements, order takers and hunters) drawn from the hand-made warehouse."""

import datetime as dt

import pandas as pd
import pytest

from kapot.faces.weekly import WeeklyReport
from kapot.i18n import fmt_date

from ..conftest import REPORT_AS_OF as AS_OF
from ..conftest import figures, html_text, write_tables


@pytest.fixture
def report(report_warehouse, db):
    rep = WeeklyReport("2026-W47", db=db, lang="en")
    yield rep
    rep.close()


def test_new_and_lost_in_words_new_first(report):
    sec = report.new_and_lost(lost_after_days=365)
    assert sec.note == (
        "New clients (first purchase ever this week): 1. Lost clients (passed 365 days"
        " without a purchase this week): 1."
    )
    html = sec.to_html()
    text = html_text(html)
    assert "new N Kazan Petrova Nov 18, 2026 Nov 18, 2026 $30" in text
    assert "lost L Moscow Sidorov Nov 19, 2025 Nov 19, 2025" in text
    assert text.index("new N") < text.index("lost L")
    assert figures(html, "new_and_lost") == 1


def test_new_and_lost_limit_cuts_the_table_not_the_count(report):
    sec = report.new_and_lost(limit=0, lost_after_days=365)
    assert "this week): 1. Lost" in sec.note  # both still counted
    text = html_text(sec.to_html())
    assert "N Kazan" not in text and "L Moscow" not in text


def test_new_and_lost_of_a_quiet_week_says_so(report_warehouse, db):
    rep = WeeklyReport("2026-W47", db=db, region="Moscow", lang="en")
    try:
        sec = rep.new_and_lost()  # N (new) is in Kazan; L was lost long before 180 days
    finally:
        rep.close()
    assert sec.empty == "No client was won or lost this week." and sec.parts == []
    assert sec.note == (
        "New clients (first purchase ever this week): 0. Lost clients (passed 180 days"
        " without a purchase this week): 0."
    )


def _segments(db, dates):
    rows = {
        "2026-10-23": (["A", "B", "C"], ["AX", "BY", "CZ"], ["champions", "loyal", "loyal"]),
        "2026-11-23": (["B", "A", "C"], ["BX", "AY", "CZ"], ["champions", "loyal", "at_risk"]),
    }
    seg = pd.concat(
        pd.DataFrame(
            {
                "client_id": ["A", "N", "L"],
                "as_of": pd.Timestamp(day),
                "abc": rows[day][0],
                "abc_xyz": rows[day][1],
                "rfm_segment": rows[day][2],
            }
        )
        for day in dates
    )
    feats = pd.DataFrame(
        {"client_id": ["A", "N", "L"], "as_of": pd.Timestamp(AS_OF), "revenue_12m": [10.0] * 3}
    )
    write_tables(db, segments=seg, client_features=feats)


def test_movements_without_a_build_a_month_before(report, db):
    _segments(db, ["2026-11-23"])
    sec = report.movements()
    assert sec.empty.startswith("No client profiles a month earlier to compare with")
    assert sec.parts == [] and sec.note == ""


def test_movements_between_two_builds(report, db):
    _segments(db, ["2026-10-23", "2026-11-23"])
    sec = report.movements()
    assert sec.note.startswith("Between the profiles of Oct 23, 2026 and Nov 23, 2026, 3 clients")
    assert "; 2 moved down" in sec.note  # A fell from A to B, L slid into at risk
    html = sec.to_html()
    assert figures(html, "movements") == 2  # ABC/XYZ and RFM heatmaps
    text = html_text(html)
    # downs first; the RFM segments in words
    assert "A Petrova down AX BX champions champions $10" in text
    assert "L Sidorov down CZ CZ loyal at risk $10" in text
    assert text.index("L Sidorov down") < text.index("N Petrova up BY AY loyal loyal")


def test_order_taker_splits_each_managers_revenue(report):
    one = html_text(report.order_taker(weeks=1).to_html())
    # W47: A's bolts routine (100), A's nuts a new category (50), N a new client (30)
    assert "from Nov 16, 2026 to Nov 22, 2026" in one
    assert "Petrova $180 $100 $50 $30 44.4%" in one  # hunting: (50 + 30) / 180
    four = html_text(report.order_taker().to_html())
    assert "from Oct 26, 2026 to Nov 22, 2026" in four
    assert "Petrova $380 $300 $50 $30 21.1%" in four  # W46's 200 in bolts is routine too
    with pytest.raises(ValueError, match="weeks"):
        report.order_taker(weeks=14)


def test_order_taker_without_sales_says_so(report_warehouse, db):
    rep = WeeklyReport("2026-W47", db=db, manager="Sidorov", lang="en")
    try:
        sec = rep.order_taker(weeks=1)
    finally:
        rep.close()
    # the span it read: one week (it said "these four weeks" whatever the span)
    span = (
        fmt_date(rep.as_of - dt.timedelta(days=7), "en"),
        fmt_date(rep.as_of - dt.timedelta(days=1), "en"),
    )
    assert sec.empty == f"No sales from {span[0]} to {span[1]}." and sec.parts == []
