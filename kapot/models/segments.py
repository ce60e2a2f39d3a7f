"""Segments: ABC/XYZ, RFM, size tiers (with non-profile), and the behavioural clusters of
:mod:`kapot.models.clusters` applied to every client.

Every function takes the client-features frame (``kapot.models.features.client_features``) and
returns one row per client. Thresholds live in :class:`SegmentConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kapot.models.clusters import Clusterer

__all__ = [
    "SegmentConfig",
    "abc_xyz",
    "rfm",
    "size_tiers",
    "Segmenter",
    "segment_clients",
]


@dataclass(frozen=True)
class SegmentConfig:
    """The segments' thresholds.

    Parameters
    ----------
    abc : tuple of float
        The cumulative shares of 12-month revenue that close A and B (0..1, ascending): a
        client is A while the clients before it hold less than the first.
    xyz : tuple of float
        The coefficients of variation of monthly revenue over 12 months that close X and Y.
    large_quantile, medium_quantile : float
        Without absolute thresholds, the buyers' revenue quantiles (0..1) at which the large
        and medium tiers start: top 10 % large, next 30 % medium by default.
    large_revenue, medium_revenue : float, optional
        Absolute revenue thresholds of the large and medium tiers, in the warehouse's
        currency per 12 months; None: the quantiles.
    non_profile_share : float
        A client whose revenue outside our assortment is above this share (0..1) is
        non-profile.
    lost_after_days : int
        RFM: a client without a purchase for more than this many days is lost.
    new_within_days : int
        RFM: a client whose first purchase is at most this many days old is new.
    """

    abc: tuple[float, float] = (0.80, 0.95)
    xyz: tuple[float, float] = (0.5, 1.0)
    large_quantile: float = 0.90
    medium_quantile: float = 0.60
    large_revenue: float | None = None
    medium_revenue: float | None = None
    non_profile_share: float = 0.5
    lost_after_days: int = 365
    new_within_days: int = 90


def abc_xyz(features: pd.DataFrame, config: SegmentConfig = SegmentConfig()) -> pd.DataFrame:
    """ABC by share of 12-month revenue, XYZ by variation of monthly revenue. Clients without
    revenue get no class.

    Parameters
    ----------
    features : pandas.DataFrame
        A ``client_features`` frame; columns read: ``client_id``, ``revenue_12m``,
        ``revenue_cv_12m``.
    config : SegmentConfig
        ``abc`` (cumulative revenue shares closing A and B) and ``xyz`` (coefficients of
        variation closing X and Y).

    Returns
    -------
    pandas.DataFrame
        One row per row of ``features``: ``client_id``, ``abc`` (A/B/C), ``xyz`` (X/Y/Z, None
        without a coefficient of variation) and ``abc_xyz`` (e.g. ``AX``), None without
        12-month revenue.
    """
    f = features[["client_id", "revenue_12m", "revenue_cv_12m"]].copy()
    pos = f["revenue_12m"] > 0
    order = f.loc[pos, "revenue_12m"].sort_values(ascending=False)
    cum = order.cumsum() / order.sum()
    prev = cum.shift(fill_value=0.0)  # a client is A if the A share was not yet full before it
    abc = pd.Series(
        np.where(prev < config.abc[0], "A", np.where(prev < config.abc[1], "B", "C")),
        index=order.index,
    )
    f["abc"] = abc.reindex(f.index)
    cv = f["revenue_cv_12m"]
    f["xyz"] = np.where(
        ~pos | cv.isna(),
        None,
        np.where(cv <= config.xyz[0], "X", np.where(cv <= config.xyz[1], "Y", "Z")),
    )
    f["abc_xyz"] = np.where(
        pos & f["abc"].notna() & pd.notna(f["xyz"]),
        f["abc"].astype(str) + f["xyz"].astype(str),
        None,
    )
    return f[["client_id", "abc", "xyz", "abc_xyz"]]


def _quintile(values: pd.Series, higher_is_better: bool) -> pd.Series:
    r = values.rank(method="average", pct=True, ascending=higher_is_better)
    return np.ceil(r * 5).clip(1, 5).astype("Int64")


def rfm(features: pd.DataFrame, config: SegmentConfig = SegmentConfig()) -> pd.DataFrame:
    """RFM scores (1-5 quintiles among buyers: recency, 12-month orders, 12-month revenue) and
    a named segment: champions, loyal, promising, new, need_attention, at_risk, hibernating,
    lost, or prospect (never bought).

    The named segment is the first that fits: prospect; lost (recency over
    ``lost_after_days``); new (tenure within ``new_within_days``); then by the R and F scores.

    Parameters
    ----------
    features : pandas.DataFrame
        A ``client_features`` frame; columns read: ``client_id``, ``is_prospect``,
        ``recency_days``, ``orders_12m``, ``revenue_12m``, ``tenure_days``.
    config : SegmentConfig
        ``lost_after_days`` and ``new_within_days``.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``features``: ``client_id``, ``rfm_r``, ``rfm_f``, ``rfm_m`` (1-5,
        NA for prospects), ``rfm_score`` (like ``'545'``, None for prospects) and
        ``rfm_segment``.
    """
    f = features[
        ["client_id", "is_prospect", "recency_days", "orders_12m", "revenue_12m", "tenure_days"]
    ].copy()
    buyers = ~f["is_prospect"]
    f["r"] = _quintile(-f.loc[buyers, "recency_days"], True).reindex(f.index)
    f["f"] = _quintile(f.loc[buyers, "orders_12m"], True).reindex(f.index)
    f["m"] = _quintile(f.loc[buyers, "revenue_12m"], True).reindex(f.index)
    r, fr = f["r"].fillna(0).astype(int), f["f"].fillna(0).astype(int)
    conds = [
        f["is_prospect"],
        f["recency_days"] > config.lost_after_days,
        f["tenure_days"] <= config.new_within_days,
        (r >= 4) & (fr >= 4),
        (r >= 3) & (fr >= 3),
        (r >= 4) & (fr <= 2),
        (r <= 2) & (fr >= 3),
        (r <= 2) & (fr <= 2),
    ]
    names = ["prospect", "lost", "new", "champions", "loyal", "promising", "at_risk", "hibernating"]
    conds = [np.asarray(pd.Series(c).fillna(False), dtype=bool) for c in conds]
    f["rfm_segment"] = np.select(conds, names, default="need_attention")
    f["rfm_score"] = np.where(
        buyers, f["r"].astype(str) + f["f"].astype(str) + f["m"].astype(str), None
    )
    return f[["client_id", "r", "f", "m", "rfm_score", "rfm_segment"]].rename(
        columns={"r": "rfm_r", "f": "rfm_f", "m": "rfm_m"}
    )


def _tier_revenue(features: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The revenue a size tier is judged by (12 months, or 24 months / 2 for clients quiet
    this year) and which clients are buyers with such revenue."""
    rev = features["revenue_12m"].where(features["revenue_12m"] > 0, features["revenue_24m"] / 2)
    return rev, ~features["is_prospect"] & (rev > 0)


