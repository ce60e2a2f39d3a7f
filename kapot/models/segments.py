"""Segments: ABC/XYZ, RFM, size tiers (with non-profile) and behavioural clusters.

Every function takes the client-features frame (``kapot.models.features.client_features``) and
returns one row per client. Thresholds live in :class:`SegmentConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "cluster_matrix",
    "SegmentConfig",
    "abc_xyz",
    "rfm",
    "size_tiers",
    "Clusterer",
    "Segmenter",
    "segment_clients",
    "CLUSTER_FEATURES",
]


@dataclass(frozen=True)
class SegmentConfig:
    """ABC cut-offs on cumulative revenue share; XYZ on the coefficient of variation of monthly
    revenue over 12 months; size tiers as revenue-rank quantiles (top 10 % large, next 30 %
    medium) unless absolute ``large_revenue`` / ``medium_revenue`` are given; a client whose
    purchases are mostly (> ``non_profile_share``) outside our assortment is non-profile."""

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


CLUSTER_FEATURES = (
    "log_revenue_12m",
    "log_orders_12m",
    "log_recency",
    "trend",
    "distinct_categories",
    "off_assortment_share",
    "late_share",
    "log_avg_order_value",
)


def cluster_matrix(features: pd.DataFrame) -> pd.DataFrame:
    """The behavioural features the clusters are fitted on, one row per client.

    Parameters
    ----------
    features : pandas.DataFrame
        A ``client_features`` frame; columns read: ``revenue_12m``, ``orders_12m``, ``recency_days``, ``trend_12m``,
        ``distinct_categories``, ``off_assortment_share``, ``late_share`` and
        ``avg_order_value``.

    Returns
    -------
    pandas.DataFrame
        The columns :data:`CLUSTER_FEATURES` (logs of the money and counts, an unknown
        recency as the longest, the trend clipped to -1..2, missing shares as 0), with the
        index of ``features``.
    """
    f = features
    return pd.DataFrame(
        {
            "log_revenue_12m": np.log1p(f["revenue_12m"].clip(lower=0)),
            "log_orders_12m": np.log1p(f["orders_12m"]),
            "log_recency": np.log1p(f["recency_days"].fillna(f["recency_days"].max())),
            "trend": f["trend_12m"].fillna(0).clip(-1, 2),
            "distinct_categories": f["distinct_categories"].astype(float),
            "off_assortment_share": f["off_assortment_share"].fillna(0),
            "late_share": f["late_share"].fillna(0),
            "log_avg_order_value": np.log1p(f["avg_order_value"].fillna(0)),
        },
        index=f.index,
    )


@dataclass
class Clusterer:
    """Behavioural clusters of buyers: k-means on standardised features.

    ``k`` is chosen in ``k_range`` by the mean bootstrap adjusted Rand index (stability), ties
    broken by silhouette: a segmentation a manager can rely on week after week beats a slightly
    tighter one that reshuffles. Each cluster is named by its two most distinctive features
    (largest standardised distance of its centre from the mean).

    Parameters
    ----------
    k_range : tuple of int
        The smallest and largest number of clusters tried.
    n_boot : int
        Bootstrap refits per ``k`` for the stability.
    n_init : int
        k-means restarts per fit.
    sample : int
        At most this many clients are fitted on (a random subset; all are predicted).
    random_state : int
        The seed of the subset, the bootstraps and k-means.
    """

    k_range: tuple[int, int] = (3, 6)
    n_boot: int = 10
    n_init: int = 10
    sample: int = 5000
    random_state: int = 0

    def fit(self, features: pd.DataFrame) -> Clusterer:
        """Fit the clusters: k chosen by bootstrap stability, then silhouette.

        Sets ``scaler_``, ``model_``, ``k_``, ``scores_`` (per k: mean ``ari`` and
        ``silhouette``), ``stability_`` (the chosen k's ARI) and ``names_`` (per cluster, its
        two distinctive features with ``'high'`` or ``'low'``).

        Parameters
        ----------
        features : pandas.DataFrame
            The clients to cluster (buyers); columns read: the inputs of
            :func:`cluster_matrix`.

        Returns
        -------
        Clusterer
            ``self``, fitted.
        """
        # not at the top: only a build fits clusters, and the segment explorer imports this
        # module: sklearn would add 1.15 s of CPU and 87 MB to its kernel
        from sklearn.cluster import KMeans
        from sklearn.metrics import adjusted_rand_score, silhouette_score
        from sklearn.preprocessing import StandardScaler
        from threadpoolctl import threadpool_limits

        # one thread: a few thousand rows gain nothing from OpenMP's threads, and on a busy
        # machine their spin-waiting made the 440 small fits 50-80 times slower (20 s vs 0.3 s
        # for 40 fits measured under load); the results are the same
        with threadpool_limits(limits=1):
            return self._fit(
                features, KMeans, adjusted_rand_score, silhouette_score, StandardScaler
            )

    def _fit(self, features, KMeans, adjusted_rand_score, silhouette_score, StandardScaler):
        x = cluster_matrix(features)
        self.scaler_ = StandardScaler().fit(x)
        z = self.scaler_.transform(x)
        rng = np.random.default_rng(self.random_state)
        sub = rng.choice(len(z), size=min(self.sample, len(z)), replace=False)
        self.scores_ = {}
        best = None
        for k in range(self.k_range[0], self.k_range[1] + 1):
            base = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state).fit(
                z[sub]
            )
            labels = base.predict(z)
            aris = []
            for b in range(self.n_boot):
                idx = rng.choice(sub, size=len(sub), replace=True)
                km = KMeans(
                    n_clusters=k, n_init=self.n_init, random_state=self.random_state + b + 1
                ).fit(z[idx])
                aris.append(adjusted_rand_score(labels, km.predict(z)))
            sil = silhouette_score(
                z[sub],
                base.labels_,
                sample_size=min(3000, len(sub)),
                random_state=self.random_state,
            )
            self.scores_[k] = {"ari": float(np.mean(aris)), "silhouette": float(sil)}
            key = (round(np.mean(aris), 2), sil)
            if best is None or key > best[0]:
                best = (key, k, base)
        _, self.k_, self.model_ = best
        self.stability_ = self.scores_[self.k_]["ari"]
        centers = self.model_.cluster_centers_
        self.names_ = {}
        for c in range(self.k_):
            top = np.argsort(-np.abs(centers[c]))[:2]
            self.names_[c] = [
                (CLUSTER_FEATURES[j], "high" if centers[c, j] > 0 else "low") for j in top
            ]
        return self

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """The cluster of each row of ``features``.

        Parameters
        ----------
        features : pandas.DataFrame
            Columns read: the inputs of :func:`cluster_matrix`.

        Returns
        -------
        numpy.ndarray
            A cluster number (0 to ``k_`` - 1) per row.
        """
        return self.model_.predict(self.scaler_.transform(cluster_matrix(features)))

    def code(self, cluster: int) -> str:
        """The cluster's code: its two most distinctive features with their side.

        Parameters
        ----------
        cluster : int
            A cluster number of the fitted model.

        Returns
        -------
        str
            Like ``high.log_revenue_12m,low.log_recency`` (the faces word it:
            :func:`kapot.faces.wording.cluster_label`).
        """
        return ",".join(f"{level}.{feat}" for feat, level in self.names_[int(cluster)])


@dataclass
class Segmenter:
    """Every segment label, scikit-learn style, on a client-features frame
    (:func:`kapot.models.features.client_features`: columns client_id, is_prospect,
    revenue_12m, revenue_24m, revenue_cv_12m, recency_days, orders_12m, tenure_days,
    off_assortment_share and the inputs of :func:`cluster_matrix`).

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
            and ``cluster_code`` (:meth:`Clusterer.code`; empty for clients without 12-month
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
        :func:`size_tiers` and :func:`cluster_matrix`.
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
