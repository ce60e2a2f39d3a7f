"""kapot.models.engine.candidates: peer rates, item similarity, ALS and the pair frame, by hand
on the hand-made history (tests/engine_data.py)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kapot.models.engine import CANDIDATES, EngineConfig, History
from kapot.models.engine.candidates import (
    als_factors,
    candidates,
    pair_frame,
    peer_rates,
    similarity,
)

from .engine_data import CUT, tiny_history

COLS = np.array([0, 1])  # X and Y


@pytest.fixture
def snap():
    return tiny_history().snapshot(CUT, "category", 90, 60.0)


def test_peer_rate_by_hand():
    lines = pd.DataFrame(
        {
            "client_id": ["a", "b", "c", "d"],
            "sku": ["x", "x", "x", "y"],
            "category": ["X", "X", "X", "Y"],
            "date": pd.to_datetime(["2026-05-01"] * 4),
            "amount": [1.0, 1.0, 1.0, 1.0],
            "order": ["1", "2", "3", "4"],
        }
    )
    clients = pd.DataFrame(
        {
            "client_id": ["a", "b", "c", "d", "e"],
            "industry": ["i", "i", "j", "j", "i"],
            "region": ["r"] * 5,
        }
    )
    snap = History(lines, clients).snapshot(dt.date(2026, 6, 1), "category", 90, 60.0)
    cfg = EngineConfig(peer_prior=2.0)
    cand = snap.candidates(np.array([0]), cfg)  # item X
    overall = 3 / 5
    # client e (industry i, not a buyer): peers a and b both buy X out of 2 others
    e = list(snap.client_ids).index("e")
    assert cand["peer_industry"][e, 0] == pytest.approx((2 + 2 * overall) / (2 + 2))
    # client a leaves itself out: of b and e, one buys
    assert cand["peer_industry"][0, 0] == pytest.approx((1 + 2 * overall) / (2 + 2))


def test_peer_rates_leave_the_client_out():
    adopt = np.array([[1.0], [0.0], [1.0], [1.0]])
    groups = np.array([0, 0, 1, 1])
    r = peer_rates(adopt, groups, 0.0)  # no prior: the plain share of the others
    assert r.ravel().tolist() == [0.0, 1.0, 1.0, 1.0]
    r = peer_rates(adopt, groups, 4.0)  # 4 pseudo-clients at the overall 3/4
    assert r[0, 0] == pytest.approx((0 + 3) / (1 + 4)) and r[1, 0] == pytest.approx(4 / 5)


def test_similarity_by_hand(snap):
    # 24-month baskets: a {X, Y}, b {X}, c {Y}: X and Y share one of two clients each
    cos, jac = similarity(snap, COLS)
    np.testing.assert_allclose(cos, [[0, 0.5], [0.5, 0]])
    np.testing.assert_allclose(jac, [[0, 1 / 3], [1 / 3, 0]])
    cos1, _ = similarity(snap, np.array([1]))  # one target: all items x that one
    np.testing.assert_allclose(cos1, [[0.5], [0]])


def test_candidates_by_hand(snap):
    cfg = EngineConfig()
    c = candidates(snap, COLS, cfg)
    assert set(c) == set(CANDIDATES) - {"boosted"}
    assert all(v.dtype == np.float32 and v.shape == (5, 2) for v in c.values())
    # item-kNN: the basket's similarity to the target; b's basket is X only, 0 to X itself
    np.testing.assert_allclose(c["item_knn"], [[0.5, 0.5], [0, 0.5], [0.5, 0], [0, 0], [0, 0]])
    # repeat frequency: a's X lines 12 and 335 days old, decayed over 60 days
    assert c["recency_frequency"][0, 0] == pytest.approx(np.exp(-12 / 60) + np.exp(-335 / 60))
    assert c["recency_frequency"][2, 1] == pytest.approx(np.exp(-61 / 60))
    assert c["popularity"][:, 0].tolist() == [2, 0, 1, 0, 0]  # orders in 12 months
    assert c["largest"][:, 1].tolist() == [35, 0, 30, 0, 0]  # revenue in 12 months
    # two items: too few to factorise, ALS scores nothing
    assert (c["als"] == 0).all()
    # peer region: region r is a, b, e; X bought (12 months) by a only, overall 1/5
    p = cfg.peer_prior
    assert c["peer_region"][1, 0] == pytest.approx((1 + p / 5) / (2 + p))
    assert c["peer_region"][0, 0] == pytest.approx((0 + p / 5) / (2 + p))


def test_als_is_fitted_once_and_only_when_it_can_be():
    cfg = EngineConfig(als_factors=8, als_iterations=2)
    snap = tiny_history().snapshot(CUT, "sku", 90, 60.0)
    uf, itf = als_factors(snap, cfg)
    # factors capped one below the smaller side (3 SKUs)
    assert uf.shape == (5, 2) and itf.shape == (3, 2)
    assert als_factors(snap, cfg)[0] is uf  # cached on the snapshot
    assert als_factors(tiny_history().snapshot(CUT, "category", 90, 60.0), cfg) is None
    early = tiny_history().snapshot(dt.date(2024, 1, 1), "sku", 90, 60.0)  # no line before it
    assert als_factors(early, cfg) is None


def test_pair_frame_by_hand(snap):
    cfg = EngineConfig()
    f = pair_frame(snap, COLS, cfg)
    assert all(v.dtype == np.float32 and len(v) == 10 for v in f.values())
    # row-major: client, then item
    assert f["has_bought"].tolist() == [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert f["is_prospect"].tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
    assert f["item_popularity"].tolist() == pytest.approx([0.2, 0.4] * 5)
    assert f["trend_12m"].tolist()[:4] == [0, 0, -1, -1]  # b: nothing now, 7 the year before
    assert f["item_share_12m"][:2].tolist() == pytest.approx([30 / 35, 5 / 35])
    assert f["item_days_since"][:2].tolist() == [12, 12]
    assert f["log_item_spend_12m"][5] == pytest.approx(np.log1p(30))
    assert {k for k in f if k.startswith("cand_")} == {
        f"cand_{c}" for c in CANDIDATES if c != "boosted"
    }


def test_pair_frame_the_items_group_by_hand():
    """At the SKU level a SKU's group is its category: a's lines in 12 months are s1 twice (X)
    and s2 once (Y), c's s3 once (Y); s1 is all of X's lines, s2 and s3 half of Y's each."""
    sn = tiny_history().snapshot(CUT, "sku", 90, 60.0)
    f = pair_frame(sn, np.arange(3), EngineConfig())
    a, c = slice(0, 3), slice(6, 9)
    assert np.expm1(f["log_group_lines_12m"][a]).tolist() == pytest.approx([2, 1, 1])
    assert np.expm1(f["log_group_lines_12m"][c]).tolist() == pytest.approx([0, 1, 1])
    assert np.expm1(f["log_group_lines_3m"][a]).tolist() == pytest.approx([1, 1, 1])
    assert f["item_group_share"][:3].tolist() == pytest.approx([1, 0.5, 0.5])
    # a's X lines 335 and 12 days old, its Y line 12 days old, decayed over 60 days
    x, y = np.exp(-335 / 60) + np.exp(-12 / 60), np.exp(-12 / 60)
    assert f["group_decayed"][a].tolist() == pytest.approx([x, y, y], rel=1e-5)
    assert f["group_client_share"][a].tolist() == pytest.approx(
        [x / (x + y), y / (x + y), y / (x + y)], rel=1e-5
    )
    assert f["group_client_share"][c].tolist() == pytest.approx([0, 1, 1])
    # the category level: one group, the client's lines of every category
    g = pair_frame(tiny_history().snapshot(CUT, "category", 90, 60.0), COLS, EngineConfig())
    assert np.expm1(g["log_group_lines_12m"][:2]).tolist() == pytest.approx([3, 3])
    assert g["item_group_share"][:2].tolist() == pytest.approx([2 / 4, 2 / 4])


def test_pair_frame_at_rows_and_columns(snap):
    cfg = EngineConfig()
    full = pair_frame(snap, COLS, cfg)
    rows = np.array([1, 4, 9])
    part = pair_frame(snap, COLS, cfg, rows=rows)
    for k, v in full.items():
        np.testing.assert_allclose(part[k], v[rows], err_msg=k)
    some = pair_frame(snap, COLS, cfg, columns=("recency_days", "no_such", "cand_largest"))
    assert list(some) == ["recency_days", "cand_largest"]  # unknown names skipped
    # candidates passed in are the ones read
    cand = {"largest": np.arange(10, dtype=np.float32).reshape(5, 2)}
    assert pair_frame(snap, COLS, cfg, cand=cand, columns=("cand_largest",))[
        "cand_largest"
    ].tolist() == list(range(10))
