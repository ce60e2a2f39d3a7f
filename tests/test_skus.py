"""kapot.faces.calculator.skus: a SKU scored on demand by the served SKU ranker, aligned with
the calculator's clients, slow movers and who would take a SKU's stock; by hand with a
stand-in ranker on four clients, then with the served ranker of a scored warehouse."""

import copy
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kapot import KapotError
from kapot.faces.calculator import Calculator, Query

from .small_calculator import small_calculator


class _Ranker:
    """Scores every SKU alike for the snapshot's clients (C3, C1, C2: C4 is not in it); a
    year's spend of 365 (C1) or 730 (the rest, or the typical buyer's) makes the expected
    value over 90 days probability x 90 or x 180."""

    def __init__(self):
        self.calls = 0

    def score(self, snap, items):
        self.calls += 1
        return pd.DataFrame(
            {
                "probability": [0.5, 0.8, 0.1],
                "item_spend_12m": [0.0, 365.0, 730.0],
                "item_buyer_spend_12m": [730.0, 730.0, 730.0],
                "has_bought": [0.0, 1.0, 1.0],
                "item_months_12m": [0.0, 6.0, 3.0],
                "item_revenue_same_season_ly": [0.0, 40.0, 0.0],
                "adopt_industry": [0.2, 0.6, 0.6],
                "cf_score_pct": [0.5, 0.5, 0.5],
                "svd_score_pct": [0.5, 0.5, 0.5],
            }
        )


def _calc(items=("B-1", "N-1", "Z-9")):
    ranker = _Ranker()
    snap = SimpleNamespace(client_ids=["C3", "C1", "C2"], items=list(items))
    return small_calculator(sku_engine=(ranker, snap)), ranker


