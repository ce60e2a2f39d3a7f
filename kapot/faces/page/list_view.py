"""The page's list tab: the summary line, the ranked table, the downloads and the charts."""

from __future__ import annotations

import base64
import html
import os
import types

import ipywidgets as w
import pandas as pd
from IPython.display import display

from kapot.faces import exports, validation
from kapot.faces.calculator import Calculator
from kapot.faces.display import Column
from kapot.faces.display import table_html as table_html_
from kapot.faces.page.state import PageText, export_frame
from kapot.faces.wording import peak_label
from kapot.i18n import fmt_money, tr
from kapot.server.session import SERVED_ENV

__all__ = ["ListView", "table_html", "downloads_html", "voila_plots"]


def voila_plots() -> types.ModuleType:
    """:mod:`kapot.faces.plots`, with plotly drawing through the JupyterLab/Voila mimetype
    renderer (no CDN, works offline). Imported and set at the first chart, not at the kernel's
    start: plotly and choosing the renderer (which imports nbformat and jsonschema) cost about
    a second and 30 MB per kernel that most visits, which never open a chart, do not need
    (issue 12; tests/test_session.py checks a served kernel loads none of them).

    Returns
    -------
    module
        :mod:`kapot.faces.plots`; under ``kapot serve``, plotly draws into frames
        (:func:`kapot.server.charts.use_frames`) instead.
    """
    # not at the top, as said above (about a second and 30 MB): plotly, the plots, the charts
    import plotly.io as pio

    from kapot.faces import plots

    if os.environ.get(SERVED_ENV) == "1":
        from kapot.server.charts import use_frames  # plotly too

        use_frames()  # kapot serve: plotly.js only when a chart is opened (kapot.server.charts)
    elif pio.renderers.default != "plotly_mimetype":
        pio.renderers.default = "plotly_mimetype"
    return plots


def _t(key: str, lang: str, **params) -> str:
    return tr(f"page.{key}", lang, **params)


def summary_html(
    res: pd.DataFrame, lang: str, calc: Calculator, *, illiquid: str, why_empty: str
) -> str:
    """The line above the list: how many clients match and their value (with the stock moved
    for an illiquid SKU) and the evidence line; or why the list is empty.

    Parameters
    ----------
    res : pandas.DataFrame
        The list (:meth:`Calculator.find`); column ``expected_value``, and
        ``expected_quantity`` and ``stock_qty`` for an illiquid SKU; its ``attrs``
        ``matched`` and ``total_expected_value`` (of every client matched).
    lang : str
        ``en`` or ``ru``.
    calc : Calculator
        The loaded scores: their validation gives the evidence line.
    illiquid : str
        The illiquid SKU chosen; empty for none.
    why_empty : str
        For an empty list, the reason code (:func:`kapot.faces.page.state.why_empty`).

    Returns
    -------
    str
        HTML, every text escaped.
    """
    if res.empty:
        text = _t("empty", lang) + " " + _t(why_empty, lang)
        return f'<div class="kapot-empty">{html.escape(text)}</div>'
    matched = res.attrs.get("matched", len(res))
    text = _t(
        "summary",
        lang,
        found=f"{matched:,}".replace(",", "\u202f") if lang == "ru" else f"{matched:,}",
        shown=len(res),
        value=fmt_money(res["expected_value"].sum(), lang),
        total=fmt_money(res.attrs.get("total_expected_value", 0.0), lang),
    )
    if illiquid and "stock_qty" in res:
        text += " " + _t(
            "stock_line",
            lang,
            sku=illiquid,
            qty=f"{res['expected_quantity'].sum():,.0f}",
            stock=f"{res['stock_qty'].iloc[0]:,.0f}",
        )
    proof = validation.evidence(validation.main_report(getattr(calc, "validation", {})), lang)
    return (
        f'<div class="kapot-summary">{html.escape(text)}</div>'
        f'<div class="kapot-evidence">{html.escape(proof)}</div>'
    )


_LIST_COLUMNS = [
    Column("rank", "page.col_rank", "int"),
    Column("label", "page.col_name", sub="client_id", tag="tag"),
    Column("region", "page.col_region"),
    Column("score", "page.col_score", "percent"),
    Column("expected_value", "page.col_value", "money_cents"),
    Column("segment", "page.col_segment", "rfm"),
    Column("peak", "page.col_peak"),
    Column("phone", "page.col_phone", "code"),
    Column("reasons", "page.col_reasons", css="kapot-reasons"),
]


def table_html(res: pd.DataFrame, lang: str) -> str:
    """The ranked list as an HTML table (:func:`kapot.faces.display.table_html`, every field
    escaped); empty for an empty list (the summary says why).

    Parameters
    ----------
    res : DataFrame
        The calculator's list: columns ``rank``, ``client_id``, ``name``, ``is_prospect``,
        ``region``, ``score``, ``expected_value``, ``segment``, ``peak_month``, ``peak_pm``,
        ``phone``, ``reasons``; with ``expected_quantity`` and ``stock_qty`` for an illiquid
        SKU.
    lang : str
        ``en`` or ``ru``.

    Returns
    -------
    str
        The table, one row per client with its id in ``data-client``.
    """
    if res.empty:
        return ""
    cols = list(_LIST_COLUMNS)
    if "stock_qty" in res:
        cols.insert(5, Column("expected_quantity", "page.col_qty", "int"))
    pm = res["peak_pm"] if "peak_pm" in res else pd.Series(None, index=res.index, dtype=object)
    shown = res.assign(
        label=res["name"].where(res["name"].map(lambda v: isinstance(v, str)), res["client_id"]),
        tag=res["is_prospect"].map(lambda p: f"({_t('prospect_tag', lang)})" if p else ""),
        peak=[
            peak_label(v, p, lang, short=True) if pd.notna(v) and v else ""
            for v, p in zip(res["peak_month"], pm, strict=True)
        ],
        segment=res["segment"].where(res["segment"].map(lambda v: isinstance(v, str))),
    )
    return table_html_(shown, cols, lang, row_attrs={"data-client": "client_id"}, box=True)


