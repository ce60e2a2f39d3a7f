"""kapot.faces.calculator.reasons: why a client is on the list, as codes with their figures;
by hand on four clients, then against a scored warehouse's data."""

import datetime as dt

import numpy as np
import pytest

from kapot.faces.calculator import REASON_KEYS, Calculator, Query
from kapot.faces.wording import peak_label, reason_text, with_reasons

from .conftest import SCORED_AS_OF
from .small_calculator import small_calculator


@pytest.fixture
def small():
    return small_calculator()


def _keys(calc, i: int, q: Query | None = None) -> list[str]:
    return [k for k, _ in calc.reason_codes(i, q or Query())]


def test_the_reasons_of_each_client_by_hand(small):
    # C1 for Bolts: 8 months of 12, bought last season with Bolts in season (peak Nov ±1),
    # its own peak (November) in the horizon, a reorder due, growing 50 %, pays on time;
    # strongest first
    assert small.reason_codes(0, Query(categories=("Bolts",))) == [
        ("buys_regularly", {"item": "Bolts", "months": 8}),
        ("same_season", {"item": "Bolts", "peak_month": 11, "peak_pm": 1.0}),
        ("peak_in_horizon", {"month": 11}),
        ("reorder_due", {"days": 30}),
        ("growing", {"share": 0.5}),
        ("pays_on_time", {}),
    ]
    # C2 for Nuts: regular, bought last season but Nuts are not in season for it: no
    # "same season"; no season of its own, shrinking, pays late: nothing else
    assert small.reason_codes(1, Query(categories=("Nuts",))) == [
        ("buys_regularly", {"item": "Nuts", "months": 7})
    ]
    # C3 never bought Bolts: a quarter of its industry does, its basket is like their
    # buyers' (95th percentile); its peak (December) is in the horizon
    assert small.reason_codes(2, Query(categories=("Bolts",))) == [
        ("peak_in_horizon", {"month": 12}),
        ("peers_buy", {"item": "Bolts", "industry": "horeca", "share": 0.25}),
        ("similar_basket", {"item": "Bolts"}),
    ]
    # C4, a prospect: what its industry buys
    assert small.reason_codes(3, Query(categories=("Nuts",))) == [
        ("lookalike", {"item": "Nuts", "industry": "retail", "share": 0.3})
    ]


def test_the_reasons_speak_of_the_item_the_client_most_likely_buys(small):
    # no item asked for: every category; C2 is likelier to buy Nuts (0.5) than Bolts (0.1)
    assert small.reason_codes(1, Query())[0][1]["item"] == "Nuts"
    both = Query(categories=("Bolts", "Nuts"))
    assert small.reason_codes(0, both)[0][1]["item"] == "Bolts"
    assert small.reason_codes(1, both)[0][1]["item"] == "Nuts"


def test_thresholds_and_unknown_values_give_no_reason():
    calc = small_calculator()
    calc.scores["item_months_12m"][0, 0] = 5  # fewer than 6 months: not "regularly"
    calc.scores["adopt_industry"][2, 0] = 0.19  # under a fifth of its industry
    calc.scores["svd_score_pct"][2, 0] = 0.89
    assert "buys_regularly" not in _keys(calc, 0, Query(categories=("Bolts",)))
    assert _keys(calc, 2, Query(categories=("Bolts",))) == ["peak_in_horizon"]
    # a peak outside the horizon (90 days from 1 November: November to January)
    clients = calc.clients.copy()
    clients.loc[2, "peak_month"] = 3.0
    # an unknown industry says nothing of peers, even for a prospect
    clients.loc[3, "industry"] = None
    odd = Calculator(clients, calc.scores, calc.categories, calc.as_of, 90, calc.products)
    assert "peak_in_horizon" not in _keys(odd, 2)
    assert _keys(odd, 3) == []
    # a 30-day horizon from 1 November does not reach December
    short = Calculator(calc.clients, calc.scores, calc.categories, calc.as_of, 30, calc.products)
    assert "peak_in_horizon" not in _keys(short, 2)
    assert "peak_in_horizon" in _keys(short, 0)


def test_the_four_clients_give_every_reason_of_the_catalogue_and_no_other(small):
    queries = (Query(), Query(categories=("Bolts",)), Query(categories=("Nuts",)))
    seen = [k for i in range(4) for q in queries for k in _keys(small, i, q)]
    assert set(seen) == set(REASON_KEYS)


