"""Plotly figure builders, shared by the page, the reports and the notebooks.

Every title, axis label and month name comes from the catalogue in the chosen language; numbers
on hover are formatted by Babel. The builders return ``go.Figure`` (never FigureWidget, which
goes stale in Voila) and are tested without a browser.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kapot.i18n import fmt_int, fmt_money, fmt_number, fmt_percent, month_name, tr

__all__ = [
    "potential_by_region",
    "seasonality_heatmap",
    "monthly_purchases",
    "category_mix",
    "payment_history",
    "weekly_revenue",
    "at_risk_reasons",
    "new_and_lost",
    "transition_heatmap",
    "expected_by",
    "illiquid_stock",
    "pipeline_funnel",
    "order_mix",
    "abc_xyz_matrix",
    "rfm_grid",
    "cluster_profiles",
    "who_buys",
    "peak_months",
]

_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "height": 340,
}


def _money_title(key: str, lang: str | None) -> str:
    """An axis title with the currency, e.g. 'Revenue, $' / 'Выручка, ₽'."""
    from babel.numbers import get_currency_symbol

    from kapot.i18n import _locale, currency_for

    symbol = get_currency_symbol(currency_for(lang), locale=_locale(lang))
    return tr("plot.money_axis", lang, label=tr(key, lang), symbol=symbol)


def _separators(lang: str | None) -> str:
    """plotly's decimal and thousands separators for the locale ('.,' or ', ')."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    from kapot.i18n import _locale

    group = get_group_symbol(_locale(lang)).replace("\u00a0", " ").replace("\u202f", " ")
    return get_decimal_symbol(_locale(lang)) + group


def _compact_axis(values, lang: str | None, *, n: int = 5, from_zero: bool = True) -> dict:
    """Axis ticks with Babel's compact labels ('1.5M' / '1,5 млн'), which plotly's own SI
    suffixes cannot say in Russian: about ``n`` round steps over the values' range (from 0 for
    bars)."""
    from babel.numbers import format_compact_decimal

    from kapot.i18n import _locale

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v) or v.max() <= 0:
        return {}
    lo = 0.0 if from_zero else float(v.min())
    hi = float(v.max())
    raw = max(hi - lo, hi * 0.05) / n
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = np.floor(lo / step) * step
    ticks = np.arange(start, hi + step * 0.999, step)
    labels = [format_compact_decimal(t, locale=_locale(lang), fraction_digits=1) for t in ticks]
    return {"tickvals": ticks.tolist(), "ticktext": labels}


def _empty(title: str, lang: str | None) -> go.Figure:
    fig = go.Figure(layout={**_LAYOUT, "title": title})
    fig.add_annotation(
        text=tr("plot.no_data", lang), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def potential_by_region(result: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Expected value of the listed clients, summed by region (columns region, expected_value)."""
    title = tr("plot.by_region_title", lang)
    if result.empty:
        return _empty(title, lang)
    by = (
        result.groupby(result["region"].fillna("?"))["expected_value"]
        .agg(["sum", "size"])
        .sort_values("sum")
    )
    fig = go.Figure(
        go.Bar(
            x=by["sum"],
            y=by.index,
            orientation="h",
            marker_color="#2a6f97",
            customdata=np.c_[[fmt_money(v, lang) for v in by["sum"]], by["size"]],
            hovertemplate="%{y}: %{customdata[0]} (%{customdata[1]})<extra></extra>",
            text=[fmt_money(v, lang) for v in by["sum"]],
            textposition="auto",
        )
    )
    fig.update_layout(
        **_LAYOUT,
        title=title,
        xaxis_title=tr("plot.expected_value", lang),
        yaxis_title=tr("plot.region", lang),
    )
    return fig


def seasonality_heatmap(
    profiles: pd.DataFrame, lang: str | None = None, *, label: str = "name"
) -> go.Figure:
    """Month x client heatmap of the listed clients' purchase profiles (columns m01..m12 and
    ``label``): the share of each client's orders falling in each calendar month."""
    title = tr("plot.heatmap_title", lang)
    cols = [f"m{i:02d}" for i in range(1, 13)]
    if profiles.empty or not set(cols) <= set(profiles.columns):
        return _empty(title, lang)
    z = profiles[cols].fillna(0).to_numpy(dtype=float)
    names = (
        profiles[label].fillna(profiles.get("client_id", "")).astype(str).str.slice(0, 28).tolist()
    )
    months = [month_name(i, lang, width="abbreviated") for i in range(1, 13)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=months,
            y=names,
            colorscale="Blues",
            zmin=0,
            colorbar={"title": tr("plot.share_of_orders", lang), "tickformat": ".0%"},
            hovertemplate="%{y}, %{x}: %{z:.0%}<extra></extra>",
        )
    )
    fig.update_layout(
        **{**_LAYOUT, "height": max(320, 22 * len(names) + 120)},
        title=title,
        xaxis_title=tr("plot.month", lang),
        yaxis={"autorange": "reversed", "title": ""},
    )
    return fig