def downloads_html(res: pd.DataFrame, lang: str, stamp: str) -> str:
    """Links that download the call list as CSV and XLSX (data: URLs), formula-safe
    (:mod:`kapot.faces.exports`).

    Parameters
    ----------
    res : pandas.DataFrame
        The list, its reasons worded; the columns of
        :func:`kapot.faces.page.state.export_frame`.
    lang : str
        ``en`` or ``ru``.
    stamp : str
        Goes into the files' names, ``kapot_calls_<stamp>.csv``: the scores' date.

    Returns
    -------
    str
        Two ``<a download>`` links; empty for an empty list.
    """
    if res.empty:
        return ""
    frame = export_frame(res, lang)
    csv = exports.to_csv_text(frame).encode("utf-8-sig")  # BOM: Excel opens Cyrillic right
    xlsx = exports.to_xlsx_bytes(frame)
    links = [
        (f"kapot_calls_{stamp}.csv", "text/csv", csv, _t("download_csv", lang)),
        (
            f"kapot_calls_{stamp}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xlsx,
            _t("download_xlsx", lang),
        ),
    ]
    return "".join(
        f'<a class="kapot-dl-{name.rsplit(".", 1)[1]}" download="{name}" href="data:{mime};'
        f'base64,{base64.b64encode(data).decode()}">{html.escape(label)}</a>'
        for name, mime, data, label in links
    )


class ListView(PageText):
    """The list tab's widgets (``box``) and the charts tab's output (``charts``).

    Parameters
    ----------
    calc : Calculator
        The loaded scores: the date (downloads' names), validation and client profiles.
    lang : str
        ``en`` or ``ru``.
    """

    def __init__(self, calc: Calculator, lang: str) -> None:
        self.calc, self.lang = calc, lang
        t = self.t
        self.sort = w.Dropdown(
            options=[
                (t("col_score"), "score"),
                (t("col_value"), "expected_value"),
                (t("col_region"), "region"),
                (t("col_segment"), "segment"),
                (t("col_peak"), "peak_month"),
                (t("col_name"), "name"),
            ],
            value="score",
            description=t("sort_by"),
            layout=w.Layout(width="260px"),
            style={"description_width": "initial"},
        )
        self.descending = w.Checkbox(value=True, description=t("descending"), indent=False)
        self.summary = w.HTML()
        self.summary.add_class("kapot-summary-box")
        self.table = w.HTML()
        self.table.add_class("kapot-results")
        self.downloads = w.HTML()
        self.downloads.add_class("kapot-downloads")
        self.charts = w.Output()
        self.charts_stale = True

    def box(self, message: w.Widget) -> w.VBox:
        """The list's screen: summary, sort, the table, downloads and ``message`` below.

        Parameters
        ----------
        message : ipywidgets.Widget
            The page's message line (errors of the callbacks).

        Returns
        -------
        ipywidgets.VBox
        """
        return w.VBox(
            [
                self.summary,
                w.HBox([self.sort, self.descending]),
                self.table,
                self.downloads,
                message,
            ]
        )

    def show(self, res: pd.DataFrame, *, illiquid: str, why_empty: str) -> None:
        """Redraw for a new list; the table last: once it shows the new list, everything else
        on the page is current.

        Parameters
        ----------
        res : pandas.DataFrame
            The list: the columns of :meth:`Calculator.find`, reasons worded (``reasons``),
            with stock for an illiquid SKU (:func:`summary_html`, :func:`table_html`).
        illiquid : str
            The illiquid SKU chosen; empty for none.
        why_empty : str
            For an empty list, the reason code; empty otherwise.
        """
        self.downloads.value = downloads_html(res, self.lang, self.calc.as_of.isoformat())
        self.summary.value = summary_html(
            res, self.lang, self.calc, illiquid=illiquid, why_empty=why_empty
        )
        self.table.value = table_html(res, self.lang)
        self.charts_stale = True

    def draw_charts(self, res: pd.DataFrame) -> None:
        """The charts of ``res``, drawn when their tab is open (and redrawn on a change while
        it is): potential by region, and the seasonality of the first 40 clients.

        Parameters
        ----------
        res : pandas.DataFrame
            The list (:meth:`Calculator.find`); columns ``client_id``, ``region``,
            ``expected_value``.
        """
        plots = voila_plots()
        self.charts_stale = False
        with self.charts:
            self.charts.clear_output(wait=True)
            display(plots.potential_by_region(res, self.lang))
            prof = (
                self.calc.clients.set_index("client_id")
                .reindex(res["client_id"].head(40))
                .reset_index()
            )
            display(plots.seasonality_heatmap(prof, self.lang))
