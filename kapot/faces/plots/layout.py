"""What every figure shares: the layout, money titles, number separators and compact axes in the chosen language, the empty figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from babel.numbers import (
    format_compact_decimal,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

from kapot.i18n import babel_locale, currency_for, tr

if TYPE_CHECKING:
    import numpy.typing as npt

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
    """An axis title with the currency, e.g. 'Revenue, $' / 'Выручка, ₽'.

    Parameters
    ----------
    key : str
        Catalogue key of the label (``plot.revenue``).
    lang : str or None
        ``en`` or ``ru``; None for the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    str
        The label and the symbol of the money currency (:func:`kapot.i18n.currency_for`).
    """
    symbol = get_currency_symbol(currency_for(lang), locale=babel_locale(lang))
    return tr("plot.money_axis", lang, label=tr(key, lang), symbol=symbol)


def separators(lang: str | None) -> str:
    """plotly's decimal and thousands separators for the locale ('.,' or ', ').

    Parameters
    ----------
    lang : str or None
        ``en`` or ``ru``; None for the language in force.

    Returns
    -------
    str
        Two characters for plotly's ``layout.separators``: the decimal sign, then the group
        sign (a non-breaking space becomes a plain one).
    """
    group = get_group_symbol(babel_locale(lang)).replace("\u00a0", " ").replace("\u202f", " ")
    return get_decimal_symbol(babel_locale(lang)) + group


def compact_axis(
    values: npt.ArrayLike, lang: str | None, *, n: int = 5, from_zero: bool = True
) -> dict:
    """Axis ticks with Babel's compact labels ('1.5M' / '1,5 млн'), which plotly's own SI
    suffixes cannot say in Russian: about ``n`` round steps over the values' range (from 0 for
    bars).

    Parameters
    ----------
    values : array-like of float
        The values the axis shows; NaN and infinities are ignored.
    lang : str or None
        ``en`` or ``ru``; None for the language in force.
    n : int, default 5
        About how many steps; a step is 1, 2, 2.5 or 5 times a power of ten.
    from_zero : bool, default True
        Start the ticks at 0 (bars) rather than at the smallest value (lines).

    Returns
    -------
    dict
        ``tickvals`` and ``ticktext`` for a plotly axis; empty when no value is finite and
        positive (plotly's own ticks then).
    """
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
    """A figure with only ``title`` and a "no data" note, for an empty frame.

    Parameters
    ----------
    title : str
        The figure's title, already translated.
    lang : str or None
        ``en`` or ``ru`` for the note; None for the language in force.

    Returns
    -------
    plotly.graph_objects.Figure
        The shared layout, hidden axes and the note in the middle.
    """
    fig = go.Figure(layout={**LAYOUT, "title": title})
    fig.add_annotation(
        text=tr("plot.no_data", lang), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def hbar(
    labels: Sequence[str],
    values: Sequence[float],
    texts: Sequence[str],
    title: str,
    xtitle: str,
    lang: str | None,
    *,
    color: str | Sequence[str] = "#2a6f97",
    hover: Sequence[str] | None = None,
    compact: bool = False,
    tickformat: str | None = None,
) -> go.Figure:
    """A horizontal bar chart of ``values`` by ``labels``, with ``texts`` on the bars (and on
    hover unless ``hover`` is given); a compact money axis with ``compact``, or the axis's
    plotly ``tickformat``.

    Parameters
    ----------
    labels, values, texts : list
        One per bar, bottom to top: the y labels, the bar lengths, the formatted text on them.
    title, xtitle : str
        The figure's and the x axis's titles, already translated.
    lang : str or None
        ``en`` or ``ru`` for separators and compact ticks; None for the language in force.
    color : str or list of str, default "#2a6f97"
        One colour, or one per bar.
    hover : list of str, optional
        The hover text per bar; ``texts`` when None.
    compact : bool, default False
        Babel's compact tick labels (:func:`compact_axis`), for money.
    tickformat : str, optional
        A plotly (d3) tick format for the x axis, e.g. ``".0%"``.

    Returns
    -------
    plotly.graph_objects.Figure
        At least 260 px high, 34 px per bar.
    """
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
    z: npt.ArrayLike,
    x: Sequence[str],
    y: Sequence[str],
    title: str,
    *,
    colorscale: str,
    colorbar: dict,
    hover: str,
    height: int,
    xtitle: str,
    yaxis: dict,
    text: Sequence[Sequence[str]] | None = None,
    zmin: float | None = None,
) -> go.Figure:
    """A heatmap of the matrix ``z`` (rows ``y``, columns ``x``), with ``text`` in the cells
    when given, the ``hover`` template, and the y axis as ``yaxis`` (title, order).

    Parameters
    ----------
    z : array-like of float, shape (len(y), len(x))
        The cells' values, which the colours show.
    x, y : list of str
        The columns' and the rows' labels.
    title, xtitle : str
        The figure's and the x axis's titles, already translated.
    colorscale : str
        A plotly colour scale name (``"Blues"``).
    colorbar : dict
        The plotly colour bar (its ``title``, ``tickformat``).
    hover : str
        The plotly hover template.
    height : int
        The figure's height in pixels.
    yaxis : dict
        The plotly y axis (``title``, ``autorange="reversed"`` for the first row on top).
    text : list of list of str, optional
        The text in each cell, same shape as ``z``; none when None.
    zmin : float, optional
        The value of the scale's lowest colour; the data's minimum when None.

    Returns
    -------
    plotly.graph_objects.Figure
    """
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


def vbar(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    title: str,
    xtitle: str,
    ytitle: str,
    *,
    color: str | npt.ArrayLike,
    hover: Sequence[str],
    template: str,
) -> go.Figure:
    """A vertical bar chart of ``y`` over ``x`` (``color`` one colour or one per bar), with
    ``hover`` as the customdata of the plotly hover ``template``.

    Parameters
    ----------
    x, y : array-like
        The bars' positions (labels or dates) and heights.
    title, xtitle, ytitle : str
        The figure's and the axes' titles, already translated.
    color : str or array-like of str
        One colour, or one per bar.
    hover : list of str
        Per bar, the ``%{customdata}`` of ``template``.
    template : str
        The plotly hover template.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    fig = go.Figure(go.Bar(x=x, y=y, marker_color=color, customdata=hover, hovertemplate=template))
    fig.update_layout(**LAYOUT, title=title, xaxis_title=xtitle, yaxis_title=ytitle)
    return fig
