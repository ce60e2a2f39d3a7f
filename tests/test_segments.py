import datetime as dt

import numpy as np
import pandas as pd

from kapot import i18n
from kapot.faces.wording import cluster_label
from kapot.i18n import catalogue
from kapot.models.segments import (
    SegmentConfig,
    Segmenter,
    abc_xyz,
    rfm,
    segment_clients,
    size_tiers,
)


def feats(**cols):
    n = len(next(iter(cols.values())))
    base = {
        "client_id": [f"c{i}" for i in range(n)],
        "is_prospect": [False] * n,
        "revenue_12m": [0.0] * n,
        "revenue_24m": [0.0] * n,
        "revenue_cv_12m": [0.3] * n,
        "off_assortment_share": [0.0] * n,
        "recency_days": [10] * n,
        "orders_12m": [5] * n,
        "tenure_days": [500] * n,
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_abc_by_hand():
    # shares 50, 25, 15, 6, 4 %: A while cumulative before < 80 % -> c0, c1, c2; B -> c3; C -> c4
    f = feats(
        revenue_12m=[500.0, 250.0, 150.0, 60.0, 40.0], revenue_cv_12m=[0.2, 0.7, 1.5, None, 0.5]
    )
    got = abc_xyz(f)
    assert got["abc"].tolist() == ["A", "A", "A", "B", "C"]
    assert [None if pd.isna(v) else v for v in got["xyz"]] == ["X", "Y", "Z", None, "X"]
    assert [None if pd.isna(v) else v for v in got["abc_xyz"]] == ["AX", "AY", "AZ", None, "CX"]


def test_size_tiers_with_absolute_thresholds_and_non_profile():
    f = feats(
        revenue_12m=[1000.0, 300.0, 50.0, 0.0, 900.0, 0.0],
        revenue_24m=[0, 0, 0, 400.0, 0, 0],
        off_assortment_share=[0, 0, 0, 0, 0.8, 0],
        is_prospect=[False] * 5 + [True],
    )
    got = size_tiers(f, SegmentConfig(large_revenue=800, medium_revenue=100))
    assert got["size_tier"].tolist() == [
        "large",
        "medium",
        "small",
        "medium",
        "non_profile",
        "prospect",
    ]


def test_rfm_names():
    f = feats(
        recency_days=[5, 400, 20, 300, 3, None],
        orders_12m=[50, 1, 40, 30, 1, 0],
        revenue_12m=[900.0, 1.0, 800.0, 500.0, 5.0, 0.0],
        tenure_days=[900, 900, 900, 900, 30, None],
        is_prospect=[False] * 5 + [True],
    )
    got = rfm(f).set_index("client_id")["rfm_segment"]
    assert got.tolist() == ["champions", "lost", "loyal", "at_risk", "new", "prospect"]


def test_clusters_are_stable_and_named(tmp_path, monkeypatch):
    from kapot.models.features import client_features
    from kapot.store.ingest import ingest
    from kapot.store.synth import SynthConfig, generate
    from kapot.store.warehouse import Warehouse

    d = generate(SynthConfig(n_clients=1500, seed=9))
    db = tmp_path / "w.duckdb"
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    with Warehouse(db).read() as con:
        f = client_features(con, dt.date(2026, 11, 1))
    seg, cl = segment_clients(f)
    assert cl.stability_ >= 0.8
    named = seg.dropna(subset=["cluster_code"])
    assert named["cluster"].nunique() == cl.k_ == named["cluster_code"].nunique()
    # stored as a code of catalogue keys (never words of one language); the faces word it
    keys = catalogue()
    parts = {p for code in named["cluster_code"] for p in code.split(",")}
    assert parts and all(f"cluster.{p}" in keys for p in parts)
    code = named["cluster_code"].iloc[0]
    assert cluster_label(code, "en") != cluster_label(code, "ru") != ""
    monkeypatch.setattr(i18n, "_current", ["ru"])  # the language in force must not matter
    again, _ = segment_clients(f)
    pd.testing.assert_series_equal(again["cluster_code"], seg["cluster_code"])
    assert seg["size_tier"].isin(["large", "medium", "small", "non_profile", "prospect"]).all()
    # the truly non-profile clients are labelled so
    t = d.truth.set_index("client_id")
    np_ids = t.index[t["non_profile"]]
    assert (seg.set_index("client_id").loc[np_ids, "size_tier"] == "non_profile").mean() > 0.8


def test_the_segmenter_learns_its_tiers_on_one_frame_and_applies_them_to_another():
    """fit returns the segmenter with learned attributes (ending in _); transform uses them."""
    rng = np.random.default_rng(5)
    train = feats(revenue_12m=[float(v) for v in range(1, 101)])  # 100 buyers, 1..100
    train = train.assign(
        trend_12m=rng.normal(0, 0.3, 100),
        distinct_categories=rng.integers(1, 9, 100),
        late_share=rng.uniform(0, 1, 100),
        avg_order_value=rng.lognormal(5, 1, 100),
    )
    seg = Segmenter().fit(train)
    assert seg.large_ == train["revenue_12m"].quantile(0.90)
    assert seg.medium_ == train["revenue_12m"].quantile(0.60)
    assert seg.clusterer_ is not None and seg.clusterer_.k_ >= 3
    # on a frame of the same clients it is segment_clients
    alone, clusterer = segment_clients(train)
    pd.testing.assert_frame_equal(seg.transform(train), alone)
    assert clusterer.k_ == seg.clusterer_.k_

    # on another frame the learned thresholds hold (95 large, 70 medium, 30 small), where
    # that frame's own quantiles would call its top client large
    def plain(f):  # the cluster inputs, all alike
        return f.assign(trend_12m=0.0, distinct_categories=2, late_share=0.0, avg_order_value=1.0)

    other = plain(feats(revenue_12m=[95.0, 70.0, 30.0]))
    assert seg.transform(other)["size_tier"].tolist() == ["large", "medium", "small"]
    small = plain(feats(revenue_12m=[30.0, 20.0, 10.0]))
    assert seg.transform(small)["size_tier"].tolist() == ["small"] * 3
    assert size_tiers(small)["size_tier"].tolist() == ["large", "small", "small"]
    few = Segmenter().fit(feats(revenue_12m=[1.0] * 10))
    assert few.clusterer_ is None  # too few buyers to cluster
    assert few.transform(feats(revenue_12m=[1.0] * 10))["cluster"].isna().all()