def _tier_thresholds(features: pd.DataFrame, config: SegmentConfig) -> tuple[float, float]:
    """(large, medium) revenue thresholds: the configured ones, else buyers' quantiles."""
    rev, buyers = _tier_revenue(features)
    large = (
        config.large_revenue
        if config.large_revenue is not None
        else rev[buyers].quantile(config.large_quantile)
    )
    medium = (
        config.medium_revenue
        if config.medium_revenue is not None
        else rev[buyers].quantile(config.medium_quantile)
    )
    return large, medium


def _tiers(
    features: pd.DataFrame, large: float, medium: float, config: SegmentConfig
) -> pd.DataFrame:
    f = features[
        ["client_id", "is_prospect", "revenue_12m", "revenue_24m", "off_assortment_share"]
    ].copy()
    rev, _ = _tier_revenue(f)
    tier = np.where(rev >= large, "large", np.where(rev >= medium, "medium", "small"))
    tier = np.where(f["off_assortment_share"] > config.non_profile_share, "non_profile", tier)
    f["size_tier"] = np.where(f["is_prospect"], "prospect", tier)
    return f[["client_id", "size_tier"]]


def size_tiers(features: pd.DataFrame, config: SegmentConfig = SegmentConfig()) -> pd.DataFrame:
    """large / medium / small by 12-month revenue (24-month revenue / 2 for clients quiet this
    year), non_profile where most purchases are outside our assortment, prospect otherwise.

    Parameters
    ----------
    features : pandas.DataFrame
        A ``client_features`` frame; columns read: ``client_id``, ``is_prospect``,
        ``revenue_12m``, ``revenue_24m``, ``off_assortment_share``.
    config : SegmentConfig
        ``large_revenue`` / ``medium_revenue`` when given, else the buyers' revenue at
        ``large_quantile`` / ``medium_quantile``; ``non_profile_share``.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``features``: ``client_id`` and ``size_tier`` (large, medium,
        small, non_profile or prospect).
    """
    return _tiers(features, *_tier_thresholds(features, config), config)


