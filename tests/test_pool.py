"""The candidate pool: what it holds, and that serving ranks it first as validation measured."""

import datetime as dt

import numpy as np
import pytest

from kapot.models.engine import Engine, EngineConfig
from kapot.models.engine.pool import POOL_CANDIDATES, outside_probability, pool_rows
from kapot.store.synth import SynthConfig, generate

from .engine_data import END, history_of


def test_pool_holds_each_candidates_best_per_item_and_task():
    rng = np.random.default_rng(3)
    n, m, size = 400, 3, 5
    cand = {name: rng.random((n, m)).astype(np.float32) for name in POOL_CANDIDATES}
    bought = rng.random((n, m)) < 0.3
    rows = pool_rows(cand, bought, size)
    inside = np.zeros(n * m, dtype=bool)
    inside[rows] = True
    inside = inside.reshape(n, m)
    for name, v in cand.items():
        for mask in (bought, ~bought):
            for j in range(m):
                best = np.argsort(-np.where(mask[:, j], v[:, j], -np.inf))[:size]
                assert inside[best, j].all(), (name, j)
    # at most size clients per candidate, item and task
    assert inside.sum() <= size * len(cand) * 2 * m
    assert inside.sum() < n * m / 2
    # no pool asked for, or one holding most pairs anyway: every pair
    assert len(pool_rows(cand, bought, 0)) == n * m
    assert len(pool_rows(cand, bought, 150)) == n * m


def test_outside_probability_stays_under_the_pool_and_follows_the_fallback():
    item = np.array([0, 0, 1, 1])
    fallback = np.array([0.1, 0.9, 0.5, 0.2])
    p = outside_probability(
        np.full(4, 0.5), fallback, item, np.array([0.2, 0.01]), np.array([0, 1]), 2
    )
    assert (p[:2] < 0.2).all() and (p[2:] < 0.01).all()
    assert p[1] > p[0] and p[2] > p[3]


@pytest.fixture(scope="module")
def pooled():
    world = generate(SynthConfig(n_clients=700, seed=41, end=END))
    h = history_of(world)
    cfg = EngineConfig(pool_size=15)
    return h, Engine(cfg).fit(h, dt.date(2026, 8, 1), level="category")


def test_a_pooled_engine_validates_on_the_pool_and_serves_it_first(pooled):
    h, eng = pooled
    assert set(eng.outside_ratio_) == {"new", "repeat"}
    assert all(np.isfinite(v) and v >= 0 for v in eng.outside_ratio_.values())
    scored = eng.score_items()
    assert len(scored) == h.n_clients * len(h.items("category"))
    assert scored["probability"].between(0, 1).all()
    snap = eng.snapshot()
    cols = np.arange(len(snap.items))
    pool = eng.ranker().pool_fold(snap, cols, snap.candidates(cols, eng.config))
    rows = pool.client * len(cols) + pool.item
    assert 0 < len(rows) < len(scored) / 2
    scored["inside"] = False
    scored.loc[rows, "inside"] = True
    # within every item and task, the pool's clients come before everyone outside it
    for _, g in scored.groupby(["item", "task"]):
        if g["inside"].any() and (~g["inside"]).any():
            assert (
                g.loc[g["inside"], "probability"].min() > g.loc[~g["inside"], "probability"].max()
            )
