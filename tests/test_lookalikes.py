"""kapot.faces.calculator.lookalikes: clients like a given one, or like a segment (cosine
similarity of their profiles); by hand on four clients, then on a scored warehouse."""

import numpy as np
import pandas as pd
import pytest

from kapot import KapotError
from kapot.faces.calculator import Calculator
from kapot.server.access import Scope

from .small_calculator import AS_OF, CATEGORIES, clients, products, scores, small_calculator

PETROVA = Scope("petrova", "manager", "Petrova")  # sees C1 only (her prospects' region: Moscow)
IVANOV = Scope("ivanov", "manager", "Ivanov")  # C2, C3, and C4: unassigned, in his Kazan


@pytest.fixture
def small():
    return small_calculator()


def _with_twin(of: int) -> Calculator:
    """The four clients and a fifth, C5, whose profile is that of client ``of``."""
    c = clients()
    twin = c.iloc[[of]].assign(client_id="C5", name="Twin", region="Tver", phone=None)
    s = {k: np.vstack([v, v[of]]) for k, v in scores().items()}
    return Calculator(
        pd.concat([c, twin], ignore_index=True), s, list(CATEGORIES), AS_OF, 90, products()
    )


def test_profiles_are_unit_rows(small):
    x = small._profile_matrix()
    assert x.shape[0] == 4 and np.allclose(np.linalg.norm(x, axis=1), 1.0)
    assert small._profile_matrix() is x  # computed once


def test_a_client_s_twin_is_its_most_similar_client_across_regions():
    calc = _with_twin(0)
    sim = calc.similar("C1", limit=10)
    assert sim["client_id"].tolist()[0] == "C5" and sim["similarity"].iloc[0] == pytest.approx(1.0)
    assert sim.loc[0, "region"] == "Tver"  # another region than C1's
    assert "C1" not in set(sim["client_id"]) and len(sim) == 4
    assert sim["rank"].tolist() == [1, 2, 3, 4]
    assert (np.diff(sim["similarity"]) <= 1e-12).all()
    assert ((sim["similarity"] >= -1 - 1e-12) & (sim["similarity"] <= 1 + 1e-12)).all()
    assert list(sim.columns) == [
        "rank",
        "client_id",
        "name",
        "region",
        "industry",
        "size_tier",
        "segment",
        "is_prospect",
        "manager",
        "phone",
        "similarity",
    ]
    assert len(calc.similar("C1", limit=2)) == 2


def test_a_prospect_is_matched_on_what_it_is_not_on_what_it_bought():
    # C4 has bought nothing: its twin matches it exactly, and the retailer C2 (same industry)
    # more than the horeca client C3
    sim = _with_twin(3).similar("C4").set_index("client_id")["similarity"]
    assert sim["C5"] == pytest.approx(1.0) and sim["C2"] > sim["C3"]


def test_similar_within_a_scope(small):
    seen = small.similar("C2", scope=IVANOV)
    assert set(seen["client_id"]) == {"C3", "C4"}
    assert small.similar("C1", scope=PETROVA).empty  # nobody else she may see
    # a client outside the scope is refused as if it did not exist
    with pytest.raises(KapotError, match="unknown client 'C2'"):
        small.similar("C2", scope=PETROVA)
    with pytest.raises(KapotError, match="unknown client 'C9'"):
        small.similar("C9")


def test_more_like_a_segment_leaves_its_members_out():
    # C5 buys like the champion C1 and is as big, but is in none of C1's segments
    c = _with_twin(0)
    moved = c.clients.assign(
        rfm_segment=c.clients["rfm_segment"].where(c.clients["client_id"] != "C5", "loyal"),
        abc=c.clients["abc"].where(c.clients["client_id"] != "C5", "B"),
        cluster_code=c.clients["cluster_code"].where(c.clients["client_id"] != "C5", "K3"),
    )
    calc = Calculator(moved, c.scores, c.categories, AS_OF, 90, c.products)
    seg = calc.similar_to_segment("champions", limit=10)
    assert "C1" not in set(seg["client_id"]) and seg["client_id"].iloc[0] == "C5"
    assert seg["similarity"].iloc[0] == pytest.approx(1.0)  # the segment is C1 alone
    # a cluster code and an ABC class are segments too: K1 is C1 and C3
    k1 = calc.similar_to_segment("K1")
    assert not {"C1", "C3"} & set(k1["client_id"]) and len(k1) == 3


def test_a_segment_unknown_or_without_members_is_an_error(small):
    with pytest.raises(KapotError, match="unknown segment 'champion'; nearest known: champions"):
        small.similar_to_segment("champion")
    with pytest.raises(KapotError, match="no client is in segment 'hibernating'"):
        small.similar_to_segment("hibernating")
    # members only count within the scope: Petrova has no "lost" client
    with pytest.raises(KapotError, match="no client is in segment 'lost'"):
        small.similar_to_segment("lost", scope=PETROVA)
    assert small.similar_to_segment("lost", scope=IVANOV)["client_id"].tolist()[0] in {"C3", "C4"}


# ---------------------------------------------------------------- on a scored warehouse
def test_lookalikes_on_a_scored_warehouse(scored_warehouse):
    c = Calculator.load(scored_warehouse)
    cid = c.clients.loc[~c.clients["is_prospect"].astype(bool), "client_id"].iloc[0]
    sim = c.similar(cid, limit=10)
    assert cid not in set(sim["client_id"]) and len(sim) == 10
    assert (np.diff(sim["similarity"]) <= 1e-12).all() and sim["region"].nunique() > 1
    seg = c.similar_to_segment("champions", limit=10)
    assert len(seg) == 10 and not set(seg["client_id"]) & set(
        c.clients.loc[c.clients["rfm_segment"] == "champions", "client_id"]
    )
