"""kapot.pipeline.items: the read model's product side (products and stock, the illiquid
SKUs, who buys a category or SKU), read through a Snapshot."""

import pandas as pd
import pytest

from kapot import KapotError
from kapot.pipeline.snapshot import Snapshot

from .conftest import SCORED_AS_OF as AS_OF


def test_who_buys_profiles_buyers_against_everyone(scored_warehouse, scored_data):
    db, d = scored_warehouse, scored_data
    snap = Snapshot.open(db, AS_OF)
    cat = "Dry building mixes"
    prof = snap.who_buys(category=cat)
    with pytest.raises(KapotError):
        snap.who_buys()
    sku = snap.who_buys(sku="BLT-0001")
    with pytest.raises(KapotError, match="unknown category 'Dry bulding mixes'.*Dry building"):
        snap.who_buys(category="Dry bulding mixes")
    with pytest.raises(KapotError, match="unknown SKU 'BLT-00001'.*BLT-0001"):
        snap.who_buys(sku="BLT-00001")
    assert set(prof["dimension"]) == {"industry", "region", "size_tier", "peak_month"}
    ind = prof[prof["dimension"] == "industry"].set_index("value")
    # buyers counted by hand from the synthetic sales
    s = d.sales.merge(d.products[["sku", "category"]], on="sku")
    s = s[
        (s["category"] == cat)
        & (s["quantity"] > 0)
        & (s["date"] >= pd.Timestamp(AS_OF) - pd.DateOffset(months=24))
    ]
    assert ind["buyers"].sum() == s["client_id"].astype(str).nunique()
    assert ind["share_of_buyers"].sum() == pytest.approx(1.0)
    # dry mixes are a construction product: construction is over-represented among buyers
    assert ind.loc["Construction", "lift"] > 1.2
    by_hand = d.sales[
        (d.sales["sku"] == "BLT-0001")
        & (d.sales["quantity"] > 0)
        & (d.sales["date"] >= pd.Timestamp(AS_OF) - pd.DateOffset(months=24))
    ]
    assert sku[sku["dimension"] == "region"]["buyers"].sum() == by_hand["client_id"].nunique() > 0


def test_products_and_the_illiquid_ones(scored_warehouse, scored_data):
    snap = Snapshot.open(scored_warehouse, AS_OF)
    prods = snap.products()
    assert "as_of" not in prods and prods["sku"].is_unique
    assert set(prods["sku"]) == set(scored_data.products["sku"].astype(str))
    slow = snap.illiquid_skus()
    assert slow == sorted(slow) and set(slow) <= set(prods["sku"])
    flagged = prods[prods["illiquid"].astype(bool)]
    assert slow == sorted(flagged["sku"]) and flagged["in_assortment"].astype(bool).all()
