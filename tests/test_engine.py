"""The engine: snapshots obey the as-of rule, metrics by hand, the guard, serving round trip."""

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pytest

from kapot.models.engine import (
    CANDIDATES,
    PEER_CANDIDATES,
    Engine,
    EngineConfig,
    History,
    Snapshot,
    ranking_metrics,
)
from kapot.store.synth import SynthConfig, generate

END = dt.date(2026, 10, 31)


def _history(d) -> History:
    """A History straight from frames (no warehouse): the engine is fitted on frames."""
    lines = d.sales[d.sales["quantity"] > 0].merge(
        d.products[["sku", "category"]], on="sku", how="left"
    )
    lines = lines.assign(order=lines["invoice_id"])
    return History(lines, d.clients[["client_id", "industry", "region"]])


@pytest.fixture(scope="module")
def world():
    return generate(SynthConfig(n_clients=700, seed=41, end=END))


@pytest.fixture(scope="module")
def fitted(world):
    h = _history(world)
    return h, Engine(EngineConfig()).fit(h, dt.date(2026, 8, 1), level="category")


def test_ranking_metrics_by_hand():
    g = np.zeros(4, dtype=int)
    y = np.array([1, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.1, 0.5])
    m = ranking_metrics(g, y, s, 2)
    assert m["precision"] == 0.5
    assert m["ndcg"] == pytest.approx(1 / (1 + 1 / np.log2(3)))
    assert m["base_rate"] == 0.5
    # an item nobody bought is left out of the mean
    m2 = ranking_metrics(np.r_[g, np.ones(3, dtype=int)], np.r_[y, 0, 0, 0], np.r_[s, 1, 1, 1], 2)
    assert m2["precision"] == 0.5 and m2["items"] == 1


def test_snapshot_obeys_the_as_of_rule(world):
    cut = dt.date(2026, 6, 1)
    early = world.sales[world.sales["date"] < pd.Timestamp(cut)]

    def frame(sales):
        d = type(world)(**{**world.__dict__, "sales": sales})
        snap = _history(d).snapshot(cut, "category", 90, 60.0)
        return snap, snap.pair_frame(np.arange(len(snap.items)), EngineConfig())

    (a, fa), (b, fb) = frame(early), frame(world.sales)
    for key in fa:
        if key == "cand_als":  # a factorisation is defined up to rotation: compare ranks
            continue
        np.testing.assert_allclose(fa[key], fb[key], err_msg=key)
    assert a.label.nnz == 0 and b.label.nnz > 0


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


def test_leaderboard_covers_every_candidate_and_the_blend(fitted):
    _, eng = fitted
    lb = eng.leaderboard_
    assert set(lb["ranker"]) >= set(CANDIDATES) | {"blend"}
    assert set(lb["task"]) == {"new", "repeat"}
    assert (lb["test_cutoff"] == dt.date(2026, 5, 3)).all()
    rep = eng.report()
    assert rep["folds"] == {"test": ["2026-05-03"], "validation": ["2026-02-02", "2026-01-03"]}
    # the served first-purchase ranker is never worse on validation than the best peer rate
    val = rep["validation"]["new"]
    best_peer = max(val[p] for p in PEER_CANDIDATES)
    assert val[rep["served"]["new"]] >= best_peer


def test_the_guard_serves_the_peer_baseline_when_the_models_learn_noise(world, monkeypatch):
    """Shuffle every input of the boosted model and every non-peer candidate across clients:
    nothing can beat the peer rates, and the guard must serve one of them."""
    rng = np.random.default_rng(0)
    original, original_cand = Snapshot.pair_frame, Snapshot.candidates
    peers = {f"cand_{p}" for p in PEER_CANDIDATES}

    def shuffled_cand(self, cols, cfg):
        c = dict(original_cand(self, cols, cfg))
        for key in list(c):
            if f"cand_{key}" not in peers:
                c[key] = c[key][rng.permutation(len(c[key]))]
        return c

    def shuffled(self, cols, cfg, *, rows=None, cand=None, columns=None):
        f = dict(original(self, cols, cfg, cand=cand, columns=columns))
        n, m = len(self.client_ids), len(cols)
        for key in list(f):
            if key.startswith("cand_") or key in {"has_bought", "item_popularity"}:
                continue  # the candidates come shuffled (above); the task and base rate stay
            v = f[key].reshape(n, m)
            f[key] = v[rng.permutation(n)].ravel()
        return f if rows is None else {k: v[rows] for k, v in f.items()}

    monkeypatch.setattr(Snapshot, "candidates", shuffled_cand)
    monkeypatch.setattr(Snapshot, "pair_frame", shuffled)
    h = _history(world)
    eng = Engine(EngineConfig()).fit(h, dt.date(2026, 8, 1), level="category")
    assert eng.served_["new"] in PEER_CANDIDATES, str(eng.report()["validation"]["new"])
    assert "new:peer_baseline_served" in eng.notes_


def test_served_ranker_scores_any_item_from_a_detached_snapshot(fitted):
    h, eng = fitted
    ranker = eng.ranker()
    snap = eng.snapshot()
    item = h.items("category")[0]
    direct = ranker.score(snap, [item])
    ranker2, snap2 = pickle.loads(pickle.dumps((ranker, snap.detached(eng.config))))
    again = ranker2.score(snap2, [item])
    assert snap2.history is None and snap2.label is None
    np.testing.assert_allclose(direct["probability"], again["probability"], rtol=1e-4, atol=1e-6)
    assert ((again["probability"] >= 0) & (again["probability"] <= 1)).all()
    with pytest.raises(KeyError):
        ranker.score(snap, ["no such item"])


def test_sku_level_without_categories(world):
    """Every SKU its own item: a warehouse without categories ranks SKUs all the same."""
    d = type(world)(**{**world.__dict__, "products": world.products.assign(category=None)})
    h = _history(d)
    assert not h.has_categories
    top = h.top_items(dt.date(2026, 8, 1), 10, "sku")
    eng = Engine(EngineConfig()).fit(h, dt.date(2026, 8, 1), level="sku", items=top)
    rare = h.items("sku")[-1]
    scored = eng.ranker().score(eng.snapshot(), [top[0], rare])
    assert len(scored) == 2 * h.n_clients and scored["probability"].between(0, 1).all()
    assert set(eng.leaderboard_["ranker"]) >= {"blend", "als", "item_knn"}


def test_beats_asks_for_more_than_chance():
    from kapot.models.engine.selection import beats

    peer = np.array([0.10, 0.20, 0.05, 0.30, 0.15, 0.12])
    assert beats(peer + 0.05, peer)  # better on every item
    assert not beats(peer, peer)  # a tie is no win
    assert not beats(peer - 0.01, peer)
    noisy = peer + np.array([0.08, -0.07, 0.06, -0.05, 0.04, -0.03])  # mean +0.005, noise
    assert not beats(noisy, peer)
