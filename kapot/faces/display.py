"""HTML building blocks for the weekly report and the notebooks: localized tables, plotly
figures embedded offline, and report sections.

A report must open on a laptop without network and look the same on every rerun, so figures
are written with ``include_plotlyjs=False`` and fixed element ids, and plotly.js itself is
inlined once (:func:`plotly_js`). Tables are formatted here with Babel through
:mod:`kapot.i18n`, never by hand.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd

from kapot.i18n import (
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_percent,
    has_message,
    month_name,
    tr,
)

if TYPE_CHECKING:  # plotly only for the figures: the served page imports this module for its
    import plotly.graph_objects as go  # stylesheet, and its kernels load no plotly (issue 12)

__all__ = [
    "Column",
    "table_html",
    "text_table",
    "figure_html",
    "plotly_js",
    "Section",
    "stylesheet",
]


@cache
def stylesheet() -> str:
    """kapot's one stylesheet: the page, the weekly report and the notebooks all draw their
    tables and blocks with it.

    Returns
    -------
    str
        ``kapot/faces/kapot.css`` in a ``<style>`` tag (read once per process).
    """
    css = resources.files("kapot.faces").joinpath("kapot.css").read_text("utf-8")
    return f"<style>{css}</style>"


@dataclass(frozen=True)
class Column:
    """One table column: which column of the frame it shows, under which header, formatted
    how. Numbers are right-aligned (``td.num``); every text is escaped.

    Parameters
    ----------
    name : str
        The frame's column.
    header : str
        The catalogue key of its header (:func:`kapot.i18n.tr`); empty: no header.
    kind : str
        How to format it: ``text``, ``code`` (never wrapped), ``money`` (whole units),
        ``money_cents``, ``int``, ``number`` (one decimal), ``percent``, ``share`` (a
        percentage with one decimal), ``signed_percent``, ``date``, ``month`` (1..12, named),
        ``bool``, ``state`` (a pipeline state) or ``rfm`` (an RFM segment).
    sub : str
        A column shown small on a second line of the cell; empty: none.
    tag : str
        A column shown small after the text; empty: none.
    css : str
        An extra class of the cells; empty: none.
    """

    name: str
    header: str
    kind: str = "text"
    sub: str = ""
    tag: str = ""
    css: str = ""


def _cell(value, kind: str, lang: str | None) -> tuple[str, str]:
    """(text, css class) of one cell."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "", "num" if kind not in ("text", "state", "rfm") else ""
    if kind == "money":
        return fmt_money(float(value), lang, whole=True), "num"
    if kind == "money_cents":
        return fmt_money(float(value), lang), "num"
    if kind == "int":
        return fmt_int(float(value), lang), "num"
    if kind == "number":
        return fmt_number(float(value), lang, digits=1), "num"
    if kind == "percent":
        return fmt_percent(float(value), lang), "num"
    if kind == "share":  # a small percentage that needs its decimals
        return fmt_percent(float(value), lang, digits=1), "num"
    if kind == "signed_percent":
        v = float(value)
        text = ("+" if v > 0 else "") + fmt_percent(v, lang)
        return text, "num " + ("up" if v > 0 else "down" if v < 0 else "")
    if kind == "date":
        return fmt_date(pd.Timestamp(value).date(), lang), "num"
    if kind == "month":
        return (month_name(int(value), lang) if int(value) > 0 else ""), ""
    if kind == "code":
        return str(value), "code"
    if kind == "bool":
        return tr("report.yes" if bool(value) else "report.no", lang), ""
    if kind == "state":
        return tr(f"state.{value}", lang), ""
    if kind == "rfm":
        return tr(f"rfm.{value}", lang), ""
    return str(value), ""


