"""kapot.models.timing: when a seasonal row buys, for a horizon from a date."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kapot.models.timing import TIMING_COLUMNS, horizon_months, pair_timing, season_timing


def test_season_timing_by_hand():
    assert horizon_months(dt.date(2026, 11, 1), 30) == [11]
    assert horizon_months(dt.date(2026, 12, 20), 30) == [1, 12]
    t = pd.DataFrame(
        {
            "client_id": ["a", "b", "c", "d"],
            "category": ["x", "x", "y", "y"],
            # a: peak in November (alpha, beta along 11/12 of the circle); b: same, but off
            # season in May; c: not seasonal; d: no alpha/beta, from peak and strength
            "alpha": [np.cos(2 * np.pi * 11 / 12), np.cos(2 * np.pi * 5 / 12), 0.0, np.nan],
            "beta": [np.sin(2 * np.pi * 11 / 12), np.sin(2 * np.pi * 5 / 12), 0.0, np.nan],
            "seasonal": [True, True, False, True],
            "peak_month": [11, 5, 0, 10],
            "peak_pm": pd.array([0, 1, pd.NA, 1], dtype="Int64"),
            "strength": [np.e / np.i0(1.0), np.e / np.i0(1.0), 1.0, np.e / np.i0(1.0)],
        }
    )
    t["alpha"] = t["alpha"].astype(float)
    out = season_timing(t, dt.date(2026, 11, 1), 28).set_index("client_id")
    # amplitude 1 at the peak: exp(1) / I0(1) = 2.13 times an average month; 6 months away
    # exp(-1) / I0(1) = 0.29
    assert out.loc["a", "season_lift"] == pytest.approx(np.e / np.i0(1.0), abs=1e-3)
    assert out.loc["b", "season_lift"] == pytest.approx(np.exp(-1) / np.i0(1.0), abs=1e-3)
    assert out.loc["c", "season_lift"] == 1.0
    # d peaks in October, one month from November: exp(cos(30 degrees)) / I0(1)
    assert out.loc["d", "season_lift"] == pytest.approx(
        np.exp(np.cos(np.pi / 6)) / np.i0(1.0), abs=1e-2
    )
    assert out["in_season"].tolist() == [True, False, False, True]  # d: October ±1 holds November
    assert not season_timing(t.assign(peak_pm=2), dt.date(2026, 11, 1), 28)["in_season"].any()
    assert list(out.columns[:2]) == ["category", "in_season"]


def test_a_horizon_touches_the_months_of_its_weekly_looks():
    assert horizon_months(dt.date(2026, 1, 31), 1) == [1]
    assert horizon_months(dt.date(2026, 1, 31), 0) == [1]  # at least the first look
    assert horizon_months(dt.date(2026, 1, 25), 8) == [1, 2]  # Jan 25, Feb 1
    assert horizon_months(dt.date(2026, 11, 1), 90) == [1, 11, 12]


def test_the_pairs_timing_has_the_published_columns():
    pairs = pd.DataFrame(
        {
            "client_id": ["a"],
            "category": ["x"],
            "peak_month": [11],
            "peak_pm": pd.array([0], dtype="Int64"),
            "seasonal": [True],
            "strength": [2.0],
            "alpha": [np.nan],
            "beta": [np.nan],
        }
    )
    out = pair_timing(pairs, dt.date(2026, 11, 1), 28)
    assert tuple(out.columns) == TIMING_COLUMNS
    assert out["horizon_days"].tolist() == [28] and out["in_season"].tolist() == [True]
    assert out["season_lift"].iloc[0] == pytest.approx(2.0, abs=0.02)  # at the peak: its strength
    empty = pair_timing(pairs.iloc[:0], dt.date(2026, 11, 1), 28)
    assert tuple(empty.columns) == TIMING_COLUMNS and empty.empty
    assert empty["in_season"].dtype == bool and str(empty["peak_pm"].dtype) == "Int64"
