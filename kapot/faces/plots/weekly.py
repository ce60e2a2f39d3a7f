"""Figures of the weekly report: revenue by week, clients at risk, new and lost, segment transitions, expected value, illiquid stock, the pipeline funnel, the order mix."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from kapot.faces.plots.layout import (
    LAYOUT,
    compact_axis,
    empty_figure,
    hbar,
    heatmap,
    money_title,
    separators,
)
from kapot.i18n import fmt_int, fmt_money, fmt_percent, tr

__all__ = [
    "weekly_revenue",
    "at_risk_reasons",
    "new_and_lost",
    "transition_heatmap",
    "expected_by",
    "illiquid_stock",
    "pipeline_funnel",
    "order_mix",
]

# the pipeline's road from a new prospect to a client, in the funnel's order
_ROAD = ["new", "contact_1", "contact_2", "contact_3", "deal", "deal_support", "client"]


def weekly_revenue(weeks: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Revenue per ISO week against the same weeks a year earlier.

    Parameters
    ----------
    weeks : pandas.DataFrame
        One row per week, oldest first (:func:`kapot.faces.report.weekly_revenue`); columns
        ``week`` (``2026-W47``), ``revenue`` and ``revenue_last_year`` (money; NaN for a
        week before the first sale, drawn as a gap).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        Two lines, this year solid and last year dotted, on a compact money axis.
    """
    title = tr("plot.weekly_title", lang)
    if weeks.empty:
        return empty_figure(title, lang)
    fig = go.Figure()
    for col, name, color, dash in (
        ("revenue_last_year", tr("plot.last_year", lang), "#adb5bd", "dot"),
        ("revenue", tr("plot.this_year", lang), "#2a6f97", "solid"),
    ):
        fig.add_trace(
            go.Scatter(
                x=weeks["week"],
                y=weeks[col],
                name=name,
                mode="lines+markers",
                line={"color": color, "dash": dash, "width": 2.5},
                customdata=[fmt_money(v, lang, whole=True) if v == v else "" for v in weeks[col]],
                hovertemplate="%{x}: %{customdata}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        **LAYOUT,
        title=title,
        xaxis_title=tr("plot.iso_week", lang),
        yaxis={
            "title": money_title("plot.revenue", lang),
            **compact_axis(
                weeks[["revenue", "revenue_last_year"]].to_numpy().ravel(), lang, from_zero=False
            ),
        },
        separators=separators(lang),
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def at_risk_reasons(counts: dict[str, int], lang: str | None = None) -> go.Figure:
    """Clients at risk per reason.

    Parameters
    ----------
    counts : dict of str to int
        Clients per reason, keys ``falling_trend``, ``overdue_reorder``,
        ``overdue_invoices`` (``attrs["counts"]`` of :func:`kapot.faces.report.at_risk`);
        the first key drawn on top.
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per reason; the "no data" figure when no client is at risk.
    """
    title = tr("plot.at_risk_title", lang)
    if not counts or sum(counts.values()) == 0:
        return empty_figure(title, lang)
    keys = list(counts)[::-1]
    labels = [tr(f"report.col_{k}", lang) for k in keys]
    values = [counts[k] for k in keys]
    return hbar(
        labels,
        values,
        [fmt_int(v, lang) for v in values],
        title,
        tr("plot.clients", lang),
        lang,
        color="#c1121f",
    )


def new_and_lost(frame: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Clients won and lost in the week with their 12-month revenue.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per client (:func:`kapot.faces.report.new_and_lost`); columns ``status``
        (``new`` or ``lost``) and ``revenue_12m`` (money, summed on hover).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        Two bars, the counts of new and of lost clients.
    """
    title = tr("plot.new_lost_title", lang)
    if frame.empty:
        return empty_figure(title, lang)
    statuses = ["new", "lost"]
    n = [int((frame["status"] == s).sum()) for s in statuses]
    rev = [float(frame.loc[frame["status"] == s, "revenue_12m"].sum()) for s in statuses]
    labels = [tr(f"report.status_{s}", lang) for s in statuses]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=n,
            marker_color=["#52b788", "#c1121f"],
            text=[fmt_int(v, lang) for v in n],
            textposition="auto",
            customdata=[fmt_money(v, lang, whole=True) for v in rev],
            hovertemplate="%{x}: %{y} · %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        **{**LAYOUT, "height": 280}, title=title, yaxis_title=tr("plot.clients", lang)
    )
    return fig


def transition_heatmap(matrix: pd.DataFrame, title: str, lang: str | None = None) -> go.Figure:
    """Clients moving between segments: rows the segment a month ago, columns now.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Client counts, index the segment before, columns the segment now
        (:func:`kapot.faces.report.transition_matrix`; labels already translated).
    title : str
        The figure's title, already translated (ABC-XYZ or RFM moves).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        A heatmap with the count in each non-empty cell.
    """
    if matrix.empty:
        return empty_figure(title, lang)
    return heatmap(
        matrix.to_numpy(dtype=float),
        [str(c) for c in matrix.columns],
        [str(r) for r in matrix.index],
        title,
        text=[[fmt_int(v, lang) if v else "" for v in row] for row in matrix.to_numpy()],
        colorscale="Oranges",
        colorbar={"title": tr("plot.clients", lang)},
        hover="%{y} → %{x}: %{z}<extra></extra>",
        height=max(320, 30 * len(matrix) + 140),
        xtitle=tr("plot.segment_now", lang),
        yaxis={"title": tr("plot.segment_before", lang), "autorange": "reversed"},
    )


def expected_by(frame: pd.DataFrame, key: str, lang: str | None = None) -> go.Figure:
    """Expected value of all scored clients by ``key`` (manager or region).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per manager or region (``by_manager`` or ``by_region`` of
        :func:`kapot.faces.report.top_potential`); columns ``key``, ``clients`` (on hover)
        and ``expected_value`` (money).
    key : str
        ``manager`` or ``region``: the label column, and the title's catalogue key.
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per value, the largest on top; "no data" when nothing is expected.
    """
    title = tr(f"plot.expected_by_{key}", lang)
    if frame.empty or frame["expected_value"].sum() == 0:
        return empty_figure(title, lang)
    f = frame.sort_values("expected_value")
    return hbar(
        f[key].astype(str).tolist(),
        f["expected_value"].tolist(),
        [fmt_money(v, lang, whole=True) for v in f["expected_value"]],
        title,
        money_title("plot.expected_value", lang),
        lang,
        compact=True,
        hover=[
            f"{fmt_money(v, lang, whole=True)} · {fmt_int(n, lang)}"
            for v, n in zip(f["expected_value"], f["clients"], strict=True)
        ],
    )


def illiquid_stock(frame: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Money tied up in illiquid SKUs.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per SKU (:func:`kapot.faces.report.illiquid_stock`); columns ``sku``,
        ``name`` (the label, prefixed with the SKU unless it holds it; cut to 40
        characters), ``stock_value`` (money) and ``days_on_stock`` (on hover).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per SKU, the most money on top, on a compact money axis.
    """
    title = tr("plot.illiquid_title", lang)
    if frame.empty:
        return empty_figure(title, lang)
    f = frame.sort_values("stock_value")
    labels = [
        (n if sku in n else f"{sku} {n}")[:40]
        for sku, n in zip(f["sku"].astype(str), f["name"].fillna("").astype(str), strict=True)
    ]
    return hbar(
        labels,
        f["stock_value"].tolist(),
        [fmt_money(v, lang, whole=True) for v in f["stock_value"]],
        title,
        money_title("plot.stock_value", lang),
        lang,
        color="#bc6c25",
        compact=True,
        hover=[
            f"{fmt_money(v, lang, whole=True)} · {tr('plot.days_on_stock_n', lang, days=fmt_int(d, lang))}"
            for v, d in zip(f["stock_value"], f["days_on_stock"], strict=True)
        ],
    )


def pipeline_funnel(funnel: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Clients per pipeline state, along the road from a new prospect to a client.

    Parameters
    ----------
    funnel : pandas.DataFrame
        One row per state (``funnel`` of :func:`kapot.faces.report.pipeline_at`); columns
        ``state`` (a pipeline state code), ``clients`` and ``overdue`` (on hover). States
        off the road (refusals, the reserve, re-calls) are left out; a missing one is 0.
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        A funnel of the road's seven states, in order; "no data" when no client is in work.
    """
    title = tr("plot.funnel_title", lang)
    if funnel.empty or funnel["clients"].sum() == 0:
        return empty_figure(title, lang)
    # the road to a sale; refusals, the strategic reserve and re-calls are side roads (tables)
    road = funnel[funnel["state"].isin(_ROAD)].set_index("state").reindex(_ROAD).fillna(0)
    road = road.reset_index()
    labels = [tr(f"state.{s}", lang) for s in road["state"]]
    funnel = road
    fig = go.Figure(
        go.Funnel(
            y=labels,
            x=funnel["clients"],
            textinfo="value",
            marker={"color": "#468faf"},
            customdata=funnel["overdue"],
            hovertemplate="%{y}: %{x} ("
            + tr("plot.overdue", lang)
            + ": %{customdata})<extra></extra>",
        )
    )
    fig.update_layout(**{**LAYOUT, "height": 420}, title=title)
    return fig


def order_mix(frame: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """The hunting share of each manager's revenue: new categories for existing clients and
    new clients, stacked. Routine reorders are the rest of the bar's 100 %, in the table;
    drawn, they would flatten every manager into the same grey bar. Hunters first.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per manager (:func:`kapot.faces.report.order_taker_vs_hunter`); columns
        ``manager``, ``new_category`` and ``new_client`` (money, on hover) and
        ``new_category_share`` and ``new_client_share`` (of the manager's revenue, 0-1).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        Stacked horizontal bars, the largest hunting share on top.
    """
    title = tr("plot.order_mix_title", lang)
    if frame.empty:
        return empty_figure(title, lang)
    f = frame.assign(
        _hunt=frame["new_category_share"].fillna(0) + frame["new_client_share"].fillna(0)
    )
    f = f.sort_values(["_hunt", "manager"])
    fig = go.Figure()
    for col, color in (("new_category", "#468faf"), ("new_client", "#2d6a4f")):
        name = tr(f"report.col_{col}", lang)
        fig.add_trace(
            go.Bar(
                x=f[f"{col}_share"],
                y=f["manager"],
                orientation="h",
                name=name,
                marker_color=color,
                text=[
                    fmt_percent(v, lang, digits=2 if v < 0.01 else 1) if v == v and v > 0 else ""
                    for v in f[f"{col}_share"]
                ],
                textposition="auto",
                customdata=[fmt_money(v, lang, whole=True) for v in f[col]],
                hovertemplate="%{y}: %{customdata}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        **{**LAYOUT, "height": max(280, 40 * len(f) + 140)},
        title=title,
        barmode="stack",
        xaxis={"title": tr("plot.hunting_share", lang), "tickformat": ".1%", "rangemode": "tozero"},
        yaxis={"automargin": True},
        legend={"orientation": "h", "y": -0.3},
        separators=separators(lang),
    )
    return fig