def monthly_purchases(monthly: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """A client's revenue per month (columns month, revenue)."""
    title = tr("plot.monthly_title", lang)
    if monthly.empty or monthly["revenue"].abs().sum() == 0:
        return _empty(title, lang)
    m = pd.to_datetime(monthly["month"])
    labels = [f"{month_name(d.month, lang, width='abbreviated')} {d.year}" for d in m]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=monthly["revenue"],
            marker_color="#468faf",
            customdata=[fmt_money(v, lang) for v in monthly["revenue"]],
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        **_LAYOUT,
        title=title,
        xaxis_title=tr("plot.month", lang),
        yaxis_title=tr("plot.revenue", lang),
    )
    return fig


def category_mix(categories: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """A client's revenue by category (columns category, revenue, share)."""
    title = tr("plot.mix_title", lang)
    if categories.empty:
        return _empty(title, lang)
    c = categories.sort_values("revenue")
    fig = go.Figure(
        go.Bar(
            x=c["share"],
            y=c["category"],
            orientation="h",
            marker_color="#61a5c2",
            text=[fmt_percent(v, lang) for v in c["share"]],
            textposition="auto",
            customdata=[fmt_money(v, lang) for v in c["revenue"]],
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        **_LAYOUT,
        title=title,
        xaxis={"title": tr("plot.share_of_revenue", lang), "tickformat": ".0%"},
    )
    return fig


def payment_history(payments: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Days late per invoice, oldest first (columns issued, days_late, amount)."""
    title = tr("plot.payments_title", lang)
    if payments.empty:
        return _empty(title, lang)
    late = payments["days_late"].to_numpy(dtype=float)
    fig = go.Figure(
        go.Bar(
            x=pd.to_datetime(payments["issued"]),
            y=late,
            marker_color=np.where(late > 0, "#c1121f", "#52b788"),
            customdata=[fmt_money(v, lang) for v in payments["amount"]],
            hovertemplate="%{x|%d.%m.%Y}: %{y} · %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        **_LAYOUT,
        title=title,
        xaxis_title=tr("plot.invoice_date", lang),
        yaxis_title=tr("plot.days_late", lang),
    )
    return fig


def weekly_revenue(weeks: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Revenue per ISO week against the same weeks a year earlier (columns week, revenue,
    revenue_last_year)."""
    title = tr("plot.weekly_title", lang)
    if weeks.empty:
        return _empty(title, lang)
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
        **_LAYOUT,
        title=title,
        xaxis_title=tr("plot.iso_week", lang),
        yaxis={
            "title": _money_title("plot.revenue", lang),
            **_compact_axis(
                weeks[["revenue", "revenue_last_year"]].to_numpy().ravel(), lang, from_zero=False
            ),
        },
        separators=_separators(lang),
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def _hbar(
    labels, values, texts, title, xtitle, lang, *, color="#2a6f97", hover=None, compact=False
):
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=color,
            text=texts,
            textposition="auto",
            customdata=hover if hover is not None else texts,
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(
        **{**_LAYOUT, "height": max(260, 34 * len(labels) + 110)},
        title=title,
        xaxis={"title": xtitle, **(_compact_axis(values, lang) if compact else {})},
        separators=_separators(lang),
        yaxis={"automargin": True},
    )
    return fig


def at_risk_reasons(counts: dict[str, int], lang: str | None = None) -> go.Figure:
    """Clients at risk per reason (keys falling_trend, overdue_reorder, overdue_invoices)."""
    title = tr("plot.at_risk_title", lang)
    if not counts or sum(counts.values()) == 0:
        return _empty(title, lang)
    keys = list(counts)[::-1]
    labels = [tr(f"report.col_{k}", lang) for k in keys]
    values = [counts[k] for k in keys]
    return _hbar(
        labels,
        values,
        [fmt_int(v, lang) for v in values],
        title,
        tr("plot.clients", lang),
        lang,
        color="#c1121f",
    )


def new_and_lost(frame: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Clients won and lost in the week with their 12-month revenue (columns status,
    revenue_12m)."""
    title = tr("plot.new_lost_title", lang)
    if frame.empty:
        return _empty(title, lang)
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
        **{**_LAYOUT, "height": 280}, title=title, yaxis_title=tr("plot.clients", lang)
    )
    return fig


def transition_heatmap(matrix: pd.DataFrame, title: str, lang: str | None = None) -> go.Figure:
    """Clients moving between segments: rows the segment a month ago, columns now."""
    if matrix.empty:
        return _empty(title, lang)
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(dtype=float),
            x=[str(c) for c in matrix.columns],
            y=[str(r) for r in matrix.index],
            colorscale="Oranges",
            text=[[fmt_int(v, lang) if v else "" for v in row] for row in matrix.to_numpy()],
            texttemplate="%{text}",
            colorbar={"title": tr("plot.clients", lang)},
            hovertemplate="%{y} → %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(
        **{**_LAYOUT, "height": max(320, 30 * len(matrix) + 140)},
        title=title,
        xaxis_title=tr("plot.segment_now", lang),
        yaxis={"title": tr("plot.segment_before", lang), "autorange": "reversed"},
    )
    return fig


def expected_by(frame: pd.DataFrame, key: str, lang: str | None = None) -> go.Figure:
    """Expected value of all scored clients by ``key`` (manager or region); columns ``key``,
    clients, expected_value."""
    title = tr(f"plot.expected_by_{key}", lang)
    if frame.empty or frame["expected_value"].sum() == 0:
        return _empty(title, lang)
    f = frame.sort_values("expected_value")
    return _hbar(
        f[key].astype(str).tolist(),
        f["expected_value"].tolist(),
        [fmt_money(v, lang, whole=True) for v in f["expected_value"]],
        title,
        _money_title("plot.expected_value", lang),
        lang,
        compact=True,
        hover=[
            f"{fmt_money(v, lang, whole=True)} · {fmt_int(n, lang)}"
            for v, n in zip(f["expected_value"], f["clients"], strict=True)
        ],
    )


def illiquid_stock(frame: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Money tied up in illiquid SKUs (columns sku, name, stock_value, days_on_stock)."""
    title = tr("plot.illiquid_title", lang)
    if frame.empty:
        return _empty(title, lang)
    f = frame.sort_values("stock_value")
    labels = [
        (n if sku in n else f"{sku} {n}")[:40]
        for sku, n in zip(f["sku"].astype(str), f["name"].fillna("").astype(str), strict=True)
    ]
    return _hbar(
        labels,
        f["stock_value"].tolist(),
        [fmt_money(v, lang, whole=True) for v in f["stock_value"]],
        title,
        _money_title("plot.stock_value", lang),
        lang,
        color="#bc6c25",
        compact=True,
        hover=[
            f"{fmt_money(v, lang, whole=True)} · {tr('plot.days_on_stock_n', lang, days=fmt_int(d, lang))}"
            for v, d in zip(f["stock_value"], f["days_on_stock"], strict=True)
        ],
    )


_ROAD = ["new", "contact_1", "contact_2", "contact_3", "deal", "deal_support", "client"]


def pipeline_funnel(funnel: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Clients per pipeline state (columns state, clients, overdue)."""
    title = tr("plot.funnel_title", lang)
    if funnel.empty or funnel["clients"].sum() == 0:
        return _empty(title, lang)
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
    fig.update_layout(**{**_LAYOUT, "height": 420}, title=title)
    return fig


def order_mix(frame: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """The hunting share of each manager's revenue: new categories for existing clients and
    new clients, stacked (columns manager, new_category, new_client and their *_share
    columns). Routine reorders are the rest of the bar's 100 %, in the table; drawn, they would
    flatten every manager into the same grey bar. Hunters first."""
    title = tr("plot.order_mix_title", lang)
    if frame.empty:
        return _empty(title, lang)
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
        **{**_LAYOUT, "height": max(280, 40 * len(f) + 140)},
        title=title,
        barmode="stack",
        xaxis={"title": tr("plot.hunting_share", lang), "tickformat": ".1%", "rangemode": "tozero"},
        yaxis={"automargin": True},
        legend={"orientation": "h", "y": -0.3},
        separators=_separators(lang),
    )
    return fig


def abc_xyz_matrix(segments: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Clients and revenue in each ABC x XYZ cell (columns abc, xyz, revenue_12m)."""
    title = tr("plot.abc_xyz_title", lang)
    s = segments.dropna(subset=["abc", "xyz"])
    if s.empty:
        return _empty(title, lang)
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
    fig = go.Figure(
        go.Heatmap(
            z=n.to_numpy(dtype=float),
            x=list("XYZ"),
            y=list("ABC"),
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            colorbar={"title": tr("plot.clients", lang)},
            hovertemplate="%{y}%{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        **{**_LAYOUT, "height": 360},
        title=title,
        xaxis_title=tr("plot.xyz_axis", lang),
        yaxis={"title": tr("plot.abc_axis", lang), "autorange": "reversed"},
    )
    return fig


def rfm_grid(segments: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Clients by recency score (rows) and frequency score (columns), 1-5 (columns rfm_r,
    rfm_f as in the segments table)."""
    title = tr("plot.rfm_title", lang)
    s = segments.dropna(subset=["rfm_r", "rfm_f"])
    if s.empty:
        return _empty(title, lang)
    scores = [1, 2, 3, 4, 5]
    n = pd.crosstab(s["rfm_r"].astype(int), s["rfm_f"].astype(int)).reindex(
        index=scores[::-1], columns=scores, fill_value=0
    )
    fig = go.Figure(
        go.Heatmap(
            z=n.to_numpy(dtype=float),
            x=[str(v) for v in scores],
            y=[str(v) for v in scores[::-1]],
            text=[[fmt_int(v, lang) for v in row] for row in n.to_numpy()],
            texttemplate="%{text}",
            colorscale="Greens",
            colorbar={"title": tr("plot.clients", lang)},
            hovertemplate="R %{y}, F %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(
        **{**_LAYOUT, "height": 380},
        title=title,
        xaxis_title=tr("plot.frequency_score", lang),
        yaxis_title=tr("plot.recency_score", lang),
    )
    return fig


def cluster_profiles(profiles: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """How each behavioural cluster differs from the average client: standardised means of the
    clustering features (rows clusters by name, columns features, values in standard
    deviations from the mean)."""
    title = tr("plot.clusters_title", lang)
    if profiles.empty:
        return _empty(title, lang)
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
            **_LAYOUT,
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
    ``dimension`` (the frame of :func:`kapot.models.segments.who_buys`)."""
    title = tr("plot.who_buys_title", lang, item=item, dimension=tr(f"plot.dim_{dimension}", lang))
    f = frame[frame["dimension"] == dimension]
    if f.empty or f["buyers"].sum() == 0:
        return _empty(title, lang)
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
        **_LAYOUT,
        title=title,
        barmode="group",
        yaxis={"title": tr("plot.share_of_clients", lang), "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.3},
    )
    return fig


def peak_months(seasonality: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Clients with a significant purchase peak per calendar month, own history and borrowed
    from the industry stacked (the seasonality table: seasonal, source, peak_month)."""
    s = seasonality[seasonality["seasonal"].fillna(False).astype(bool)]
    title = tr("explorer.peak_months_title", lang, count=fmt_int(len(s), lang))
    if s.empty:
        return _empty(title, lang)
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
        **_LAYOUT,
        barmode="stack",
        title=title,
        xaxis_title=tr("plot.month", lang),
        yaxis_title=tr("plot.clients", lang),
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
