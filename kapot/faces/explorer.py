"""The analysts' segment explorer (``notebooks/segment_explorer.ipynb``): one object over a
build's results, with a method per view. Figures come from :mod:`kapot.faces.plots`; where a choice
is natural (which category, which client) the view is an ipywidgets control drawing a
``go.Figure`` into an ``Output`` (FigureWidget goes stale in Voila and needs anywidget)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from kapot.errors import KapotError
from kapot.faces import plots
from kapot.faces.explorer_widgets import ExplorerWidgets
from kapot.faces.wording import cluster_label
from kapot.i18n import get_lang, set_currency, tr
from kapot.models.segments import CLUSTER_FEATURES, cluster_matrix
from kapot.pipeline.snapshot import Snapshot

__all__ = ["Explorer", "use_renderer"]

FEATURE_COLUMNS = [
    "client_id",
    "revenue_12m",
    "orders_12m",
    "avg_order_value",
    "recency_days",
    "trend_12m",
    "distinct_categories",
    "off_assortment_share",
    "late_share",
    "overdue_amount",
    "pays_on_time",
    "overdue_reorder",
]


def use_renderer(renderer: str = "plotly_mimetype+notebook") -> None:
    """Set plotly's renderer explicitly: papermill kernels otherwise pick one nbconvert drops.
    The default shows figures in JupyterLab and keeps them in executed notebooks and HTML."""
    pio.renderers.default = renderer


@dataclass
class Explorer(ExplorerWidgets):
    """A build's results for exploring: ``features`` (client_features joined with clients and
    segments), ``seasonality`` and ``category_seasonality``, all as of ``as_of``."""

    features: pd.DataFrame
    seasonality: pd.DataFrame
    category_seasonality: pd.DataFrame
    as_of: dt.date
    db: str | os.PathLike[str] | None = None
    lang: str | None = None

    @classmethod
    def load(
        cls,
        db: str | os.PathLike[str] | None = None,
        as_of: dt.date | str | None = None,
        lang: str | None = None,
    ) -> Explorer:
        """Read the build of ``as_of`` (default: the latest)."""
        if isinstance(as_of, str):
            as_of = dt.date.fromisoformat(as_of)
        snapshot = Snapshot.open(db, as_of)
        feats = snapshot.table("client_features")
        seg = snapshot.table("segments").drop(columns="as_of")
        lang = get_lang(lang)
        seg = seg.assign(cluster_name=[cluster_label(c, lang) or None for c in seg["cluster_code"]])
        clients = snapshot.client_profile()[["client_id", "name", "region", "industry", "manager"]]
        clients = clients.assign(name=clients["name"].fillna(clients["client_id"]))
        set_currency(snapshot.currency())  # the views' money in the company's currency
        features = feats.merge(seg, on="client_id", how="left").merge(
            clients, on="client_id", how="left"
        )
        return cls(
            features=features,
            seasonality=snapshot.table("seasonality"),
            category_seasonality=snapshot.table("category_seasonality"),
            as_of=snapshot.as_of,
            db=db,
            lang=lang,
        )

    # ------------------------------------------------------------------ tables
    def overview(self) -> pd.DataFrame:
        """How many clients, buyers and prospects, by size tier, with revenue."""
        f = self.features
        out = f.groupby(f["size_tier"].fillna("?")).agg(
            clients=("client_id", "size"),
            revenue_12m=("revenue_12m", "sum"),
            orders_12m=("orders_12m", "sum"),
        )
        out["share_of_revenue"] = (out["revenue_12m"] / max(out["revenue_12m"].sum(), 1e-12)).round(
            3
        )
        out["revenue_12m"] = out["revenue_12m"].round(0).astype("int64")
        out.index = [tr(f"tier.{t}", self.lang) if t != "?" else t for t in out.index]
        out.index.name = tr("explorer.size_tier", self.lang)
        return out.sort_values("revenue_12m", ascending=False)

    def top_clients(self, n: int = 20, by: str = "revenue_12m") -> pd.DataFrame:
        """The ``n`` clients with the largest ``by``, with their main features and labels."""
        if by not in self.features.columns:
            raise KapotError(tr("explorer.unknown_column", self.lang, column=by))
        cols = [
            "name",
            "region",
            "industry",
            *FEATURE_COLUMNS[1:],
            "abc_xyz",
            "rfm_segment",
            "size_tier",
            "cluster_name",
        ]
        return (
            self.features.sort_values([by, "client_id"], ascending=[False, True])
            .head(n)[cols]
            .round({"trend_12m": 2, "off_assortment_share": 2, "late_share": 2})
            .round({"revenue_12m": 0, "avg_order_value": 0, "overdue_amount": 0})
            .astype({"revenue_12m": "Int64", "avg_order_value": "Int64", "overdue_amount": "Int64"})
            .reset_index(drop=True)
        )

    # ------------------------------------------------------------------ seasonality
    def category_profiles(self) -> go.Figure:
        """When each category sells: its 12-month profile (share of orders by month)."""
        prof = self.category_seasonality.rename(columns={"category": "name"})
        fig = plots.seasonality_heatmap(prof, self.lang)
        fig.update_layout(title=tr("explorer.category_profiles_title", self.lang))
        return fig

    def peak_months(self) -> go.Figure:
        """Clients with a significant own purchase peak, and with a borrowed one, per month."""
        return plots.peak_months(self.seasonality, self.lang)

    def client_profiles(self, n: int = 25) -> go.Figure:
        """The purchase profiles of the ``n`` largest clients with a significant peak."""
        s = self.seasonality[self.seasonality["seasonal"].fillna(False).astype(bool)]
        s = s.merge(self.features[["client_id", "name", "revenue_12m"]], on="client_id")
        top = s.nlargest(n, "revenue_12m").sort_values(
            ["peak_month", "revenue_12m"], ascending=[True, False]
        )
        return plots.seasonality_heatmap(top, self.lang)

    # ------------------------------------------------------------------ segments
    def abc_xyz(self) -> go.Figure:
        """The ABC x XYZ matrix of the clients: counts and revenue per cell."""
        return plots.abc_xyz_matrix(self.features, self.lang)

    def rfm(self) -> go.Figure:
        """The RFM grid of the clients (recency x frequency, by revenue)."""
        return plots.rfm_grid(self.features, self.lang)

    def rfm_segments(self) -> pd.DataFrame:
        """Clients and revenue per named RFM segment."""
        f = self.features
        out = f.groupby("rfm_segment").agg(
            clients=("client_id", "size"), revenue_12m=("revenue_12m", "sum")
        )
        out["revenue_12m"] = out["revenue_12m"].round(0).astype("int64")
        out.index = [tr(f"rfm.{s}", self.lang) for s in out.index]
        out.index.name = tr("explorer.rfm_segment", self.lang)
        return out.sort_values("revenue_12m", ascending=False)

    def cluster_table(self) -> pd.DataFrame:
        """Standardised mean of each clustering feature per behavioural cluster (rows named by
        the cluster's label), the data behind :meth:`clusters`."""
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
        """The behavioural clusters' profiles (:meth:`cluster_table`) as a heatmap."""
        return plots.cluster_profiles(self.cluster_table(), self.lang)

    # ------------------------------------------------------------------ who buys / lookalikes
    def who_buys(self, category: str | None = None, sku: str | None = None) -> pd.DataFrame:
        """Who buys ``category`` or ``sku`` (one of them), as of the explorer's date: columns
        dimension, value, buyers, share_of_buyers, share_of_all, lift
        (:meth:`kapot.pipeline.snapshot.Snapshot.who_buys`)."""
        return Snapshot(self.db, self.as_of).who_buys(category=category, sku=sku)

    def who_buys_figure(self, category: str, dimension: str = "industry") -> go.Figure:
        """Buyers of ``category`` against all clients along ``dimension`` (industry, region,
        size_tier or peak_month)."""
        return plots.who_buys(self.who_buys(category=category), dimension, category, self.lang)

    def categories(self) -> list[str]:
        """The categories with a seasonality profile, sorted."""
        return sorted(self.category_seasonality["category"].dropna().astype(str).unique())