@dataclass
class Segmenter:
    """Every segment label, scikit-learn style, on a client-features frame
    (:func:`kapot.models.features.client_features`: columns client_id, is_prospect,
    revenue_12m, revenue_24m, revenue_cv_12m, recency_days, orders_12m, tenure_days,
    off_assortment_share and the inputs of :func:`~kapot.models.clusters.cluster_matrix`).

    :meth:`fit` learns the size tiers' revenue thresholds (``large_``, ``medium_``) and the
    behavioural clusters (``clusterer_``, fitted on buyers with 12-month revenue; None with
    fewer than 50) and returns the segmenter; :meth:`transform` labels a features frame with
    them. ABC/XYZ and RFM are ranks among the clients of the frame transformed.

    Parameters
    ----------
    config : SegmentConfig
        The thresholds.
    clusterer : Clusterer, optional
        The (unfitted) clusterer to fit, for its settings; default ``Clusterer()``.
    """

    config: SegmentConfig = SegmentConfig()
    clusterer: Clusterer | None = None

    def fit(self, features: pd.DataFrame) -> Segmenter:
        """Learn the size tiers' thresholds and the clusters from ``features``.

        Parameters
        ----------
        features : pandas.DataFrame
            A ``client_features`` frame with the columns of the class's docstring.

        Returns
        -------
        Segmenter
            ``self``, fitted.
        """
        self.large_, self.medium_ = _tier_thresholds(features, self.config)
        active = features[features["revenue_12m"] > 0]
        self.clusterer_ = (
            (self.clusterer or Clusterer()).fit(active) if len(active) >= _MIN_CLUSTERED else None
        )
        return self

    def transform(self, features: pd.DataFrame) -> pd.DataFrame:
        """Label ``features`` with the fitted thresholds and clusters.

        Parameters
        ----------
        features : pandas.DataFrame
            A ``client_features`` frame with the columns of the class's docstring.

        Returns
        -------
        pandas.DataFrame
            One row per client: ``client_id``, ``abc``, ``xyz``, ``abc_xyz``, ``rfm_r``,
            ``rfm_f``, ``rfm_m``, ``rfm_score``, ``rfm_segment``, ``size_tier``, ``cluster``
            and ``cluster_code`` (:meth:`kapot.models.clusters.Clusterer.code`; empty for clients without 12-month
            revenue, and for every client when no clusters were fitted).
        """
        cfg = self.config
        out = features[["client_id"]].merge(abc_xyz(features, cfg), on="client_id")
        out = out.merge(rfm(features, cfg), on="client_id").merge(
            _tiers(features, self.large_, self.medium_, cfg), on="client_id"
        )
        out["cluster"] = pd.NA
        out["cluster_code"] = None
        if self.clusterer_ is not None:
            active = features[features["revenue_12m"] > 0]
            labels = self.clusterer_.predict(active)
            idx = out["client_id"].isin(active["client_id"])
            out.loc[idx, "cluster"] = labels
            codes = {c: self.clusterer_.code(c) for c in range(self.clusterer_.k_)}
            out.loc[idx, "cluster_code"] = pd.Series(labels).map(codes).to_numpy()
        return out


_MIN_CLUSTERED = 50  # fewer buyers than this get no behavioural clusters


def segment_clients(
    features: pd.DataFrame,
    config: SegmentConfig = SegmentConfig(),
    *,
    clusterer: Clusterer | None = None,
) -> tuple[pd.DataFrame, Clusterer | None]:
    """All segment labels for every client (:class:`Segmenter` fitted on ``features`` and
    applied to them), and the fitted clusterer (None with too few buyers).

    Parameters
    ----------
    features : pandas.DataFrame
        A ``client_features`` frame: the columns of :func:`abc_xyz`, :func:`rfm`,
        :func:`size_tiers` and :func:`~kapot.models.clusters.cluster_matrix`.
    config : SegmentConfig
        The thresholds.
    clusterer : Clusterer, optional
        The clusterer to fit (default ``Clusterer()``).

    Returns
    -------
    labels : pandas.DataFrame
        As :meth:`Segmenter.transform` returns them.
    clusterer : Clusterer or None
        The fitted clusterer, None with fewer than 50 buyers.
    """
    segmenter = Segmenter(config, clusterer).fit(features)
    return segmenter.transform(features), segmenter.clusterer_
