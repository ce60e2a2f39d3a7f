"""kapot.faces.calculator.card: the client card the faces show, the published snapshot's
(:mod:`kapot.pipeline.client_card` has the card's reads by hand), within the visitor's scope."""

import pandas as pd
import pytest

from kapot import KapotError
from kapot.faces.calculator import client_card
from kapot.pipeline.snapshot import Snapshot
from kapot.server.access import Scope

from .conftest import SCORED_AS_OF as AS_OF


def _busiest(d) -> tuple[str, str]:
    """The client with the most sales, and its manager."""
    cid = d.sales.groupby("client_id")["amount"].sum().idxmax()
    return cid, d.clients.set_index("client_id").loc[cid, "manager"]


def test_the_card_is_the_snapshot_s_for_the_date(scored_warehouse, scored_data):
    cid, _ = _busiest(scored_data)
    card = client_card(cid, db=scored_warehouse, as_of=AS_OF)
    assert set(card) == {"monthly", "categories", "payments"}
    want = Snapshot(scored_warehouse, AS_OF).card(cid)
    for name, frame in want.items():
        pd.testing.assert_frame_equal(card[name], frame)
    assert len(card["monthly"]) == 24 and card["monthly"]["revenue"].sum() > 0
    assert card["categories"]["share"].sum() == pytest.approx(1.0)


def test_the_default_warehouse_is_kapot_db(scored_warehouse, scored_data, monkeypatch):
    cid, _ = _busiest(scored_data)
    monkeypatch.setenv("KAPOT_DB", str(scored_warehouse))
    got = client_card(cid, as_of=AS_OF)["monthly"]
    pd.testing.assert_frame_equal(
        got, client_card(cid, db=scored_warehouse, as_of=AS_OF)["monthly"]
    )


def test_a_client_outside_the_scope_is_refused_as_unknown(scored_warehouse, scored_data):
    cid, owner = _busiest(scored_data)
    other = next(m for m in scored_data.clients["manager"].dropna().unique() if m != owner)
    mine = client_card(cid, db=scored_warehouse, as_of=AS_OF, scope=Scope("o", "manager", owner))
    assert mine["monthly"]["revenue"].sum() > 0
    stranger = Scope("x", "manager", other, ("nowhere",))
    with pytest.raises(KapotError, match=f"unknown client '{cid}'"):
        client_card(cid, db=scored_warehouse, as_of=AS_OF, scope=stranger)
    with pytest.raises(KapotError, match="unknown client 'no-such-client'"):
        client_card("no-such-client", db=scored_warehouse, as_of=AS_OF, scope=stranger)
