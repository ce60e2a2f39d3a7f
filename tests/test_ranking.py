"""kapot.models.engine.ranking: precision@k and NDCG@k by hand, within-item percentiles and the
blend's design columns."""

import numpy as np
import pytest

from kapot.models.engine.ranking import (
    design,
    design_columns,
    design_labels,
    group_pct,
    ranking_metrics,
)

from .engine_data import hand_fold


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


def test_precision_divides_by_k_and_nothing_bought_is_nan():
    # one item, 3 rows, 2 buyers ranked first: precision@5 is 2/5, NDCG a perfect 1
    m = ranking_metrics(np.zeros(3, dtype=int), np.array([1, 1, 0]), np.array([3.0, 2, 1]), 5)
    assert m["precision"] == pytest.approx(2 / 5) and m["ndcg"] == pytest.approx(1.0)
    assert list(m["per_item"]) == [pytest.approx(0.4)]
    none = ranking_metrics(np.zeros(3, dtype=int), np.zeros(3), np.ones(3), 2)
    assert np.isnan(none["precision"]) and np.isnan(none["ndcg"]) and len(none["per_item"]) == 0
    assert "items" not in none


def test_the_partial_sort_agrees_with_a_full_sort():
    """Over k rows per item only the k best are sorted (ties at the edge kept): the same lists
    as sorting everything, ties broken by position."""
    rng = np.random.default_rng(5)
    groups = rng.integers(0, 6, 600)
    y = rng.random(600) < 0.2
    s = rng.integers(0, 8, 600).astype(float)  # many ties, also at the k-th place
    k = 10
    m = ranking_metrics(groups, y, s, k)
    want = []
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        top = idx[np.argsort(-s[idx], kind="stable")][:k]
        want.append(y[top].sum() / k)
    np.testing.assert_allclose(m["per_item"], want)


def test_group_pct_ranks_within_each_group_ties_averaged():
    v = np.array([1.0, 2.0, 2.0, 5.0, 0.0, 9.0])
    g = np.array([0, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(group_pct(v, g), [1 / 3, 5 / 6, 5 / 6, 2 / 3, 1 / 3, 1.0])
    # one group (a single SKU typed on the page): the same ranks over all rows
    np.testing.assert_allclose(group_pct(v[:3], g[:3]), [1 / 3, 5 / 6, 5 / 6])
    assert len(group_pct(np.zeros(0), np.zeros(0, dtype=int))) == 0


def test_design_columns_follow_the_labels():
    full = ["popularity", "peer_industry", "largest"]
    assert design_labels(full) == [
        "popularity",
        "peer_industry",
        "peer_industry_logit",  # a probability keeps its scale too
        "largest",
        "item_base_rate",
    ]
    assert design_columns(full, ["largest", "peer_industry"]) == [3, 1, 2, 4]
    rng = np.random.default_rng(1)
    n = 40
    fold = hand_fold(
        {name: rng.random(n) for name in full},
        rng.random(n) < 0.3,
        np.repeat([0, 1], n // 2),
        popularity=0.2,
    )
    rows = np.arange(5, n)
    x = design(fold, rows, full)
    assert x.shape == (len(rows), len(design_labels(full)))
    # a subset of candidates is a choice of the full design's columns
    sub = ["largest", "peer_industry"]
    np.testing.assert_allclose(x[:, design_columns(full, sub)], design(fold, rows, sub))
    # percentiles within the item, a probability's log-odds, the base rate's log-odds
    item = fold.item[rows]
    pi = fold.frame["cand_peer_industry"][rows]
    np.testing.assert_allclose(x[:, 1], group_pct(pi, item))
    np.testing.assert_allclose(x[:, 2], np.log(pi / (1 - pi)), rtol=1e-5)
    np.testing.assert_allclose(x[:, -1], np.log(0.2 / 0.8), rtol=1e-6)
