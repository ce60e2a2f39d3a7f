"""Figures of the manager's page: potential by region, the seasonality heatmap, and the client card's purchases, category mix and payments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kapot.faces.plots.layout import empty_figure, hbar, heatmap, vbar
from kapot.i18n import fmt_money, fmt_percent, month_name, tr

__all__ = [
    "potential_by_region",
    "seasonality_heatmap",
    "monthly_purchases",
    "category_mix",
    "payment_history",
]


def potential_by_region(result: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Expected value of the listed clients, summed by region.

    Parameters
    ----------
    result : pandas.DataFrame
        The call list (:meth:`kapot.faces.calculator.Calculator.find`), one row per client;
        columns ``region`` (a missing one counts as "?") and ``expected_value`` (money).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per region, smallest sum at the bottom; the sum on the bar, and the number of
        clients on hover. The "no data" figure for an empty list.
    """
    title = tr("plot.by_region_title", lang)
    if result.empty:
        return empty_figure(title, lang)
    by = (
        result.groupby(result["region"].fillna("?"))["expected_value"]
        .agg(["sum", "size"])
        .sort_values("sum")
    )
    texts = [fmt_money(v, lang) for v in by["sum"]]
    return hbar(
        by.index.tolist(),
        by["sum"].tolist(),
        texts,
        title,
        tr("plot.expected_value", lang),
        lang,
        hover=[f"{t} ({n})" for t, n in zip(texts, by["size"], strict=True)],
    )


def seasonality_heatmap(
    profiles: pd.DataFrame, lang: str | None = None, *, label: str = "name"
) -> go.Figure:
    """Month x client heatmap of the listed clients' purchase profiles: the share of each
    client's orders falling in each calendar month.

    Parameters
    ----------
    profiles : pandas.DataFrame
        One row per client, in the order drawn (top first); columns ``m01`` .. ``m12``
        (shares 0-1, a missing one is 0), ``label`` and, as the fallback of a missing label,
        ``client_id``.
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).
    label : str, default "name"
        The column naming each row (cut to 28 characters).

    Returns
    -------
    plotly.graph_objects.Figure
        The "no data" figure when ``profiles`` is empty or lacks a month column.
    """
    title = tr("plot.heatmap_title", lang)
    cols = [f"m{i:02d}" for i in range(1, 13)]
    if profiles.empty or not set(cols) <= set(profiles.columns):
        return empty_figure(title, lang)
    z = profiles[cols].fillna(0).to_numpy(dtype=float)
    names = (
        profiles[label].fillna(profiles.get("client_id", "")).astype(str).str.slice(0, 28).tolist()
    )
    months = [month_name(i, lang, width="abbreviated") for i in range(1, 13)]
    return heatmap(
        z,
        months,
        names,
        title,
        colorscale="Blues",
        zmin=0,
        colorbar={"title": tr("plot.share_of_orders", lang), "tickformat": ".0%"},
        hover="%{y}, %{x}: %{z:.0%}<extra></extra>",
        height=max(320, 22 * len(names) + 120),
        xtitle=tr("plot.month", lang),
        yaxis={"autorange": "reversed", "title": ""},
    )


def monthly_purchases(monthly: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """A client's revenue per month.

    Parameters
    ----------
    monthly : pandas.DataFrame
        One row per month, oldest first; columns ``month`` (a date in the month) and
        ``revenue`` (money).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per month; the "no data" figure when there is no revenue at all.
    """
    title = tr("plot.monthly_title", lang)
    if monthly.empty or monthly["revenue"].abs().sum() == 0:
        return empty_figure(title, lang)
    m = pd.to_datetime(monthly["month"])
    labels = [f"{month_name(d.month, lang, width='abbreviated')} {d.year}" for d in m]
    return vbar(
        labels,
        monthly["revenue"],
        title,
        tr("plot.month", lang),
        tr("plot.revenue", lang),
        color="#468faf",
        hover=[fmt_money(v, lang) for v in monthly["revenue"]],
        template="%{x}: %{customdata}<extra></extra>",
    )


def category_mix(categories: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """A client's revenue by category.

    Parameters
    ----------
    categories : pandas.DataFrame
        One row per category; columns ``category``, ``revenue`` (money, on hover) and
        ``share`` (of the client's revenue, 0-1, the bar's length).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per category, the largest on top.
    """
    title = tr("plot.mix_title", lang)
    if categories.empty:
        return empty_figure(title, lang)
    c = categories.sort_values("revenue")
    return hbar(
        c["category"].tolist(),
        c["share"].tolist(),
        [fmt_percent(v, lang) for v in c["share"]],
        title,
        tr("plot.share_of_revenue", lang),
        lang,
        color="#61a5c2",
        hover=[fmt_money(v, lang) for v in c["revenue"]],
        tickformat=".0%",
    )


def payment_history(payments: pd.DataFrame, lang: str | None = None) -> go.Figure:
    """Days late per invoice, oldest first.

    Parameters
    ----------
    payments : pandas.DataFrame
        One row per invoice, oldest first; columns ``issued`` (date), ``days_late`` (days
        past the due date, 0 when paid on time; an unpaid one is late up to the date) and
        ``amount`` (money).
    lang : str or None, default None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per invoice, red when late, green when on time.
    """
    title = tr("plot.payments_title", lang)
    if payments.empty:
        return empty_figure(title, lang)
    late = payments["days_late"].to_numpy(dtype=float)
    return vbar(
        pd.to_datetime(payments["issued"]),
        late,
        title,
        tr("plot.invoice_date", lang),
        tr("plot.days_late", lang),
        color=np.where(late > 0, "#c1121f", "#52b788"),
        hover=[fmt_money(v, lang) for v in payments["amount"]],
        template="%{x|%d.%m.%Y}: %{y} · %{customdata}<extra></extra>",
    )
