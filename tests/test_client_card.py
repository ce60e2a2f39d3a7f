"""kapot.pipeline.client_card: a client's card (months, categories, payments) as published
for a date, refused to an account that may not see the client."""

import pandas as pd
import pytest

from kapot import KapotError
from kapot.pipeline.snapshot import Snapshot
from kapot.server.access import Scope

from .conftest import SCORED_AS_OF as AS_OF


@pytest.fixture(scope="module")
def snap(scored_warehouse):
    return Snapshot.open(scored_warehouse, AS_OF)


def _busiest(d) -> str:
    return d.sales.groupby("client_id")["amount"].sum().idxmax()


def test_the_card_s_months_categories_and_payments_by_hand(snap, scored_data):
    d = scored_data
    client = _busiest(d)
    card = snap.card(client)
    monthly, cats, pays = card["monthly"], card["categories"], card["payments"]
    assert len(monthly) == 24  # the 24 months before the date, zero months included
    start = pd.Timestamp(AS_OF) - pd.DateOffset(months=24)
    mine = d.sales[(d.sales["client_id"] == client) & (d.sales["date"] >= start)]
    mine = mine[mine["date"] < pd.Timestamp(AS_OF)]
    assert monthly["revenue"].sum() == pytest.approx(mine["amount"].sum(), rel=1e-9)
    assert cats["revenue"].is_monotonic_decreasing
    assert cats["share"].sum() == pytest.approx(1.0)
    assert set(cats["category"]) <= set(d.products["category"])
    assert len(pays) > 0 and pays["issued"].is_monotonic_increasing  # the last ones, oldest first
    assert set(pays["invoice_id"]) <= set(
        d.invoices.loc[d.invoices["client_id"] == client, "invoice_id"]
    )


def test_an_unknown_client_has_an_empty_card_locally(snap):
    card = snap.card("no-such-client")
    assert len(card["monthly"]) == 24 and card["monthly"]["revenue"].sum() == 0
    assert card["categories"].empty and card["payments"].empty


def test_a_manager_s_scope_sees_only_their_clients(snap, scored_data):
    clients = scored_data.clients
    client = _busiest(scored_data)
    owner = clients.set_index("client_id").loc[client, "manager"]
    other = next(m for m in clients["manager"].dropna().unique() if m != owner)
    assert len(snap.card(client, scope=Scope("o", "manager", owner))["monthly"]) == 24
    assert len(snap.card(client, scope=Scope("h", "head"))["monthly"]) == 24
    with pytest.raises(KapotError, match=client):  # refused as if it did not exist
        snap.card(client, scope=Scope("x", "manager", other, ("nowhere",)))
    with pytest.raises(KapotError):
        snap.card("no-such-client", scope=Scope("o", "manager", owner))
