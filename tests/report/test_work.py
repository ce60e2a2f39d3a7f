"""kapot.faces.report.work: untapped potential per manager on a hand-made calculator, and
illiquid stock with its likely buyers on the small scored warehouse."""

import numpy as np
import pandas as pd
import pytest

from kapot.faces.calculator import Calculator, Query
from kapot.faces.report.weeks import Scope
from kapot.faces.report.work import illiquid_stock, top_potential

from ..conftest import SCORED_AS_OF


class _Scores:
    """The data a loaded Calculator holds, made by hand: three clients, two categories. A
    (Petrova's, Moscow) bought bolts; P is Petrova's prospect in Kazan; B (no manager, no
    name) bought both, so nothing is new for B."""

    categories = ["Bolts", "Nuts"]
    clients = pd.DataFrame(
        {
            "client_id": ["A", "P", "B"],
            "name": ["Alpha", "Prospect", None],
            "region": ["Moscow", "Kazan", None],
            "manager": ["Petrova", "Petrova", None],
            "is_prospect": [False, True, False],
        }
    )
    scores = {
        "has_bought": np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]]),
        "expected_value": np.array([[900.0, 40.0], [30.0, 20.0], [500.0, 500.0]]),
        "probability": np.array([[0.99, 0.2], [0.5, 0.5], [0.9, 0.9]]),
    }


def test_top_potential_counts_only_what_is_new():
    top, by_manager, by_region = top_potential(_Scores(), per=5)
    # A's bolts are a routine reorder (900, left out); A's new potential is the nuts (40);
    # B has bought everything, so B has no untapped value and is not listed
    assert top["client_id"].tolist() == ["P", "A"]
    assert top["rank"].tolist() == [1, 2]
    assert top["untapped_value"].tolist() == [50.0, 40.0]
    assert top["offer"].tolist() == ["Bolts, Nuts", "Nuts"]
    # P buys at least one of two at 0.5 each: 1 - 0.5 * 0.5
    assert top["probability"].tolist() == pytest.approx([0.75, 0.2])
    assert by_manager.to_dict("records") == [
        {"manager": "Petrova", "clients": 2, "expected_value": 90.0}
    ]
    assert by_region.set_index("region")["expected_value"].to_dict() == {
        "Kazan": 50.0,
        "Moscow": 40.0,
    }
    moscow, _, _ = top_potential(_Scores(), Scope(region="Moscow"))
    assert moscow["client_id"].tolist() == ["A"]
    nobody, none_by_manager, _ = top_potential(_Scores(), Scope(manager="Sidorov"))
    assert nobody.empty and none_by_manager.empty


def test_top_potential_per_manager_and_offers():
    top, _, _ = top_potential(_Scores(), per=1, top_items=1)
    assert top["client_id"].tolist() == ["P"]  # Petrova's best only
    assert top["offer"].tolist() == ["Bolts"]  # P's 30 in bolts beats 20 in nuts


def test_top_potential_names_a_client_without_a_name_by_its_id():
    s = _Scores()
    s.clients = s.clients.assign(name=[None, "Prospect", None])
    top, _, _ = top_potential(s)
    assert top.set_index("client_id").loc["A", "name"] == "A"


@pytest.fixture(scope="module")
def calc(scored_warehouse):
    return Calculator.load(scored_warehouse)


def test_illiquid_stock_most_money_first_with_its_likely_buyers(scored_warehouse, calc):
    from kapot.store.warehouse import Warehouse

    with Warehouse(scored_warehouse).read() as con:
        ill = illiquid_stock(calc, con, SCORED_AS_OF, skus=5, buyers=2)
        illiquid = con.execute(
            "SELECT p.sku, p.stock_qty * coalesce(p.price, 0) AS value FROM product_stock s"
            " JOIN products p USING (sku) WHERE s.as_of = $a AND s.illiquid",
            {"a": SCORED_AS_OF},
        ).df()
    assert len(illiquid) > 5  # the small world has illiquid stock to rank
    assert ill.attrs["matched"] == len(illiquid)
    assert ill.attrs["stock_value"] == pytest.approx(illiquid["value"].sum())
    # the five with the most money tied up, most first
    want = illiquid.sort_values(["value", "sku"], ascending=[False, True]).head(5)
    assert ill["sku"].tolist() == want["sku"].tolist()
    assert ill["stock_value"].tolist() == pytest.approx(want["value"].tolist())
    assert (ill["days_on_stock"] > 0).all()
    # each SKU's buyers are the calculator's two best for it, and what they are expected to take
    sku, price = ill.loc[0, "sku"], calc.products.set_index("sku").loc[ill.loc[0, "sku"], "price"]
    best = calc.find(Query(skus=(sku,), limit=2))
    assert ill.loc[0, "buyers"] == ", ".join(best["name"].fillna(best["client_id"]).astype(str))
    assert ill.loc[0, "expected_quantity"] == pytest.approx(best["expected_value"].sum() / price)
    assert all(len(b.split(", ")) <= 2 for b in ill["buyers"])


def test_illiquid_stock_buyers_in_scope(scored_warehouse, calc):
    from kapot.store.warehouse import Warehouse

    region = calc.clients["region"].dropna().iloc[0]
    with Warehouse(scored_warehouse).read() as con:
        everyone = illiquid_stock(calc, con, SCORED_AS_OF, skus=3)
        local = illiquid_stock(calc, con, SCORED_AS_OF, Scope(region=region), skus=3)
    # the same SKUs (stock is the company's), buyers only from the region
    assert local["sku"].tolist() == everyone["sku"].tolist()
    names = calc.clients.assign(name=calc.clients["name"].fillna(calc.clients["client_id"]))
    in_region = set(names.loc[names["region"] == region, "name"].astype(str))
    listed = {n for b in local["buyers"] if b for n in b.split(", ")}
    assert listed and listed <= in_region
