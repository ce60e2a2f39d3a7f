"""Figures of the manager's page: potential by region, the seasonality heatmap, and the client card's purchases, category mix and payments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kapot.faces.plots.layout import (
    LAYOUT,
    empty_figure,
)
from kapot.i18n import fmt_money, fmt_percent, month_name, tr

__all__ = [
    "potential_by_region",
    "seasonality_heatmap",
    "monthly_purchases",
    "category_mix",
    "payment_history",
]


def potential_by_region(result: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Expected value of the listed clients, summed by region (columns region, expected_value)."""
    title = tr("plot.by_region_title", lang)
    if result.empty:
        return empty_figure(title, lang)
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
        **LAYOUT,
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
        return empty_figure(title, lang)
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
        **{**LAYOUT, "height": max(320, 22 * len(names) + 120)},
        title=title,
        xaxis_title=tr("plot.month", lang),
        yaxis={"autorange": "reversed", "title": ""},
    )
    return fig


def monthly_purchases(monthly: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """A client's revenue per month (columns month, revenue)."""
    title = tr("plot.monthly_title", lang)
    if monthly.empty or monthly["revenue"].abs().sum() == 0:
        return empty_figure(title, lang)
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
        **LAYOUT,
        title=title,
        xaxis_title=tr("plot.month", lang),
        yaxis_title=tr("plot.revenue", lang),
    )
    return fig


def category_mix(categories: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """A client's revenue by category (columns category, revenue, share)."""
    title = tr("plot.mix_title", lang)
    if categories.empty:
        return empty_figure(title, lang)
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
        **LAYOUT,
        title=title,
        xaxis={"title": tr("plot.share_of_revenue", lang), "tickformat": ".0%"},
    )
    return fig


def payment_history(payments: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Days late per invoice, oldest first (columns issued, days_late, amount)."""
    title = tr("plot.payments_title", lang)
    if payments.empty:
        return empty_figure(title, lang)
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
        **LAYOUT,
        title=title,
        xaxis_title=tr("plot.invoice_date", lang),
        yaxis_title=tr("plot.days_late", lang),
    )
    return fig
