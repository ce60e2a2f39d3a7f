"""kapot.faces.page.state: the page's state without widgets or a browser: its query, why a list
is empty, stock, sorting, the call list, the URL's presets and the page's data calls, on
hand-made frames, a stand-in calculator and four made-up clients."""

import math

import pandas as pd
import pytest

from kapot import KapotError
from kapot.faces.calculator import Query, client_card
from kapot.faces.page.state import (
    WHY_EMPTY,
    FilterValues,
    PageText,
    card_data,
    export_frame,
    illiquid_stock,
    page_params,
    sort_result,
    why_empty,
    with_stock,
)

from .conftest import SCORED_AS_OF
from .small_calculator import small_calculator


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


def test_page_params_from_the_query_string():
    base = {
        "lang": "en",
        "manager": None,
        "regions": [],
        "categories": [],
        "as_of": None,
        "db": "x",
    }
    p = page_params(base, "?manager=Petrova&region=Moscow&region=Kazan&lang=ru&db=/etc/passwd")
    assert (p["manager"], p["regions"], p["lang"], p["db"]) == (
        "Petrova",
        ["Moscow", "Kazan"],
        "ru",
        "x",
    )
    assert page_params(base, "categories=Bolts,Nuts")["categories"] == ["Bolts", "Nuts"]
    assert page_params(base, "as_of=2026-11-01&as_of=2026-10-01")["as_of"] == "2026-10-01"
    # no query string: the notebook's parameters, a copy
    same = page_params(base, None)
    assert same == base and same is not base


def test_why_empty_on_four_clients():
    calc = small_calculator()
    # only C1 pays on time, and it is no prospect: dropping "pays on time" brings C4 back
    assert calc.find(FilterValues(pays_on_time=True, who="prospects").query()).empty
    assert why_empty(calc, FilterValues(pays_on_time=True, who="prospects").query()) == "why_pays"
    q = FilterValues(all_regions=False, regions=("Moscow",), who="prospects").query()
    assert calc.find(q).empty and why_empty(calc, q) == "why_regions"


def test_a_peak_month_that_is_no_month_is_an_error():
    with pytest.raises(KapotError):
        FilterValues(peak_month="soon").query()


def test_the_page_s_texts_are_in_its_language():
    class English(PageText):
        lang = "en"

    class Russian(PageText):
        lang = "ru"

    assert English().t("col_region") == "Region" and Russian().t("col_region") == "Регион"
    assert Russian().t("title") == "kapot: калькулятор потенциала"


def test_the_illiquid_picker_offers_the_slow_movers():
    calc = small_calculator()
    assert illiquid_stock(calc) == calc.slow_movers() == ["B-1"]


def test_card_data_is_the_calculator_s_client_card(scored_warehouse, scored_data):
    cid = scored_data.sales.groupby("client_id")["amount"].sum().idxmax()
    got = card_data(cid, db=scored_warehouse, as_of=SCORED_AS_OF)
    want = client_card(cid, db=scored_warehouse, as_of=SCORED_AS_OF)
    assert set(got) == set(want) == {"monthly", "categories", "payments"}
    for name in got:
        pd.testing.assert_frame_equal(got[name], want[name])
