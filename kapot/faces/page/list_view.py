"""The page's list tab: the summary line, the ranked table, the downloads and the charts."""

from __future__ import annotations

import base64
import html

import ipywidgets as w
import pandas as pd
from IPython.display import display

from kapot.faces import exports
from kapot.faces.calculator import Calculator
from kapot.faces.page.state import export_frame
from kapot.i18n import fmt_money, fmt_percent, tr
from kapot.models import validation
from kapot.models.seasonality import peak_label

__all__ = ["ListView", "table_html", "downloads_html", "voila_plots"]


def voila_plots():
    """:mod:`kapot.faces.plots`, with plotly drawing through the JupyterLab/Voila mimetype
    renderer (no CDN, works offline). Imported and set at the first chart, not at the kernel's
    start: plotly and choosing the renderer (which imports nbformat and jsonschema) cost about
    a second and 30 MB per kernel that most visits, which never open a chart, do not need
    (issue 12; tests/test_session.py checks a served kernel loads none of them)."""
    import os

    import plotly.io as pio

    from kapot.faces import plots
    from kapot.server.session import SERVED_ENV

    if os.environ.get(SERVED_ENV) == "1":
        from kapot.server.charts import use_frames

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

    Columns of ``res``: expected_value; expected_quantity and stock_qty for an illiquid SKU.
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


def _cell(r, c: str, v, lang: str) -> str:
    if c == "score":
        return f'<td class="num">{fmt_percent(v, lang)}</td>'
    if c == "expected_value":
        return f'<td class="num">{fmt_money(v, lang)}</td>'
    if c == "expected_quantity":
        return f'<td class="num">{v:,.0f}</td>'
    if c == "peak_month":
        pm = getattr(r, "peak_pm", None)
        text = peak_label(v, pm, lang, short=True) if pd.notna(v) and v else ""
        return f"<td>{html.escape(text)}</td>"
    if c == "segment":
        return f"<td>{html.escape(tr(f'rfm.{v}', lang)) if isinstance(v, str) else ''}</td>"
    if c == "name":
        label = v if isinstance(v, str) else r.client_id
        tag = f" <small>({html.escape(_t('prospect_tag', lang))})</small>" if r.is_prospect else ""
        return f"<td>{html.escape(label)}{tag}<br><small>{html.escape(r.client_id)}</small></td>"
    if c == "reasons":
        return f'<td class="kapot-reasons">{html.escape(v or "")}</td>'
    cls = ' class="nowrap"' if c == "phone" else ""
    text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
    return f"<td{cls}>{html.escape(text)}</td>"


def table_html(res: pd.DataFrame, lang: str) -> str:
    """The ranked list as an HTML table, every field escaped.

    Parameters
    ----------
    res : DataFrame
        The calculator's list: columns ``rank``, ``client_id``, ``name``, ``is_prospect``,
        ``region``, ``score``, ``expected_value``, ``segment``, ``peak_month``, ``phone``,
        ``reasons``; with ``expected_quantity`` and ``stock_qty`` for an illiquid SKU.
    lang : str
        ``en`` or ``ru``.
    """
    if res.empty:
        return ""
    cols = [
        ("rank", "#"),
        ("name", _t("col_name", lang)),
        ("region", _t("col_region", lang)),
        ("score", _t("col_score", lang)),
        ("expected_value", _t("col_value", lang)),
        ("segment", _t("col_segment", lang)),
        ("peak_month", _t("col_peak", lang)),
        ("phone", _t("col_phone", lang)),
        ("reasons", _t("col_reasons", lang)),
    ]
    if "stock_qty" in res:
        cols.insert(5, ("expected_quantity", _t("col_qty", lang)))
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h in cols)
    rows = [
        f'<tr data-client="{html.escape(r.client_id)}">'
        + "".join(_cell(r, c, getattr(r, c), lang) for c, _ in cols)
        + "</tr>"
        for r in res.itertuples()
    ]
    return (
        f'<div class="kapot-tablebox"><table class="kapot-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def downloads_html(res: pd.DataFrame, lang: str, stamp: str) -> str:
    """Links that download the call list as CSV and XLSX (data: URLs), formula-safe
    (:mod:`kapot.faces.exports`). ``res`` as for :func:`kapot.faces.page.state.export_frame`.

    Columns of ``res``: as for :func:`kapot.faces.page.state.export_frame`.
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


class ListView:
    """The list tab's widgets (``box``) and the charts tab's output (``charts``)."""

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

    def t(self, key: str, **params) -> str:
        return _t(key, self.lang, **params)

    def box(self, message: w.Widget) -> w.VBox:
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
        on the page is current."""
        self.downloads.value = downloads_html(res, self.lang, self.calc.as_of.isoformat())
        self.summary.value = summary_html(
            res, self.lang, self.calc, illiquid=illiquid, why_empty=why_empty
        )
        self.table.value = table_html(res, self.lang)
        self.charts_stale = True

    def draw_charts(self, res: pd.DataFrame) -> None:
        """The charts are drawn when their tab is open (and redrawn on a change while it is)."""
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
