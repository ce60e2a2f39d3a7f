"""Figures of the segment explorer: the ABC-XYZ matrix, the RFM grid, cluster profiles, who buys an item, peak months."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kapot.faces.plots.layout import LAYOUT, empty_figure, heatmap
from kapot.i18n import fmt_int, fmt_money, fmt_number, month_name, tr

__all__ = ["abc_xyz_matrix", "rfm_grid", "cluster_profiles", "who_buys", "peak_months"]


def abc_xyz_matrix(segments: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Clients and revenue in each ABC x XYZ cell.

    Parameters
    ----------
    segments : pandas.DataFrame
        One row per client (the client features); columns ``abc`` (A, B or C), ``xyz``
        (X, Y or Z) and ``revenue_12m`` (money). Clients without both classes are left out.
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        A 3 x 3 heatmap coloured by clients, each cell with its clients and revenue.
    """
    title = tr("plot.abc_xyz_title", lang)
    s = segments.dropna(subset=["abc", "xyz"])
    if s.empty:
        return empty_figure(title, lang)
    n = pd.crosstab(s["abc"], s["xyz"]).reindex(
        index=list("ABC"), columns=list("XYZ"), fill_value=0
    )
    rev = (
        s.pivot_table(index="abc", columns="xyz", values="revenue_12m", aggfunc="sum")
        .reindex(index=list("ABC"), columns=list("XYZ"))
        .fillna(0)
    )
    text = [
        [
            f"{fmt_int(n.iat[i, j], lang)}<br>{fmt_money(rev.iat[i, j], lang, whole=True)}"
            for j in range(3)
        ]
        for i in range(3)
    ]
    return heatmap(
        n.to_numpy(dtype=float),
        list("XYZ"),
        list("ABC"),
        title,
        text=text,
        colorscale="Blues",
        colorbar={"title": tr("plot.clients", lang)},
        hover="%{y}%{x}: %{text}<extra></extra>",
        height=360,
        xtitle=tr("plot.xyz_axis", lang),
        yaxis={"title": tr("plot.abc_axis", lang), "autorange": "reversed"},
    )


