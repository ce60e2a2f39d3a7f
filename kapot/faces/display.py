"""HTML building blocks for the weekly report and the notebooks: localized tables, plotly
figures embedded offline, and report sections.

A report must open on a laptop without network and look the same on every rerun, so figures
are written with ``include_plotlyjs=False`` and fixed element ids, and plotly.js itself is
inlined once (:func:`plotly_js`). Tables are formatted here with Babel through
:mod:`kapot.i18n`, never by hand.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from kapot.i18n import (
    _catalogue,
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_percent,
    month_name,
    tr,
)

__all__ = [
    "Column",
    "table_html",
    "text_table",
    "figure_html",
    "plotly_js",
    "Section",
    "REPORT_CSS",
]

REPORT_CSS = """
.kapot-section { margin: 1.6em 0 2.4em; }
.kapot-section h2 { font-size: 1.35em; margin: 0 0 .25em; border-bottom: 2px solid #2a6f97; padding-bottom: .2em; }
.kapot-section h3 { font-size: 1.05em; margin: 1em 0 .3em; }
.kapot-section .kapot-note { color: #444; margin: .2em 0 .8em; max-width: 60em; }
.kapot-section .kapot-empty { color: #666; font-style: italic; }
table.kapot-table { border-collapse: collapse; margin: .5em 0 1em; font-size: 13px; }
table.kapot-table th { background: #eef4f8; text-align: left !important; padding: 4px 8px; border-bottom: 1px solid #9ab; }
table.kapot-table td { text-align: left !important; padding: 3px 8px; border-bottom: 1px solid #e3e8ec; vertical-align: top; }
table.kapot-table td.code { white-space: nowrap; }
table.kapot-table td.num { text-align: right !important; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.kapot-table td.up { color: #1b7a3d; } table.kapot-table td.down { color: #b3261e; }
.kapot-kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: .5em 0 1em; }
.kapot-kpi { border: 1px solid #cdd8e0; border-radius: 6px; padding: 8px 14px; min-width: 11em; }
.kapot-kpi .v { font-size: 1.5em; font-weight: 600; }
.kapot-kpi .l { color: #555; font-size: .9em; }
.kapot-kpi .d { font-size: .85em; }
.kapot-kpi .up { color: #1b7a3d; } .kapot-kpi .down { color: #b3261e; }
.kapot-report-head h1 { margin-bottom: .1em; }
.kapot-report-head p { color: #444; margin: .1em 0; }
"""


@dataclass(frozen=True)
class Column:
    """One table column: the frame's column ``name``, the catalogue key of its header and how
    to format it: text, code (never wrapped), money, int, number, percent, share (one
    decimal), signed_percent, date, month, bool,
    state (a pipeline state) or rfm (an RFM segment)."""

    name: str
    header: str
    kind: str = "text"


def _cell(value, kind: str, lang: str | None) -> tuple[str, str]:
    """(text, css class) of one cell."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "", "num" if kind not in ("text", "state", "rfm") else ""
    if kind == "money":
        return fmt_money(float(value), lang, whole=True), "num"
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
    """``frame`` as a plain-text table for a terminal, formatted like the page: columns in
    ``kinds`` as in :class:`Column` (``money`` is exact to the cent, as on the page; also
    ``tier``), dates by Babel in the locale, and blanks (never ``None`` or ``NaN``) for missing
    values. Headers stay the frame's column names (scripts split on them)."""
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
                cells.append(tr(key, lang) if key in _catalogue() else str(v))
            else:
                cells.append(_cell(v, kind, lang)[0])
        out[col] = cells
    with pd.option_context("display.max_rows", None, "display.width", 200):
        return out.to_string(index=False, na_rep="")


def table_html(
    frame: pd.DataFrame, columns: Sequence[Column], lang: str | None = None, *, index: str = ""
) -> str:
    """``frame`` as an HTML table with localized headers and Babel-formatted cells.

    ``frame`` needs every column a :class:`Column` of ``columns`` names.
    """
    head = "".join(f"<th>{html.escape(tr(c.header, lang))}</th>" for c in columns)
    rows = []
    for rec in frame[[c.name for c in columns]].itertuples(index=False, name=None):
        cells = []
        for value, col in zip(rec, columns, strict=True):
            text, css = _cell(value, col.kind, lang)
            cls = f' class="{css.strip()}"' if css.strip() else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{index}"' if index else ""
    return (
        f'<table class="kapot-table"{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def figure_html(fig: go.Figure, div_id: str) -> str:
    """A figure as an HTML fragment with a fixed id (reruns give identical HTML); needs
    plotly.js on the page (:func:`plotly_js`)."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def plotly_js() -> str:
    """plotly.js inlined in a script tag, so the HTML works offline. It is loaded before any
    AMD loader could claim it, so ``window.Plotly`` is always set."""
    from plotly.offline import get_plotlyjs

    return (
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
    )


@dataclass
class Section:
    """A titled block of a report: a note, then figures and tables (HTML fragments) or a
    message saying why it is empty. Displays itself in a notebook."""

    key: str
    title: str
    note: str = ""
    parts: list[str] = field(default_factory=list)
    empty: str = ""

    def add_figure(self, fig: go.Figure) -> Section:
        self.parts.append(figure_html(fig, f"kapot-{self.key}-{len(self.parts)}"))
        return self

    def add_table(
        self, frame: pd.DataFrame, columns: Sequence[Column], lang: str | None
    ) -> Section:
        self.parts.append(
            table_html(frame, columns, lang, index=f"kapot-{self.key}-{len(self.parts)}")
        )
        return self

    def add_html(self, fragment: str) -> Section:
        self.parts.append(fragment)
        return self

    def to_html(self) -> str:
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
