"""kapot.faces.weekly.clients: the report's sections on clients (the week's figures, next
month's peaks, clients at risk) drawn from the hand-made warehouse (tests/conftest.py)."""

import re

import pandas as pd
import pytest

from kapot.faces.weekly import WeeklyReport

from ..conftest import REPORT_AS_OF as AS_OF
from ..conftest import figures, html_text, write_tables


@pytest.fixture
def report(report_warehouse, db):
    rep = WeeklyReport("2026-W47", db=db, lang="en")
    yield rep
    rep.close()


def test_kpis_cards_figure_and_table(report):
    sec = report.kpis()
    html = sec.to_html()
    text = html_text(html)
    # 170 this week against 200 the week before (-15 %) and 100 a year before (+70 %)
    assert "Revenue $170 -15% vs previous week +70% vs last year" in text
    assert "Orders 3 +200% vs previous week +50% vs last year" in text
    assert "Active clients 2 +100% vs previous week 0% vs last year" in text
    assert '<span class="down">-15%</span>' in html and '<span class="up">+70%</span>' in html
    assert '<span class="">0%</span>' in html  # no change: neither up nor down
    assert figures(html, "kpis") == 1  # the 13 weeks' revenue
    # one table: money rows in money, count rows as counts
    assert "Revenue $170 $200 $100 -15% +70%" in text
    assert "Average order value $57 $200 $50" in text
    assert "Orders 3 1 2 +200% +50%" in text


def test_kpis_without_a_base_show_a_dash(report_warehouse, db):
    rep = WeeklyReport("2026-W47", db=db, region="Kazan", lang="en")
    try:
        text = html_text(rep.kpis().to_html())
    finally:
        rep.close()
    # Kazan's N bought first this week: nothing to compare with, a dash rather than +inf
    assert "Revenue $30 – vs previous week – vs last year" in text
    assert "Orders 1 – vs previous week – vs last year" in text
    # in the table the bases are zeros and the changes blank
    assert "Revenue $30 $0 $0 Average order value $30 Orders 1 0 0 Active clients 1 0 0" in text


def _peaks(db, **overrides):
    months = {f"m{i:02d}": [0.05] * 3 for i in range(1, 13)}
    months["m12"] = [0.4, 0.3, 0.4]
    seas = pd.DataFrame(
        {
            "client_id": ["A", "N", "L"],
            "as_of": pd.Timestamp(AS_OF),
            "peak_month": [12, 12, 12],
            "seasonal": [True, True, False],
            "source": ["own", "segment", "own"],
            **months,
        }
    ).assign(**overrides)
    feats = pd.DataFrame(
        {
            "client_id": ["A", "N", "L"],
            "as_of": pd.Timestamp(AS_OF),
            "revenue_12m": [100.0, 300.0, 50.0],
            "recency_days": [4, 5, 300],
            "pays_on_time": [True, False, True],
        }
    )
    write_tables(db, seasonality=seas, client_features=feats)


def test_peak_next_month_names_the_month_and_its_clients(report, db):
    _peaks(db)
    sec = report.peak_next_month(limit=1)
    assert sec.title == "Purchase peak in December: call them now"
    assert sec.note.startswith("2 clients buy most in December") and "The 1 largest" in sec.note
    html = sec.to_html()
    text = html_text(html)
    assert "N Kazan Petrova industry profile 30" in text  # the larger of the two; A is cut
    assert "Alpha" not in text and "<td>A</td>" not in html
    assert figures(html, "peak_next_month") == 1  # the heatmap


def test_peak_next_month_without_peaks_says_so(report, db):
    _peaks(db, seasonal=False)
    sec = report.peak_next_month()
    assert sec.title == "Purchase peak in December: call them now"
    assert sec.empty == "No client has a significant purchase peak in December."
    assert sec.parts == [] and sec.note == ""


def _risks(db, **overrides):
    feats = pd.DataFrame(
        {
            "client_id": ["A", "N", "L"],
            "as_of": pd.Timestamp(AS_OF),
            "is_prospect": [False, False, False],
            "revenue_12m": [1000.0, 500.0, 50.0],
            "revenue_24m": [2000.0, 600.0, 80.0],
            "trend_12m": [0.1, -0.5, -0.3],
            "overdue_reorder": [True, True, False],
            "expected_next_order": pd.to_datetime(["2026-11-01", "2026-10-01", None]),
            "overdue_amount": [0.0, 20.0, 0.0],
        }
    ).assign(**overrides)
    write_tables(db, client_features=feats)


def test_at_risk_lists_the_signs_in_words(report, db):
    _risks(db)
    sec = report.at_risk()
    assert sec.note.startswith("3 clients with $1,550 of revenue over 12 months")
    text = html_text(sec.to_html())
    assert "N Kazan Petrova falling trend, overdue reorder, overdue invoices $500 -50%" in text
    assert "A Moscow Petrova overdue reorder $1,000 +10%" in text
    assert text.index("N Kazan") < text.index("A Moscow") < text.index("L Moscow")


def test_at_risk_of_a_region_shows_only_its_clients(report_warehouse, db):
    _risks(db)
    rep = WeeklyReport("2026-W47", db=db, region="Moscow", lang="en")
    try:
        html = rep.at_risk().to_html()
    finally:
        rep.close()
    regions = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", html)
    assert regions == ["Moscow", "Moscow"]  # A and L; Kazan's N is not in the report


def test_at_risk_without_warning_signs_says_so(report, db):
    _risks(db, trend_12m=0.0, overdue_reorder=False, overdue_amount=0.0)
    sec = report.at_risk()
    assert sec.empty == "No client shows a warning sign." and sec.parts == []