# ---------------------------------------------------------------- on a scored warehouse
@pytest.fixture(scope="module")
def calc(scored_warehouse):
    return Calculator.load(scored_warehouse)


def test_reasons_match_the_data(calc):
    c = calc
    res = c.find(Query(limit=len(c.clients)))
    idx = {k: i for i, k in enumerate(c.clients["client_id"])}
    horizon = {(SCORED_AS_OF + dt.timedelta(days=d)).month for d in range(0, 90, 7)}
    seen = set()
    for cid in res["client_id"]:
        i = idx[cid]
        row = c.clients.iloc[i]
        for key, params in c.reason_codes(i, Query()):
            seen.add(key)
            j = c.categories.index(params["item"]) if "item" in params else None
            if key == "buys_regularly":
                assert c.scores["item_months_12m"][i, j] >= 6
            elif key == "pays_on_time":
                assert row["pays_on_time"] == True  # noqa: E712
            elif key == "peak_in_horizon":
                assert row["seasonal"] and int(row["peak_month"]) in horizon
            elif key == "lookalike":
                assert row["is_prospect"]
            elif key == "peers_buy":
                assert c.scores["has_bought"][i, j] == 0 and params["share"] >= 0.2
            elif key == "same_season":
                # bought a year ago, and the pair's own season is significant and now
                assert c.scores["item_revenue_same_season_ly"][i, j] > 0
                assert c.scores["in_season"][i, j] == 1
                assert params["peak_month"] == c.scores["pair_peak_month"][i, j] > 0
    assert {"buys_regularly", "pays_on_time", "lookalike", "same_season"} <= seen
    # the calculator returns the codes; the faces word them in their language
    res = c.find(Query(limit=5))
    assert "reasons" not in res and res["reason_codes"].map(len).gt(0).all()
    ru = with_reasons(res, "ru")["reasons"]
    assert ru.str.len().gt(0).all() and ru.str.contains("[а-я]", regex=True).all()
    en = with_reasons(res, "en")["reasons"]
    assert not en.str.contains("[а-я]", regex=True).any() and (en != ru).all()


def test_same_season_fires_only_for_a_pair_in_season(calc):
    # the gate bites: clients who bought a category in this season last year without that
    # pair being in season get no "same season" reason for it; those in season get it, with
    # the pair's peak ("peak in June, ±1 month")
    c = calc
    bought = c.scores["item_revenue_same_season_ly"] > 0
    inseason = c.scores["in_season"] > 0
    assert (bought & ~inseason).sum() > 10 and (bought & inseason).sum() > 0
    assert not (inseason & np.isnan(c.scores["pair_peak_month"])).any()
    hits = misses = 0
    for i, j in zip(*np.nonzero(bought), strict=True):
        q = Query(categories=(c.categories[j],))
        keys = _keys(c, i, q)
        assert ("same_season" in keys) == bool(inseason[i, j])
        hits, misses = hits + inseason[i, j], misses + (not inseason[i, j])
        if hits > 30 and misses > 30:
            break
    i, j = (x[0] for x in np.nonzero(bought & inseason))
    text = reason_text(c.reason_codes(i, Query(categories=(c.categories[j],))), "en")
    label = peak_label(c.scores["pair_peak_month"][i, j], c.scores["pair_peak_pm"][i, j], "en")
    assert label.startswith("peak in ") and f"in this season last year ({label})" in text
    # a SKU's reasons use its category's pair: a SKU of the category just seen, for that client
    prods = c.products
    sku = prods.loc[prods["category"] == c.categories[j], "sku"].astype(str)
    sku = next(x for x in sku if x in set(c.skus()))
    s = c.sku_scores(sku)
    assert np.array_equal(s["in_season"], c.scores["in_season"][:, j])
    assert np.array_equal(s["pair_peak_month"], c.scores["pair_peak_month"][:, j], equal_nan=True)
    for i in np.flatnonzero(s["item_revenue_same_season_ly"] > 0)[:60]:
        keys = _keys(c, i, Query(skus=(sku,)))
        assert ("same_season" in keys) == bool(s["in_season"][i])
