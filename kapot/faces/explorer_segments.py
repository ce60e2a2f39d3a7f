"""The segment explorer's segment views: ABC x XYZ, RFM and the behavioural clusters, over
the explorer's ``features`` (:class:`kapot.faces.explorer.Explorer`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from kapot.faces import plots
from kapot.i18n import tr
from kapot.models.clusters import CLUSTER_FEATURES, cluster_matrix

__all__ = ["SegmentViews"]


class SegmentViews:
    """The explorer's segment views: ABC x XYZ, RFM and the behavioural clusters, from
    ``features`` (columns abc, xyz, rfm_r, rfm_f, rfm_segment, cluster, cluster_name,
    revenue_12m and the clustering features' inputs) in ``lang``."""

    def abc_xyz(self) -> go.Figure:
        """The ABC x XYZ matrix of the clients: counts and revenue per cell.

        Returns
        -------
        plotly.graph_objects.Figure
            A 3 x 3 heatmap (:func:`kapot.faces.plots.abc_xyz_matrix`).
        """
        return plots.abc_xyz_matrix(self.features, self.lang)

    def rfm(self) -> go.Figure:
        """The RFM grid of the clients: recency score x frequency score.

        Returns
        -------
        plotly.graph_objects.Figure
            A 5 x 5 heatmap of client counts (:func:`kapot.faces.plots.rfm_grid`).
        """
        return plots.rfm_grid(self.features, self.lang)

    def rfm_segments(self) -> pd.DataFrame:
        """Clients and revenue per named RFM segment.

        Returns
        -------
        pandas.DataFrame
            Index the segment in words; columns clients, revenue_12m (whole money); largest
            revenue first.
        """
        f = self.features
        out = f.groupby("rfm_segment").agg(
            clients=("client_id", "size"), revenue_12m=("revenue_12m", "sum")
        )
        out["revenue_12m"] = out["revenue_12m"].round(0).astype("int64")
        out.index = [tr(f"rfm.{s}", self.lang) for s in out.index]
        out.index.name = tr("explorer.rfm_segment", self.lang)
        return out.sort_values("revenue_12m", ascending=False)

    def cluster_table(self) -> pd.DataFrame:
        """Standardised mean of each clustering feature per behavioural cluster, the data
        behind :meth:`clusters`.

        Returns
        -------
        pandas.DataFrame
            Index the cluster's name with its clients, e.g. "high revenue (120)"; one column per
            clustering feature (:data:`kapot.models.clusters.CLUSTER_FEATURES`, named in
            words), values in standard deviations from the mean client. Empty without
            clusters.
        """
        f = self.features[self.features["cluster"].notna()]
        if f.empty:
            return pd.DataFrame()
        x = cluster_matrix(f)
        z = (x - x.mean()) / x.std(ddof=0).replace(0, 1)
        prof = z.groupby(f["cluster_name"].to_numpy()).mean()
        sizes = f["cluster_name"].value_counts()
        prof.index = [f"{name} ({sizes[name]})" for name in prof.index]
        prof.columns = [tr(f"explorer.feature_{c}", self.lang) for c in CLUSTER_FEATURES]
        return prof

    def clusters(self) -> go.Figure:
        """The behavioural clusters' profiles (:meth:`cluster_table`) as a heatmap.

        Returns
        -------
        plotly.graph_objects.Figure
            Clusters x features (:func:`kapot.faces.plots.cluster_profiles`).
        """
        return plots.cluster_profiles(self.cluster_table(), self.lang)
