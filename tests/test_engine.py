"""The engine as a whole (kapot.models.engine): fitted end to end on a synthetic world, its
leaderboard and report, the guard against learning noise, the served ranker's round trip
through a detached snapshot, a history without categories. Each module's own behaviour is in
its test module (test_history, test_candidates, test_ranking, test_selection, ...)."""

import datetime as dt
import pickle

import numpy as np
import pytest

from kapot.models.engine import (
    CANDIDATES,
    PEER_CANDIDATES,
    Engine,
    EngineConfig,
    Snapshot,
)
from kapot.store.synth import SynthConfig, generate

from .engine_data import END, history_of


@pytest.fixture(scope="module")
def world():
    return generate(SynthConfig(n_clients=700, seed=41, end=END))


@pytest.fixture(scope="module")
def fitted(world):
    h = history_of(world)
    return h, Engine(EngineConfig()).fit(h, dt.date(2026, 8, 1), level="category")


def test_leaderboard_covers_every_candidate_and_the_blend(fitted):
    _, eng = fitted
    lb = eng.leaderboard_
    assert set(lb["ranker"]) >= set(CANDIDATES) | {"blend", "stack"}
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
    h = history_of(world)
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


def test_sku_level_without_categories(world):
    """Every SKU its own item: a warehouse without categories ranks SKUs all the same."""
    d = type(world)(**{**world.__dict__, "products": world.products.assign(category=None)})
    h = history_of(d)
    assert not h.has_categories
    top = h.top_items(dt.date(2026, 8, 1), 10, "sku")
    eng = Engine(EngineConfig()).fit(h, dt.date(2026, 8, 1), level="sku", items=top)
    rare = h.items("sku")[-1]
    scored = eng.ranker().score(eng.snapshot(), [top[0], rare])
    assert len(scored) == 2 * h.n_clients and scored["probability"].between(0, 1).all()
    assert set(eng.leaderboard_["ranker"]) >= {"blend", "als", "item_knn"}