def text_table(
    frame: pd.DataFrame, lang: str | None = None, *, kinds: dict[str, str] | None = None
) -> str:
    """``frame`` as a plain-text table for a terminal, formatted like the page.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any columns; each is shown, under its own name (scripts split on the headers).
        Datetime columns are formatted as dates unless ``kinds`` says otherwise.
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).
    kinds : dict of str to str, optional
        Column name to kind, as in :class:`Column` (``money`` is exact to the cent, as on the
        page), plus ``tier`` (a size tier's name); columns not named are shown as they are.

    Returns
    -------
    str
        The table, without the index; blanks (never ``None`` or ``NaN``) for missing values.
    """
    kinds = dict(kinds or {})
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        kind = kinds.get(col)
        if kind is None and pd.api.types.is_datetime64_any_dtype(values):
            kind = "date"
        if kind is None:
            out[col] = [
                "" if v is None or (not isinstance(v, str) and pd.isna(v)) else v
                for v in values.astype(object)
            ]
            continue
        cells = []
        for v in values.astype(object):
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                cells.append("")
            elif kind == "money":
                cells.append(fmt_money(float(v), lang))
            elif kind in ("tier", "rfm", "state"):
                key = f"{'tier' if kind == 'tier' else kind}.{v}"
                cells.append(tr(key, lang) if has_message(key) else str(v))
            else:
                cells.append(_cell(v, kind, lang)[0])
        out[col] = cells
    with pd.option_context("display.max_rows", None, "display.width", 200):
        return out.to_string(index=False, na_rep="")


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def rows_html(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    lang: str | None = None,
    *,
    row_attrs: Mapping[str, str] | None = None,
    row_class: str = "",
) -> str:
    """The ``<tr>`` rows of :func:`table_html`, without the table around them.

    Parameters
    ----------
    frame : pandas.DataFrame
        Every column a :class:`Column` of ``columns`` names (with its ``sub`` and ``tag``),
        and those of ``row_attrs`` and ``row_class``.
    columns : sequence of Column
        The cells of each row, in order.
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).
    row_attrs : mapping of str to str, optional
        Attributes of each ``<tr>`` from a column, e.g. ``{"data-client": "client_id"}``.
    row_class : str
        The column holding each row's class (empty: none).

    Returns
    -------
    str
        The rows, every text escaped.

    Raises
    ------
    KeyError
        When ``frame`` lacks a column named.
    """
    attrs = dict(row_attrs or {})
    extra = [c for c in (*attrs.values(), row_class) if c]
    extra += [n for c in columns for n in (c.sub, c.tag) if n]
    names = list(dict.fromkeys([c.name for c in columns] + extra))
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise KeyError(f"table_html: the frame has no column {', '.join(missing)}")
    at = {n: i for i, n in enumerate(names)}
    rows = []
    for rec in frame[names].itertuples(index=False, name=None):
        cells = []
        for col in columns:
            text, css = _cell(rec[at[col.name]], col.kind, lang)
            css = f"{css} {col.css}".strip()
            body = html.escape(text)
            if col.tag and not _blank(rec[at[col.tag]]) and str(rec[at[col.tag]]):
                body += f" <small>{html.escape(str(rec[at[col.tag]]))}</small>"
            if col.sub and not _blank(rec[at[col.sub]]):
                body += f"<br><small>{html.escape(str(rec[at[col.sub]]))}</small>"
            cls = f' class="{html.escape(css)}"' if css else ""
            cells.append(f"<td{cls}>{body}</td>")
        tr_attrs = ""
        if row_class:
            value = rec[at[row_class]]
            tr_attrs += f' class="{html.escape("" if _blank(value) else str(value))}"'
        for attr, name in attrs.items():
            value = rec[at[name]]
            tr_attrs += f' {attr}="{html.escape("" if _blank(value) else str(value))}"'
        rows.append(f"<tr{tr_attrs}>" + "".join(cells) + "</tr>")
    return "".join(rows)


def table_html(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    lang: str | None = None,
    *,
    index: str = "",
    css: str = "",
    row_attrs: Mapping[str, str] | None = None,
    row_class: str = "",
    more_rows: str = "",
    box: bool = False,
) -> str:
    """``frame`` as an HTML table with localized headers and Babel-formatted cells: the one
    table renderer of every face (page, card, pipeline, weekly report). Every cell, header and
    attribute is escaped; an empty frame gives the headers over an empty body.

    Parameters
    ----------
    frame : pandas.DataFrame
        Every column a :class:`Column` of ``columns`` names (with its ``sub`` and ``tag``),
        and those of ``row_attrs`` and ``row_class``.
    columns : sequence of Column
        The columns shown, in order.
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).
    index : str
        The table's element id (fixed, so reruns give identical HTML).
    css : str
        Extra classes of the table beside ``kapot-table``.
    row_attrs : mapping, optional
        Attributes of each ``<tr>`` from a column, e.g. ``{"data-client": "client_id"}``.
    row_class : str
        The column holding each row's class (e.g. ``overdue``).
    more_rows : str
        Rows (:func:`rows_html`, formatted with other columns) appended to the body.
    box : bool
        Wrap the table in a scrolling ``kapot-tablebox``.

    Returns
    -------
    str
        The ``<table>`` (in its ``<div>`` with ``box``).

    Raises
    ------
    KeyError
        When ``frame`` lacks a column named.
    """
    head = "".join(
        f"<th>{html.escape(tr(c.header, lang)) if c.header else ''}</th>" for c in columns
    )
    body = rows_html(frame, columns, lang, row_attrs=row_attrs, row_class=row_class)
    ident = f' id="{html.escape(index)}"' if index else ""
    cls = html.escape(f"kapot-table {css}".strip())
    table = (
        f'<table class="{cls}"{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}{more_rows}</tbody></table>"
    )
    return f'<div class="kapot-tablebox">{table}</div>' if box else table