def rfm_grid(segments: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Clients by recency score (rows) and frequency score (columns), 1-5.

    Parameters
    ----------
    segments : pandas.DataFrame
        One row per client (the client features); columns ``rfm_r`` and ``rfm_f``, scores
        1-5 (5 the most recent or frequent). Clients without both are left out.
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        A 5 x 5 heatmap of client counts, recency 5 on top.
    """
    title = tr("plot.rfm_title", lang)
    s = segments.dropna(subset=["rfm_r", "rfm_f"])
    if s.empty:
        return empty_figure(title, lang)
    scores = [1, 2, 3, 4, 5]
    n = pd.crosstab(s["rfm_r"].astype(int), s["rfm_f"].astype(int)).reindex(
        index=scores[::-1], columns=scores, fill_value=0
    )
    return heatmap(
        n.to_numpy(dtype=float),
        [str(v) for v in scores],
        [str(v) for v in scores[::-1]],
        title,
        text=[[fmt_int(v, lang) for v in row] for row in n.to_numpy()],
        colorscale="Greens",
        colorbar={"title": tr("plot.clients", lang)},
        hover="R %{y}, F %{x}: %{z}<extra></extra>",
        height=380,
        xtitle=tr("plot.frequency_score", lang),
        yaxis={"title": tr("plot.recency_score", lang)},
    )


def cluster_profiles(profiles: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """How each behavioural cluster differs from the average client: standardised means of the
    clustering features (rows clusters by name, columns features, values in standard
    deviations from the mean).

    Parameters
    ----------
    profiles : pandas.DataFrame
        Index the clusters' labels, one column per clustering feature (its translated name),
        values in standard deviations
        (:meth:`kapot.faces.explorer.Explorer.cluster_table`).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        A red-blue heatmap symmetric around 0, each cell with its value.
    """
    title = tr("plot.clusters_title", lang)
    if profiles.empty:
        return empty_figure(title, lang)
    z = profiles.to_numpy(dtype=float)
    lim = float(np.nanmax(np.abs(z))) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(c) for c in profiles.columns],
            y=[str(i) for i in profiles.index],
            zmin=-lim,
            zmax=lim,
            colorscale="RdBu",
            text=[[fmt_number(v, lang, digits=1) for v in row] for row in z],
            texttemplate="%{text}",
            colorbar={"title": tr("plot.std_from_mean", lang)},
            hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        **{
            **LAYOUT,
            "height": max(320, 44 * len(profiles) + 160),
            "margin": {"l": 60, "r": 20, "t": 50, "b": 120},
        },
        title=title,
        xaxis={"tickangle": -30, "automargin": True},
        yaxis={"automargin": True},
    )
    return fig


def who_buys(frame: pd.DataFrame, dimension: str, item: str, lang: str | None = None) -> go.Figure:
    """Share of an item's buyers against the share of all clients for each value of
    ``dimension``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame of :meth:`kapot.pipeline.snapshot.Snapshot.who_buys`: columns
        ``dimension``, ``value``, ``buyers``, ``share_of_buyers`` and ``share_of_all``
        (shares 0-1).
    dimension : str
        The rows of ``frame`` drawn: ``industry``, ``region``, ``size_tier`` or
        ``peak_month`` (values month numbers, drawn as month names).
    item : str
        The category or SKU bought, for the title.
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        Two bars per value (all clients, buyers), the 15 values most common among all
        clients; the "no data" figure when the item has no buyers.
    """
    title = tr("plot.who_buys_title", lang, item=item, dimension=tr(f"plot.dim_{dimension}", lang))
    f = frame[frame["dimension"] == dimension]
    if f.empty or f["buyers"].sum() == 0:
        return empty_figure(title, lang)
    f = f.sort_values("share_of_all", ascending=False).head(15)
    labels = f["value"].astype(str)
    if dimension == "peak_month":
        labels = [
            month_name(int(v), lang) if v.isdigit() else tr("plot.no_peak", lang) for v in labels
        ]
    fig = go.Figure()
    for col, name, color in (
        ("share_of_all", tr("plot.all_clients", lang), "#adb5bd"),
        ("share_of_buyers", tr("plot.buyers", lang), "#2a6f97"),
    ):
        fig.add_trace(
            go.Bar(
                x=list(labels),
                y=f[col],
                name=name,
                marker_color=color,
                hovertemplate="%{x}: %{y:.0%}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        **LAYOUT,
        title=title,
        barmode="group",
        yaxis={"title": tr("plot.share_of_clients", lang), "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.3},
    )
    return fig


def peak_months(seasonality: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Clients with a significant purchase peak per calendar month, own history and borrowed
    from the industry stacked.

    Parameters
    ----------
    seasonality : pandas.DataFrame
        The seasonality table, one row per client; columns ``seasonal`` (bool, a significant
        peak; missing is False), ``source`` (``own`` or ``segment``, borrowed) and
        ``peak_month`` (1-12).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        Twelve stacked bars; the title counts the seasonal clients.
    """
    s = seasonality[seasonality["seasonal"].fillna(False).astype(bool)]
    title = tr("explorer.peak_months_title", lang, count=fmt_int(len(s), lang))
    if s.empty:
        return empty_figure(title, lang)
    months = list(range(1, 13))
    fig = go.Figure()
    for source, color in (("own", "#2a6f97"), ("segment", "#a9d6e5")):
        counts = s[s["source"] == source]["peak_month"].value_counts().reindex(months, fill_value=0)
        fig.add_trace(
            go.Bar(
                x=[month_name(m, lang, width="abbreviated") for m in months],
                y=counts.to_numpy(),
                name=tr(f"report.source_{source}", lang),
                marker_color=color,
            )
        )
    fig.update_layout(
        **LAYOUT,
        barmode="stack",
        title=title,
        xaxis_title=tr("plot.month", lang),
        yaxis_title=tr("plot.clients", lang),
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
