"""kapot.models.clusters: the clustering features by hand, and k-means finding known groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kapot.models.clusters import CLUSTER_FEATURES, Clusterer, cluster_matrix


def _features(n: int, *, revenue: float, orders: int, recency: int, rng) -> pd.DataFrame:
    """A group of alike buyers: every feature near the group's own value."""
    return pd.DataFrame(
        {
            "revenue_12m": revenue * rng.lognormal(0, 0.05, n),
            "orders_12m": np.full(n, orders),
            "recency_days": rng.integers(recency, recency + 5, n),
            "trend_12m": np.log10(revenue) / 5 - 0.5 + rng.normal(0, 0.02, n),
            "distinct_categories": np.full(n, orders // 5 + 1),
            "off_assortment_share": np.zeros(n),
            "late_share": np.zeros(n),
            "avg_order_value": revenue / orders * np.ones(n),
        }
    )


def test_cluster_matrix_by_hand():
    f = pd.DataFrame(
        {
            "revenue_12m": [np.e - 1, -5.0],
            "orders_12m": [0, np.e**2 - 1],
            "recency_days": [None, 9.0],
            "trend_12m": [5.0, None],
            "distinct_categories": [2, 7],
            "off_assortment_share": [0.25, None],
            "late_share": [None, 0.5],
            "avg_order_value": [None, np.e - 1],
        },
        index=[10, 20],
    )
    x = cluster_matrix(f)
    assert list(x.columns) == list(CLUSTER_FEATURES) and list(x.index) == [10, 20]
    expected = [
        [1.0, 0.0, np.log(10.0), 2.0, 2.0, 0.25, 0.0, 0.0],  # unknown recency: the longest
        [0.0, 2.0, np.log(10.0), 0.0, 7.0, 0.0, 0.5, 1.0],  # a credit's revenue clipped to 0
    ]
    np.testing.assert_allclose(x.to_numpy(), expected)


@pytest.fixture(scope="module")
def groups() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(3)
    parts = [
        _features(120, revenue=100_000.0, orders=40, recency=3, rng=rng),  # big, frequent
        _features(120, revenue=2_000.0, orders=4, recency=60, rng=rng),
        _features(120, revenue=300.0, orders=1, recency=300, rng=rng),  # small, lapsing
    ]
    truth = np.repeat([0, 1, 2], 120)
    return pd.concat(parts, ignore_index=True), truth


def test_the_clusterer_finds_three_separated_groups_and_names_them(groups):
    f, truth = groups
    c = Clusterer(k_range=(2, 5), n_boot=3, n_init=3).fit(f)
    assert c.k_ == 3 and c.stability_ > 0.95
    assert set(c.scores_) == {2, 3, 4, 5}
    labels = c.predict(f)
    # each true group is one cluster, and the clusters differ
    assert [len(set(labels[truth == g])) for g in range(3)] == [1, 1, 1]
    assert len(set(labels)) == 3
    # the big buyers stand out by what they have most of (never by a long recency)
    big = c.code(labels[0]).split(",")
    assert all(p.startswith("high.") for p in big) and "high.log_recency" not in big
    assert len({c.code(k) for k in range(c.k_)}) == c.k_
    for cluster in range(c.k_):
        parts = c.code(cluster).split(",")
        assert len(parts) == 2
        assert all(p.split(".", 1)[0] in ("high", "low") for p in parts)
        assert all(p.split(".", 1)[1] in CLUSTER_FEATURES for p in parts)


def test_the_clusterer_is_reproducible_and_fits_on_a_sample(groups):
    f, _ = groups
    a = Clusterer(k_range=(3, 3), n_boot=2, n_init=2, sample=90, random_state=7).fit(f)
    b = Clusterer(k_range=(3, 3), n_boot=2, n_init=2, sample=90, random_state=7).fit(f)
    np.testing.assert_array_equal(a.predict(f), b.predict(f))  # all rows predicted
    assert a.scores_ == b.scores_ and len(a.predict(f)) == len(f)
