"""Behavioural clusters of buyers: the features they are fitted on (:func:`cluster_matrix`)
and k-means with k chosen by bootstrap stability (:class:`Clusterer`). :mod:`kapot.models.segments`
labels every client with them beside ABC/XYZ, RFM and the size tiers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CLUSTER_FEATURES", "cluster_matrix", "Clusterer"]


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
