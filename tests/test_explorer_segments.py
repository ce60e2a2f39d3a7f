"""kapot.faces.explorer_segments: the explorer's ABC x XYZ, RFM and cluster views, on a
hand-made features table."""

import numpy as np
import pandas as pd

from kapot.faces.explorer_segments import SegmentViews
from kapot.i18n import tr
from kapot.models.clusters import CLUSTER_FEATURES


class Views(SegmentViews):
    def __init__(self, features: pd.DataFrame, lang: str = "en") -> None:
        self.features, self.lang = features, lang


def _features() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": ["a", "b", "c", "d", "e"],
            "abc": ["A", "A", "B", "C", "C"],
            "xyz": ["X", "Y", "X", "Z", "Z"],
            "rfm_r": [5, 4, 3, 1, 2],
            "rfm_f": [5, 5, 2, 1, 1],
            "rfm_segment": ["champions", "champions", "at_risk", "lost", "lost"],
            "revenue_12m": [1000.4, 800.0, 300.0, 10.0, 0.0],
            "orders_12m": [40, 30, 10, 1, 0],
            "recency_days": [3, 10, 60, 300, np.nan],
            "trend_12m": [0.2, 0.1, -0.3, -0.9, np.nan],
            "distinct_categories": [8, 6, 3, 1, 0],
            "off_assortment_share": [0.0, 0.1, 0.2, 0.5, np.nan],
            "late_share": [0.0, 0.0, 0.5, 1.0, np.nan],
            "avg_order_value": [25.0, 26.7, 30.0, 10.0, np.nan],
            "cluster": [0, 0, 1, 1, np.nan],  # e: no 12-month history, no cluster
            "cluster_name": ["high revenue", "high revenue", "fading", "fading", None],
        }
    )


def test_rfm_segments_count_clients_and_revenue_in_words():
    out = Views(_features()).rfm_segments()
    assert out.index.tolist() == [tr(f"rfm.{s}", "en") for s in ("champions", "at_risk", "lost")]
    assert out["clients"].tolist() == [2, 1, 2]  # largest revenue first
    assert out["revenue_12m"].tolist() == [1800, 300, 10]  # whole money
    assert out["clients"].sum() == 5
    ru = Views(_features(), "ru").rfm_segments()
    assert "чемпионы" in ru.index and ru.index.name != out.index.name


def test_the_cluster_table_is_standardised_means_per_cluster():
    f = _features()
    table = Views(f).cluster_table()
    assert table.index.tolist() == ["fading (2)", "high revenue (2)"]
    assert table.shape == (2, len(CLUSTER_FEATURES))
    # two clusters of two: each feature's standardised means are opposite
    np.testing.assert_allclose(table.iloc[0].to_numpy(), -table.iloc[1].to_numpy(), atol=1e-9)
    assert (table.loc["high revenue (2)"].iloc[0]) > 0  # the money feature: above the mean
    assert Views(f.assign(cluster=np.nan)).cluster_table().empty


def test_the_figures_draw_the_views():
    v = Views(_features())
    assert v.abc_xyz().data and v.rfm().data
    heat = v.clusters()
    assert heat.data and len(heat.data[0].y) == 2  # one row per cluster


def test_feature_names_are_in_the_language():
    en = Views(_features(), "en").cluster_table().columns
    ru = Views(_features(), "ru").cluster_table().columns
    assert en[0] == "revenue" and ru[0] == "выручка"
    assert len(set(en)) == len(set(ru)) == len(CLUSTER_FEATURES)
