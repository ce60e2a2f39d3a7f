"""The analysts' segment explorer (``notebooks/segment_explorer.ipynb``): one object over a
build's results, with a method per view. Figures come from :mod:`kapot.faces.plots`; where a choice
is natural (which category, which client) the view is an ipywidgets control drawing a
``go.Figure`` into an ``Output`` (FigureWidget goes stale in Voila and needs anywidget).

Here are the loading, the tables and the seasonality views; the segment views are in
:mod:`kapot.faces.explorer_segments`, who buys and the lookalikes with their pickers in
:mod:`kapot.faces.explorer_widgets`."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from kapot.errors import KapotError
from kapot.faces import plots
from kapot.faces.explorer_segments import SegmentViews
from kapot.faces.explorer_widgets import ExplorerWidgets
from kapot.faces.wording import cluster_label
from kapot.i18n import get_lang, set_currency, tr
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

    Parameters
    ----------
    renderer : str
        A name (or ``+``-joined names) of :data:`plotly.io.renderers`. The default shows
        figures in JupyterLab and keeps them in executed notebooks and HTML.
    """
    pio.renderers.default = renderer


@dataclass
class Explorer(SegmentViews, ExplorerWidgets):
    """A build's results for exploring, all as of ``as_of``. Build it with :meth:`load`.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per client: the ``client_features`` columns (client_id, revenue_12m,
        orders_12m, avg_order_value, recency_days, trend_12m, ...), the ``segments`` ones
        (abc, xyz, abc_xyz, rfm_r, rfm_f, rfm_segment, size_tier, cluster, cluster_code),
        cluster_name (in ``lang``) and the client's name, region, industry, manager.
    seasonality : pandas.DataFrame
        The ``seasonality`` table, one row per client: client_id, seasonal, source,
        peak_month, m01 .. m12, ...
    category_seasonality : pandas.DataFrame
        The ``category_seasonality`` table, one row per category: category, m01 .. m12, ...
    as_of : datetime.date
        The build's date.
    db : str or os.PathLike, optional
        The warehouse, for the views that read more (who buys, lookalikes).
    lang : str, optional
        ``en`` or ``ru`` for the views' words; None: the language in force.
    """

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
        """Read a published build; the warehouse's currency becomes the process-wide one, so
        the views' money is in it.

        Parameters
        ----------
        db : str or os.PathLike, optional
            The warehouse; None: ``KAPOT_DB`` or ``data/kapot.duckdb``.
        as_of : datetime.date or str, optional
            The build's date (a ``str`` in ISO format); None: the latest.
        lang : str, optional
            ``en`` or ``ru``; None: the language in force, fixed at loading.

        Returns
        -------
        Explorer

        Raises
        ------
        KapotError
            if no build was published for the date.
        """
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
        """How many clients, by size tier, with revenue and orders.

        Returns
        -------
        pandas.DataFrame
            Index the size tier in words; columns clients, revenue_12m (whole money),
            orders_12m, share_of_revenue (0-1, 3 decimals); largest revenue first.
        """
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
        """The clients with the largest ``by``, with their main features and labels.

        Parameters
        ----------
        n : int, default 20
            How many clients.
        by : str, default "revenue_12m"
            A column of ``features`` to sort by, largest first (ties by client_id).

        Returns
        -------
        pandas.DataFrame
            Columns name, region, industry, revenue_12m, orders_12m, avg_order_value,
            recency_days, trend_12m, distinct_categories, off_assortment_share, late_share,
            overdue_amount, pays_on_time, overdue_reorder, abc_xyz, rfm_segment, size_tier,
            cluster_name.

        Raises
        ------
        KapotError
            for a ``by`` that is not a column of ``features``.
        """
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
        """When each category sells: its 12-month profile (share of orders by month).

        Returns
        -------
        plotly.graph_objects.Figure
            A month x category heatmap.
        """
        prof = self.category_seasonality.rename(columns={"category": "name"})
        fig = plots.seasonality_heatmap(prof, self.lang)
        fig.update_layout(title=tr("explorer.category_profiles_title", self.lang))
        return fig

    def peak_months(self) -> go.Figure:
        """Clients with a significant own purchase peak, and with a borrowed one, per month.

        Returns
        -------
        plotly.graph_objects.Figure
            Twelve stacked bars (:func:`kapot.faces.plots.peak_months`).
        """
        return plots.peak_months(self.seasonality, self.lang)

    def client_profiles(self, n: int = 25) -> go.Figure:
        """The purchase profiles of the largest clients with a significant peak.

        Parameters
        ----------
        n : int, default 25
            How many clients (by revenue over 12 months), drawn by peak month.

        Returns
        -------
        plotly.graph_objects.Figure
            A month x client heatmap.
        """
        s = self.seasonality[self.seasonality["seasonal"].fillna(False).astype(bool)]
        s = s.merge(self.features[["client_id", "name", "revenue_12m"]], on="client_id")
        top = s.nlargest(n, "revenue_12m").sort_values(
            ["peak_month", "revenue_12m"], ascending=[True, False]
        )
        return plots.seasonality_heatmap(top, self.lang)
