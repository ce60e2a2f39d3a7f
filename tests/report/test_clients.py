"""kapot.faces.report.clients: the week's KPIs, weekly revenue, next month's peaks and the
clients at risk, on the hand-made warehouse (tests/conftest.py) with hand-computed answers."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kapot.faces.report.clients import at_risk, kpis, peak_next_month, weekly_revenue
from kapot.faces.report.weeks import Scope

from ..conftest import REPORT_AS_OF as AS_OF
from ..conftest import REPORT_WEEK as W47
from ..conftest import write_tables


def test_kpis_by_hand(report_warehouse):
    with report_warehouse.read() as con:
        k = kpis(con, W47)
    # this week: 100 + 50 + 30 - 10 = 170 revenue, 3 orders, 2 clients, AOV 170/3
    assert k.loc["revenue"].tolist()[:3] == [170.0, 200.0, 100.0]
    assert k.loc["orders"].tolist()[:3] == [3, 1, 2]
    assert k.loc["active_clients"].tolist()[:3] == [2, 1, 2]
    assert k.loc["avg_order_value", "this_week"] == pytest.approx(170 / 3)
    assert k.loc["revenue", "vs_previous"] == pytest.approx(170 / 200 - 1)
    assert k.loc["revenue", "vs_last_year"] == pytest.approx(0.7)
    assert k.loc["orders", "vs_previous"] == pytest.approx(2.0)


def test_kpis_of_a_week_without_published_facts_are_unknown_not_zero(report_warehouse):
    # the facts were published as of the Monday after W47; W46's report has none
    with report_warehouse.read() as con:
        k = kpis(con, W47 - dt.timedelta(days=7))
    assert k.index.tolist() == ["revenue", "orders", "active_clients", "avg_order_value"]
    assert k.isna().all().all()


def test_kpis_of_a_scope(report_warehouse):
    with report_warehouse.read() as con:
        moscow = kpis(con, W47, Scope(region="Moscow"))
        kazan = kpis(con, W47, Scope(region="Kazan"))
        k = kpis(con, W47, Scope(manager="Sidorov"))
    # Moscow this week is A alone: 100 + 50 - 10; Kazan is N's 30
    assert moscow.loc["revenue", "this_week"] == 140.0
    assert kazan.loc["revenue", "this_week"] == 30.0
    assert kazan.loc["active_clients"].tolist()[:3] == [1, 0, 0]
    # Sidorov's L bought only last year: zeros this week, no average order, -100 % on last year
    assert k.loc["revenue", "this_week"] == 0.0 and k.loc["revenue", "last_year"] == 20.0
    assert np.isnan(k.loc["avg_order_value", "this_week"])
    assert k.loc["revenue", "vs_last_year"] == -1.0
    assert np.isnan(k.loc["revenue", "vs_previous"])  # the base (W46) is zero


def test_weekly_revenue_by_hand(report_warehouse):
    with report_warehouse.read() as con:
        w = weekly_revenue(con, W47, weeks=3)
        moscow = weekly_revenue(con, W47, Scope(region="Moscow"), weeks=1)
    assert w["week"].tolist() == ["2026-W45", "2026-W46", "2026-W47"]
    assert w["week_start"].tolist() == [W47 - dt.timedelta(days=7 * k) for k in (2, 1, 0)]
    assert w["revenue"].tolist() == [0.0, 200.0, 170.0]
    # the data begin on 2025-11-18: last year's W45 and W46 are unknown, not zero
    assert np.isnan(w["revenue_last_year"][:2]).all() and w["revenue_last_year"][2] == 100.0
    assert moscow[["revenue", "revenue_last_year"]].values.tolist() == [[140.0, 100.0]]


def test_peak_next_month_by_hand(report_warehouse, db):
    months = {f"m{i:02d}": [0.05] * 4 for i in range(1, 13)}
    months["m12"] = [0.4, 0.3, 0.4, 0.2]
    seas = pd.DataFrame(
        {
            "client_id": ["A", "N", "L", "X"],
            "as_of": pd.Timestamp(AS_OF),
            "peak_month": [12, 12, 12, 11],
            "seasonal": [True, True, False, True],
            "source": ["own", "segment", "own", "own"],
            **months,
        }
    )
    feats = pd.DataFrame(
        {
            "client_id": ["A", "N", "L", "X"],
            "as_of": pd.Timestamp(AS_OF),
            "revenue_12m": [100.0, 300.0, 50.0, 10.0],
            "recency_days": [4, 5, 300, 9],
            "pays_on_time": [True, False, True, True],
        }
    )
    write_tables(db, seasonality=seas, client_features=feats)
    with report_warehouse.read() as con:
        got = peak_next_month(con, AS_OF)
        moscow = peak_next_month(con, AS_OF, Scope(region="Moscow"))
        first = peak_next_month(con, AS_OF, limit=1)
        later = peak_next_month(con, AS_OF + dt.timedelta(days=7))  # no seasonality that day
    # December follows a week ending in November; L's peak is not significant, X peaks in Nov
    assert got.attrs["month"] == 12
    assert got["client_id"].tolist() == ["N", "A"]  # larger revenue first
    assert got["peak_share"].tolist() == [0.3, 0.4]
    assert got["source"].tolist() == ["segment", "own"]
    assert got.loc[1, "last_purchase"] == pd.Timestamp("2026-11-19")  # 4 days before AS_OF
    assert moscow["client_id"].tolist() == ["A"]
    assert first["client_id"].tolist() == ["N"] and first.attrs["matched"] == 2
    assert later.empty and later.attrs["matched"] == 0


def test_at_risk_by_hand(report_warehouse, db):
    feats = pd.DataFrame(
        {
            "client_id": ["A", "N", "L", "P"],
            "as_of": pd.Timestamp(AS_OF),
            "is_prospect": [False, False, False, True],
            "revenue_12m": [1000.0, 500.0, 50.0, 0.0],
            "revenue_24m": [2000.0, 600.0, 80.0, 0.0],
            "trend_12m": [0.1, -0.5, -0.3, None],
            "overdue_reorder": [True, True, False, None],
            "expected_next_order": pd.to_datetime(["2026-11-01", "2026-10-01", None, None]),
            "overdue_amount": [0.0, 20.0, 0.0, 0.0],
        }
    )
    write_tables(db, client_features=feats)
    with report_warehouse.read() as con:
        r = at_risk(con, AS_OF)
        steeper = at_risk(con, AS_OF, falling=-0.4)
        one = at_risk(con, AS_OF, limit=1)
        sidorov = at_risk(con, AS_OF, Scope(manager="Sidorov"))
    # N has three signs, L one (trend -30 %), A one (overdue reorder); more signs first, then
    # more revenue; the prospect is never at risk
    assert r["client_id"].tolist() == ["N", "A", "L"]
    assert r["reasons"].tolist() == [3, 1, 1]
    assert r.attrs["counts"] == {"falling_trend": 2, "overdue_reorder": 2, "overdue_invoices": 1}
    assert r.attrs["revenue_at_stake"] == 1550.0
    # a trend of -30 % is not falling by 40 %: L drops out
    assert steeper["client_id"].tolist() == ["N", "A"]
    assert steeper.attrs["counts"]["falling_trend"] == 1
    # the limit cuts the table, not the counts
    assert one["client_id"].tolist() == ["N"] and one.attrs["matched"] == 3
    assert one.attrs["revenue_at_stake"] == 1550.0
    assert sidorov["client_id"].tolist() == ["L"] and sidorov.attrs["revenue_at_stake"] == 50.0