def figure_html(fig: go.Figure, div_id: str) -> str:
    """A figure as an HTML fragment with a fixed id, so reruns give identical HTML.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The figure.
    div_id : str
        The element id of its ``<div>``.

    Returns
    -------
    str
        The fragment, without plotly.js: the page needs :func:`plotly_js` once.
    """
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def plotly_js() -> str:
    """plotly.js inlined in a script tag, so the HTML works offline.

    It is loaded before any AMD loader could claim it, so ``window.Plotly`` is always set.

    Returns
    -------
    str
        Two ``<script>`` tags (the config, then plotly.js itself, about 4.8 MB).
    """
    # not at the top: a served kernel imports this module for the stylesheet and loads no
    # plotly (about 1 s and 30 MB a kernel, issue 12; tests/test_session.py)
    from plotly.offline import get_plotlyjs

    return (
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
    )


@dataclass
class Section:
    """A titled block of a report: a note, then figures and tables (HTML fragments) or a
    message saying why it is empty. Displays itself in a notebook.

    Parameters
    ----------
    key : str
        The section's element id and ``data-section``; its figures' and tables' ids start
        with ``kapot-<key>-``.
    title : str
        The heading, already translated.
    note : str
        A line under the heading (empty: none).
    parts : list of str
        HTML fragments, in order (usually added with the ``add_`` methods).
    empty : str
        Why the section has nothing to show (empty: it has).
    """

    key: str
    title: str
    note: str = ""
    parts: list[str] = field(default_factory=list)
    empty: str = ""

    def add_figure(self, fig: go.Figure) -> Section:
        """Append a plotly figure, inline, drawn by the report's one plotly.js.

        Parameters
        ----------
        fig : plotly.graph_objects.Figure
            The figure.

        Returns
        -------
        Section
            self, for chaining.
        """
        self.parts.append(figure_html(fig, f"kapot-{self.key}-{len(self.parts)}"))
        return self

    def add_table(
        self, frame: pd.DataFrame, columns: Sequence[Column], lang: str | None
    ) -> Section:
        """Append ``frame`` drawn by :func:`table_html`.

        Parameters
        ----------
        frame : pandas.DataFrame
            Every column a :class:`Column` of ``columns`` names.
        columns : sequence of Column
            The columns shown, in order.
        lang : str or None
            ``en`` or ``ru``; None: the language in force.

        Returns
        -------
        Section
            self, for chaining.
        """
        self.parts.append(
            table_html(frame, columns, lang, index=f"kapot-{self.key}-{len(self.parts)}")
        )
        return self

    def add_html(self, fragment: str) -> Section:
        """Append an HTML fragment as it is.

        Parameters
        ----------
        fragment : str
            HTML whose text the caller escaped.

        Returns
        -------
        Section
            self, for chaining.
        """
        self.parts.append(fragment)
        return self

    def to_html(self) -> str:
        """The section as HTML.

        Returns
        -------
        str
            Its title, note, parts and the empty message in one ``<section>``, texts escaped.
        """
        body = "".join(self.parts) if self.parts else ""
        if self.empty:
            body += f'<p class="kapot-empty">{html.escape(self.empty)}</p>'
        note = f'<p class="kapot-note">{html.escape(self.note)}</p>' if self.note else ""
        return (
            f'<section class="kapot-section" id="{self.key}" data-section="{self.key}">'
            f"<h2>{html.escape(self.title)}</h2>{note}{body}</section>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()
