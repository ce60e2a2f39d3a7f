"""kapot.faces.calculator.loading: one scored date into memory, from the warehouse the first
time (then shared beside it), from the shared copy after; the pairs' season timing as arrays."""

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest

from kapot import KapotError
from kapot.faces.calculator import Calculator
from kapot.faces.calculator.cache import SCORE_COLUMNS, SEASON_COLUMNS, snapshot_dir
from kapot.faces.calculator.loading import season_arrays

from .conftest import SCORED_AS_OF


def test_season_arrays_by_hand():
    timing = pd.DataFrame(
        {
            "client_id": ["C2", "C1", "C1", "C9", "C2"],
            "category": ["Nuts", "Bolts", "Nuts", "Bolts", "Screws"],
            "in_season": [True, False, True, True, True],
            "season_lift": [1.5, 0.8, 2.0, 9.0, 9.0],
            "peak_month": [6, 0, 12, 1, 1],  # 0: no significant season
            "peak_pm": [1, 2, pd.NA, 0, 0],
        }
    ).astype({"peak_pm": "Int64"})
    out = season_arrays(timing, pd.Index(["C1", "C2", "C3"]), pd.Index(["Bolts", "Nuts"]))
    assert set(out) == set(SEASON_COLUMNS)
    # C9 and Screws are not the calculator's: ignored; C3 has no row: no season, lift 1
    assert out["in_season"].tolist() == [[0, 1], [0, 1], [0, 0]]
    assert out["season_lift"].tolist() == [[0.8, 2.0], [1.0, 1.5], [1.0, 1.0]]
    nan = np.nan
    assert np.array_equal(out["pair_peak_month"], [[nan, 12], [nan, 6], [nan, nan]], equal_nan=True)
    # the ±months only with a peak; an unknown one stays unknown
    assert np.array_equal(out["pair_peak_pm"], [[nan, nan], [nan, 1], [nan, nan]], equal_nan=True)


def test_season_arrays_without_timing():
    empty = pd.DataFrame(
        columns=["client_id", "category", "in_season", "season_lift", "peak_month", "peak_pm"]
    )
    out = season_arrays(empty, pd.Index(["C1"]), pd.Index(["Bolts", "Nuts", "Tape"]))
    assert out["in_season"].shape == (1, 3) and not out["in_season"].any()
    assert (out["season_lift"] == 1).all() and np.isnan(out["pair_peak_month"]).all()


@pytest.fixture(scope="module")
def warehouse(scored_warehouse, tmp_path_factory):
    """A copy of the scored warehouse: loading publishes its snapshot beside it."""
    db = tmp_path_factory.mktemp("loading") / "w.duckdb"
    shutil.copy(scored_warehouse, db)
    return db


def test_loaded_from_the_warehouse_then_from_the_shared_copy(warehouse, scored_data):
    first = Calculator.load(warehouse)
    assert first.as_of == SCORED_AS_OF and first.horizon_days > 0
    n = len(scored_data.clients)
    assert len(first.clients) == n and first.categories == sorted(first.categories)
    assert set(first.scores) == set(SCORE_COLUMNS + SEASON_COLUMNS)
    assert all(a.shape == (n, len(first.categories)) for a in first.scores.values())
    p = first.scores["probability"]
    assert ((p >= 0) & (p <= 1)).all() and (first.scores["expected_value"] >= 0).all()
    # prospects are scored too, from lookalikes
    prospects = first.clients["is_prospect"].to_numpy().astype(bool)
    assert prospects.any() and p[prospects].max() > 0
    assert "illiquid" not in first.products and first.validation
    snap = snapshot_dir(warehouse, first.as_of, first.horizon_days)
    assert (snap / "done").exists()
    # the next kernel maps the shared copy: the same calculator, without the warehouse
    second = Calculator.load(warehouse, first.as_of, first.horizon_days)
    assert isinstance(second.scores["probability"], np.memmap)
    for col in first.scores:
        assert np.array_equal(second.scores[col], first.scores[col], equal_nan=True), col
    pd.testing.assert_frame_equal(second.clients, first.clients)
    assert second.validation == first.validation and second.currency == first.currency
    assert second.find()["client_id"].tolist() == first.find()["client_id"].tolist()


def test_a_date_without_scores_or_no_warehouse_is_an_error(warehouse, tmp_path):
    with pytest.raises(KapotError, match="2020-01-01"):
        Calculator.load(warehouse, dt.date(2020, 1, 1))
    with pytest.raises(KapotError, match="no warehouse at"):
        Calculator.load(tmp_path / "none.duckdb")
    assert not (tmp_path / "none.duckdb").exists()
