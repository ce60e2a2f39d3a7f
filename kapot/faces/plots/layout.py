"""What every figure shares: the layout, money titles, number separators and compact axes in the chosen language, the empty figure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from babel.numbers import (
    format_compact_decimal,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

from kapot.i18n import babel_locale, currency_for, tr

__all__ = [
    "LAYOUT",
    "money_title",
    "separators",
    "compact_axis",
    "empty_figure",
    "hbar",
    "heatmap",
    "vbar",
]


LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "height": 340,
}


def money_title(key: str, lang: str | None) -> str:
    """An axis title with the currency, e.g. 'Revenue, $' / 'Выручка, ₽'."""

    symbol = get_currency_symbol(currency_for(lang), locale=babel_locale(lang))
    return tr("plot.money_axis", lang, label=tr(key, lang), symbol=symbol)


def separators(lang: str | None) -> str:
    """plotly's decimal and thousands separators for the locale ('.,' or ', ')."""

    group = get_group_symbol(babel_locale(lang)).replace("\u00a0", " ").replace("\u202f", " ")
    return get_decimal_symbol(babel_locale(lang)) + group


def compact_axis(values, lang: str | None, *, n: int = 5, from_zero: bool = True) -> dict:
    """Axis ticks with Babel's compact labels ('1.5M' / '1,5 млн'), which plotly's own SI
    suffixes cannot say in Russian: about ``n`` round steps over the values' range (from 0 for
    bars)."""

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
    labels = [
        format_compact_decimal(t, locale=babel_locale(lang), fraction_digits=1) for t in ticks
    ]
    return {"tickvals": ticks.tolist(), "ticktext": labels}


def empty_figure(title: str, lang: str | None) -> go.Figure:
    """A figure with only ``title`` and a "no data" note, for an empty frame."""
    fig = go.Figure(layout={**LAYOUT, "title": title})
    fig.add_annotation(
        text=tr("plot.no_data", lang), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def hbar(
    labels,
    values,
    texts,
    title,
    xtitle,
    lang,
    *,
    color="#2a6f97",
    hover=None,
    compact=False,
    tickformat=None,
):
    """A horizontal bar chart of ``values`` by ``labels``, with ``texts`` on the bars (and on
    hover unless ``hover`` is given); a compact money axis with ``compact``, or the axis's
    plotly ``tickformat``."""
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
        **{**LAYOUT, "height": max(260, 34 * len(labels) + 110)},
        title=title,
        xaxis={
            "title": xtitle,
            **(compact_axis(values, lang) if compact else {}),
            **({"tickformat": tickformat} if tickformat else {}),
        },
        separators=separators(lang),
        yaxis={"automargin": True},
    )
    return fig


def heatmap(
    z,
    x,
    y,
    title: str,
    *,
    colorscale: str,
    colorbar: dict,
    hover: str,
    height: int,
    xtitle: str,
    yaxis: dict,
    text=None,
    zmin: float | None = None,
) -> go.Figure:
    """A heatmap of the matrix ``z`` (rows ``y``, columns ``x``), with ``text`` in the cells
    when given, the ``hover`` template, and the y axis as ``yaxis`` (title, order)."""
    trace = {
        "z": z,
        "x": x,
        "y": y,
        "colorscale": colorscale,
        "colorbar": colorbar,
        "hovertemplate": hover,
    }
    if text is not None:
        trace.update(text=text, texttemplate="%{text}")
    if zmin is not None:
        trace["zmin"] = zmin
    fig = go.Figure(go.Heatmap(**trace))
    fig.update_layout(**{**LAYOUT, "height": height}, title=title, xaxis_title=xtitle, yaxis=yaxis)
    return fig


def vbar(x, y, title: str, xtitle: str, ytitle: str, *, color, hover, template: str) -> go.Figure:
    """A vertical bar chart of ``y`` over ``x`` (``color`` one colour or one per bar), with
    ``hover`` as the customdata of the plotly hover ``template``."""
    fig = go.Figure(go.Bar(x=x, y=y, marker_color=color, customdata=hover, hovertemplate=template))
    fig.update_layout(**LAYOUT, title=title, xaxis_title=xtitle, yaxis_title=ytitle)
    return fig