def test_a_sku_s_scores_are_aligned_with_the_clients():
    calc, ranker = _calc()
    s = calc.sku_scores("B-1")
    assert s["probability"].tolist() == [0.8, 0.1, 0.5, 0.0]  # C4: not in the history, 0
    assert s["expected_value"] == pytest.approx([72.0, 18.0, 90.0, 0.0])
    assert s["has_bought"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert s["item_months_12m"].tolist() == [6.0, 3.0, 0.0, 0.0]
    # its category's (Bolts') season for each client
    assert s["in_season"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert np.array_equal(s["pair_peak_month"], [11, np.nan, np.nan, np.nan], equal_nan=True)
    # asked again: the cached arrays, the ranker not called twice
    assert calc.sku_scores("B-1") is s and ranker.calls == 1
    assert calc.skus() == ["B-1", "N-1", "Z-9"]


def test_a_sku_without_a_known_category_has_no_season():
    calc, _ = _calc()
    s = calc.sku_scores("Z-9")  # sold, but not in the products table
    assert s["in_season"].tolist() == [0.0] * 4 and s["season_lift"].tolist() == [1.0] * 4
    assert np.isnan(s["pair_peak_month"]).all() and np.isnan(s["pair_peak_pm"]).all()


def test_the_cache_keeps_the_last_skus_asked_for():
    calc, ranker = _calc(items=[f"S{i}" for i in range(80)])
    for i in range(80):
        calc.sku_scores(f"S{i}")
    assert len(calc._sku_cache) == 65 and "S0" not in calc._sku_cache and "S79" in calc._sku_cache
    calc.sku_scores("S0")
    assert ranker.calls == 81


def test_an_unknown_sku_or_no_sku_scores_is_an_error():
    calc, _ = _calc()
    with pytest.raises(KapotError, match="unknown SKU 'B-2'; nearest known: B-1"):
        calc.sku_scores("B-2")
    bare = small_calculator()  # no SKU ranker and no warehouse to read one from
    assert bare.skus() == []
    with pytest.raises(KapotError, match="no potential scores"):
        bare.sku_scores("B-1")


def test_a_sku_query_ranks_by_the_sku_s_scores():
    calc, _ = _calc()
    res = calc.find(Query(skus=("B-1",)))
    assert res["client_id"].tolist() == ["C1", "C3", "C2", "C4"]
    # a SKU and a category: any of them, values summed (C1: 1 - 0.2 * 0.1; 72 + 900)
    both = calc.find(Query(skus=("B-1",), categories=("Bolts",))).set_index("client_id")
    assert both.loc["C1", "score"] == pytest.approx(0.98)
    assert both.loc["C1", "expected_value"] == pytest.approx(972.0)


def test_illiquid_stock_by_hand():
    calc, _ = _calc()
    res = calc.illiquid("B-1")  # price 10, 120 on stock
    assert res["client_id"].tolist() == ["C1", "C3", "C2", "C4"]
    assert res["expected_quantity"].tolist() == pytest.approx([7.2, 9.0, 1.8, 0.0])
    assert res["cumulative_quantity"].tolist() == pytest.approx([7.2, 16.2, 18.0, 18.0])
    assert (res["stock_qty"] == 120.0).all()
    assert len(calc.illiquid("B-1", limit=2)) == 2
    # no price (0): units unknown, not infinite; a SKU not in the products: no stock either
    assert calc.illiquid("N-1")["expected_quantity"].isna().all()
    z = calc.illiquid("Z-9")
    assert z["expected_quantity"].isna().all() and z["stock_qty"].isna().all()


def test_slow_movers_by_hand():
    calc = small_calculator()
    # B-1 arrived 184 days before 1 November, N-1 31 days; X-1 is old but out of assortment
    assert calc.slow_movers() == ["B-1"]
    assert calc.slow_movers(184) == ["B-1"] and calc.slow_movers(185) == []
    assert calc.slow_movers(31) == ["B-1", "N-1"]
    p = calc.products.copy()
    p["stock_qty"] = p["stock_qty"].where(p["sku"] != "B-1", 0.0)
    calc.products = p
    assert calc.slow_movers() == []  # nothing on stock


# ---------------------------------------------------------------- on a scored warehouse
@pytest.fixture(scope="module")
def calc(scored_warehouse):
    return Calculator.load(scored_warehouse)


def test_sku_illiquid(calc, scored_data):
    d = scored_data
    sku = d.products.loc[d.products["in_assortment"], "sku"].iloc[0]
    res = calc.illiquid(sku, limit=10)
    assert len(res) == 10 and (res["expected_quantity"] >= 0).all()
    assert (np.diff(res["cumulative_quantity"]) >= 0).all() and res["stock_qty"].notna().all()


def test_an_unknown_sku_names_the_nearest(calc, scored_data):
    sku = scored_data.products["sku"].iloc[0]
    with pytest.raises(KapotError, match=f"unknown SKU '{sku}9'; nearest known: .*{sku}"):
        calc.find(Query(skus=(sku + "9",)))
    with pytest.raises(KapotError, match="unknown SKU"):
        calc.find(Query(skus=("NOPE",)))


def test_slow_movers_from_memory_are_the_warehouses_illiquid_skus(calc, scored_warehouse):
    """The page lists slow movers from the products table in memory; it must be the list the
    warehouse query gives, also for products with unknown assortment, stock or arrival date."""
    from kapot.models.potential import illiquid_skus
    from kapot.store.warehouse import Warehouse

    c = calc
    with Warehouse(scored_warehouse).read() as con:
        expected = illiquid_skus(con, c.as_of)
    assert expected and c.slow_movers() == expected
    with Warehouse(scored_warehouse).read() as con:
        assert c.slow_movers(30) == illiquid_skus(con, c.as_of, min_age_days=30)
    p = c.products.copy()
    slow = expected[0]
    odd = p["sku"] == slow
    hostile = copy.copy(c)
    for col, value, stays in (
        ("in_assortment", None, True),  # unknown assortment counts as supplied, as in SQL
        ("in_assortment", False, False),
        ("stock_qty", None, False),
        ("stock_qty", 0, False),
        ("stock_since", None, False),
    ):
        q = p.copy()
        q[col] = q[col].astype(object)
        q.loc[odd, col] = value
        hostile.products = q
        assert (slow in hostile.slow_movers()) is stays, (col, value)
