"""The page's state without widgets or a browser: its query, why a list is empty, stock, sorting
and the call list, on hand-made frames and a stand-in calculator."""

import math

import pandas as pd

from kapot.faces.calculator import Query
from kapot.faces.page.state import (
    WHY_EMPTY,
    FilterValues,
    export_frame,
    page_params,
    sort_result,
    why_empty,
    with_stock,
)


class _Calc:
    """Finds one client unless the query asks for regions or for good payers."""

    def __init__(self):
        self.asked = []

    def find(self, q: Query, scope=None) -> pd.DataFrame:
        self.asked.append(q)
        empty = bool(q.regions) or q.pays_on_time
        return pd.DataFrame({"client_id": [] if empty else ["C1"]})


def test_filter_values_make_the_query_the_page_runs():
    values = FilterValues(
        categories=("bolts",),
        sku_text="A-1; B-2",
        illiquid="OLD-9",
        all_regions=False,
        regions=("moscow",),
        peak_month="next",
        limit=60,
    )
    q = values.query()
    assert q.skus == ("A-1", "B-2", "OLD-9") and q.regions == ("moscow",)
    assert q.peak_month == "next" and q.limit == 60 and q.categories == ("bolts",)
    # "all regions" ticked: the chosen regions no longer narrow the list
    assert FilterValues(regions=("moscow",), all_regions=True).query().regions == ()
    assert FilterValues().query().peak_month is None


def test_why_empty_names_the_first_filter_that_brings_clients_back():
    calc = _Calc()
    assert why_empty(calc, Query(pays_on_time=True, who="existing")) == "why_pays"
    assert all(asked.limit == 1 for asked in calc.asked)
    # two filters that each empty the list: removing either alone brings no one back
    assert why_empty(_Calc(), Query(regions=("moscow",), pays_on_time=True)) == "why_all"
    assert why_empty(_Calc(), Query(regions=("spb",))) == "why_regions"
    # nothing narrowed that could be removed: the catalogue's general reason
    assert why_empty(_Calc(), Query()) == "why_all"
    assert {code for code, _ in WHY_EMPTY} >= {"why_regions", "why_pays", "why_off"}


def test_stock_of_an_illiquid_sku_and_what_the_list_would_move():
    products = pd.DataFrame({"sku": ["S1", "S2"], "price": [20.0, 0.0], "stock_qty": [500, None]})
    res = pd.DataFrame({"client_id": ["C1", "C2"], "expected_value": [100.0, 40.0]})
    out = with_stock(products, res, "S1")
    assert out["expected_quantity"].tolist() == [5.0, 2.0] and out["stock_qty"].iloc[0] == 500
    assert "expected_quantity" not in res  # the list itself is left as it was
    free = with_stock(products, res, "S2")  # no price, no stock: unknown, not zero
    assert free["expected_quantity"].isna().all() and math.isnan(free["stock_qty"].iloc[0])
    assert with_stock(products, res, "NOPE")["stock_qty"].isna().all()


def test_sorting_keeps_empty_values_last_either_way():
    res = pd.DataFrame({"client_id": ["a", "b", "c"], "region": ["spb", None, "moscow"]})
    assert sort_result(res, "region", descending=False)["client_id"].tolist() == ["c", "a", "b"]
    assert sort_result(res, "region", descending=True)["client_id"].tolist() == ["a", "c", "b"]


def test_the_call_list_has_headers_in_the_page_language():
    res = pd.DataFrame(
        {
            "client_id": ["C1"],
            "name": ["=HYPERLINK(1)"],
            "contact_person": ["Anna"],
            "phone": ["+7 1"],
            "email": ["a@b"],
            "region": ["moscow"],
            "manager": ["Petrova"],
            "score": [0.123456],
            "expected_value": [10.555],
            "peak_month": [6],
            "reasons": ["buys regularly"],
        }
    )
    en, ru = export_frame(res, "en"), export_frame(res, "ru")
    assert list(en.columns) != list(ru.columns) and len(en.columns) == 11
    assert en.iloc[0].tolist()[7:10] == [0.1235, 10.56, "June"]
    assert ru.iloc[0, 9] == "июнь"


def test_only_presets_come_from_the_url():
    got = page_params(
        {"db": "data/w.duckdb", "lang": "en", "regions": []},
        "?lang=ru&region=moscow,spb&regions=ekb&db=/etc/passwd&manager=Petrova",
    )
    assert got["db"] == "data/w.duckdb" and got["lang"] == "ru" and got["manager"] == "Petrova"
    assert got["regions"] == ["moscow", "spb", "ekb"]
