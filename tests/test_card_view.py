"""kapot.faces.page.card_view: the client card tab without a browser: the similar clients'
table, the picker filled from the list, and the card drawn for the client picked (what is
displayed collected), on four made-up clients and on a scored warehouse."""

import re

import pandas as pd
import pytest

from kapot import KapotError
from kapot.faces.calculator import Calculator, Query
from kapot.faces.page import card_view
from kapot.faces.page.card_view import CardView, similar_html
from kapot.i18n import tr
from kapot.server.access import Scope

from .conftest import SCORED_AS_OF
from .small_calculator import small_calculator


def test_similar_html_by_hand():
    sim = pd.DataFrame(
        {
            "client_id": ["C2", "C4"],
            "name": ["Beta", ""],
            "region": ["Kazan", None],
            "industry": ["retail", "retail"],
            "similarity": [0.655, 0.26],
        }
    )
    out = similar_html(sim, "en")
    assert out.startswith(f"<b>{tr('page.similar_clients', 'en')}</b>")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", out)
    # a client without a name is shown by its id; the similarity as a percentage
    assert cells[:4] == ["Beta", "Kazan", "retail", "66%"] and cells[4] == "C4"
    assert cells[-1] == "26%"
    assert tr("page.similar_clients", "ru") in similar_html(sim, "ru")


def test_the_picker_offers_the_clients_of_the_list():
    calc = small_calculator()
    view = CardView(calc, "en", db=None, scope=None)
    assert view.pick.options == ((tr("page.pick_client", "en"), ""),) and view.pick.value == ""
    view.offer(calc.find(Query(limit=3)))
    assert [v for _, v in view.pick.options] == ["", "C1", "C3", "C2"]
    assert view.pick.options[1][0] == "1. Alpha (C1)"
    view.offer(calc.find(Query(who="prospects")))
    assert view.pick.options[1] == ("1. C4 (C4)", "C4")  # no name: the id


def test_the_card_s_head_leaves_out_what_the_profile_lacks(monkeypatch):
    # C4 has no name, contact or email: its id, its region, industry and phone; no "nan"
    calc = small_calculator()
    monkeypatch.setattr(card_view, "card_data", lambda *a, **k: _no_card())
    shown = []
    monkeypatch.setattr(card_view, "display", shown.append)
    view = CardView(calc, "en", db=None, scope=None)
    view.offer(calc.find(Query()))
    view.pick.value = "C4"
    view.show()
    assert shown[0].value == '<div class="kapot-card-head"><b>C4</b> · Kazan · retail · +7 4</div>'
    assert len(shown) == 5 and "nan" not in shown[-1].value


def _no_card() -> dict:
    """The card of a client without purchases or invoices (as the snapshot gives it)."""
    months = pd.date_range("2024-11-01", periods=24, freq="MS")
    return {
        "monthly": pd.DataFrame({"month": months, "revenue": 0.0, "orders": 0}),
        "categories": pd.DataFrame(columns=["category", "revenue", "share"]),
        "payments": pd.DataFrame(
            columns=["invoice_id", "issued", "due", "paid", "amount", "days_late"]
        ),
    }


def test_nothing_picked_draws_nothing(monkeypatch):
    shown = []
    monkeypatch.setattr(card_view, "display", shown.append)
    CardView(small_calculator(), "en", db=None, scope=None).show()
    assert shown == []


@pytest.fixture(scope="module")
def calc(scored_warehouse):
    return Calculator.load(scored_warehouse)


def test_the_card_of_the_client_picked(calc, scored_warehouse, monkeypatch):
    shown = []
    monkeypatch.setattr(card_view, "display", shown.append)
    view = CardView(calc, "en", db=scored_warehouse, scope=None)
    res = calc.find(Query(who="existing", limit=5))
    view.offer(res)
    cid = res["client_id"].iloc[0]
    view.pick.value = cid
    view.show()
    head, monthly, mix, payments, similar = shown
    row = calc.clients.set_index("client_id").loc[cid]
    assert f"<b>{row['name']}</b>" in head.value and row["region"] in head.value
    assert monthly.layout.title.text == tr("plot.monthly_title", "en")
    assert len(monthly.data[0].x) == 24  # the 24 months before the date
    assert mix.layout.title.text == tr("plot.mix_title", "en")
    assert payments.layout.title.text == tr("plot.payments_title", "en")
    # eight similar clients, the one picked not among them
    rows = re.findall(r"<tr>", similar.value)
    assert len(rows) == 9 and tr("page.similar_clients", "en") in similar.value
    assert SCORED_AS_OF == calc.as_of


def test_a_client_outside_the_scope_has_no_card(calc, scored_warehouse, monkeypatch):
    monkeypatch.setattr(card_view, "display", lambda x: None)
    owner = calc.clients["manager"].dropna().iloc[0]
    theirs = calc.clients.loc[calc.clients["manager"] != owner].iloc[0]
    scope = Scope("m", "manager", owner, ("nowhere",))
    view = CardView(calc, "en", db=scored_warehouse, scope=scope)
    view.pick.options = [("", ""), ("x", theirs["client_id"])]
    view.pick.value = theirs["client_id"]
    with pytest.raises(KapotError, match="unknown client"):
        view.show()
