"""kapot.models.engine.serving: a ServedRanker built by hand scoring the hand-made history
(tests/engine_data.py): the base rate ordered by the candidate without a regression, the
regression's probabilities with one, the outside-the-pool rate by hand, the served columns,
a detached snapshot pickled, and an unknown item refused."""

import pickle

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from kapot.models.engine import EngineConfig, ServedRanker
from kapot.models.engine.ranking import design, design_labels, group_pct

from .engine_data import CUT, hand_fold, tiny_history

SERVED = {"new": "peer_industry", "repeat": "recency_frequency"}


@pytest.fixture
def snap():
    return tiny_history().snapshot(CUT, "category", 90, 60.0)


def _ranker(lrs=None, ratio=None):
    return ServedRanker(
        config=EngineConfig(),
        served=dict(SERVED),
        blend_names=["peer_industry", "recency_frequency"],
        lrs=lrs or {"new": None, "repeat": None},
        boosted=None,
        outside_ratio=ratio or {},
    )


def test_without_a_regression_the_base_rate_ordered_by_the_candidate(snap):
    scored = _ranker().score(snap, ["X", "Y"])
    assert len(scored) == 10
    assert scored["client_id"].tolist() == list("aabbccddee")  # client-major
    assert scored["item"].tolist() == ["X", "Y"] * 5
    # the base rates: X bought by 1 client of 5 in 12 months, Y by 2
    np.testing.assert_allclose(scored["probability"], [0.2, 0.4] * 5, atol=1e-5)
    # within an item and task, the served candidate's order: X's first buyers would be c, d
    # (industry j, whose peer bought none) and e (industry i: a bought X, b did not)
    x_new = scored[(scored["item"] == "X") & (scored["task"] == "new")]
    assert x_new["client_id"].tolist() == ["c", "d", "e"]
    p = x_new["probability"].to_numpy()
    assert p[2] > p[0] == p[1]


def test_the_served_columns_by_hand(snap):
    s = _ranker().score(snap, ["X", "Y"]).set_index(["client_id", "item"])
    assert s.loc[("a", "X"), "task"] == "repeat" and s.loc[("d", "Y"), "task"] == "new"
    assert s["has_bought"].sum() == 4 and s.loc[("d", "X"), "is_prospect"] == 1
    assert s.loc[("a", "X"), "item_spend_12m"] == pytest.approx(30, rel=1e-5)
    # the median 12-month spend of the item's buyers: X a's 30, Y a's 5 and c's 30
    assert s.xs("X", level="item")["item_buyer_spend_12m"].tolist() == pytest.approx([30] * 5)
    assert s.xs("Y", level="item")["item_buyer_spend_12m"].tolist() == pytest.approx([17.5] * 5)
    assert s.loc[("a", "X"), "item_revenue_same_season_ly"] == pytest.approx(10, rel=1e-5)
    assert s.loc[("a", "X"), "item_months_12m"] == 2
    cand = snap.candidates(np.array([0, 1]), EngineConfig())
    np.testing.assert_allclose(s["adopt_industry"], cand["peer_industry"].ravel())
    np.testing.assert_allclose(s["adopt_region"], cand["peer_region"].ravel())
    item = np.tile([0, 1], 5)
    np.testing.assert_allclose(s["cf_score_pct"], group_pct(cand["item_knn"].ravel(), item))


def test_with_a_regression_its_probabilities(snap):
    rng = np.random.default_rng(0)
    width = len(design_labels(["peer_industry"]))
    x = rng.normal(size=(200, width))
    lr = make_pipeline(LogisticRegression()).fit(x, x[:, 0] > 0.3)
    ranker = _ranker(lrs={"new": lr, "repeat": None})
    cols = np.array([0, 1])
    cand = snap.candidates(cols, ranker.config)
    pool = ranker.pool_fold(snap, cols, cand)
    assert pool.role == "serve" and pool.y is None and len(pool.item) == 10  # every pair
    new = np.flatnonzero(pool.frame["has_bought"] == 0)
    want = lr.predict_proba(design(pool, new, ["peer_industry"]))[:, 1]
    scored = ranker.score(snap, ["X", "Y"])
    np.testing.assert_allclose(scored["probability"].to_numpy()[new], want)


def test_outside_the_pool_by_hand():
    """One item, four new clients, the pool the first two. Inside: the base rate 0.3 (no
    regression); outside: 0.5 x 0.3 = 0.15 (under 0.999 x 0.3), times 0.5 + 0.5 x the fallback's
    percentile among the outside rows (0.5 and 1)."""
    ranker = _ranker(ratio={"new": 0.5, "repeat": 1.0})
    pool = hand_fold({"peer_industry": [0.2, 0.1]}, np.zeros(2), np.zeros(2, dtype=int))
    pool.frame["item_popularity"][:] = 0.3
    full = {
        "has_bought": np.zeros(4, dtype=np.float32),
        "item_popularity": np.full(4, 0.3, dtype=np.float32),
        "cand_peer_industry_region": np.array([0, 0, 0.1, 0.2], dtype=np.float32),
    }
    p = ranker.probability(pool, full, 1)
    np.testing.assert_allclose(p[:2], [0.3 + 1e-6, 0.3 + 0.5e-6], rtol=1e-6)
    np.testing.assert_allclose(p[2:], [0.15 * 0.75, 0.15], rtol=1e-6)
    # an outside rate above the pool's is capped under its lowest probability
    high = _ranker(ratio={"new": 3.0}).probability(pool, full, 1)
    np.testing.assert_allclose(high[3], 0.999 * (0.3 + 0.5e-6), rtol=1e-6)


def test_a_detached_snapshot_pickled_scores_the_same(snap):
    ranker = _ranker()
    direct = ranker.score(snap, ["Y"])
    r2, s2 = pickle.loads(pickle.dumps((ranker, snap.detached(ranker.config))))
    again = r2.score(s2, ["Y"])
    assert s2.history is None
    np.testing.assert_allclose(direct["probability"], again["probability"], rtol=1e-6)
    assert (direct["client_id"] == again["client_id"]).all()


def test_an_unknown_item_is_named(snap):
    with pytest.raises(KeyError, match="no such item"):
        _ranker().score(snap, ["X", "no such item"])


def test_a_served_stack_ranks_the_pool_by_its_own_probabilities(snap):
    """The stack served for both tasks: the pool's probabilities are the stack's models'
    (here constants: 0.3 for first purchases, 0.7 for repeats), no regression."""
    ranker = _ranker()
    ranker.served = {"new": "stack", "repeat": "stack"}
    ranker.boosted = {"boosted": {"new": 0.1, "repeat": 0.2}, "stack": {"new": 0.3, "repeat": 0.7}}
    scored = ranker.score(snap, ["X", "Y"])
    new = scored["task"] == "new"
    np.testing.assert_allclose(scored.loc[new, "probability"], 0.3)
    np.testing.assert_allclose(scored.loc[~new, "probability"], 0.7)
