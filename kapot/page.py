"""The manager's page: ipywidgets wired to :class:`kapot.calculator.Calculator`.

The Voila notebook ``notebooks/potential_calculator.ipynb`` only calls :func:`calculator_page`.
Everything here builds widgets and forwards to library calls; callbacks are wrapped so an error
shows in the page instead of vanishing. Figures are plain ``go.Figure`` drawn into
``ipywidgets.Output`` (FigureWidget goes stale in Voila).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import time
from collections.abc import Callable
from urllib.parse import parse_qs

import ipywidgets as w
import pandas as pd
from IPython.display import display

from kapot import validation
from kapot.calculator import Calculator, Query, client_card
from kapot.errors import KapotError
from kapot.i18n import (
    currency_for,
    fmt_date,
    fmt_money,
    fmt_percent,
    get_lang,
    month_name,
    set_currency,
    tr,
)
from kapot.seasonality import peak_label

__all__ = [
    "HEADLESS_CHROMIUM",
    "HEADLESS_CHROMIUM_ARGS",
    "calculator_page",
    "CalculatorPage",
    "page_params",
    "preload",
    "query_string",
    "apply_presets",
]

# How the tests and the benchmark open the page: Debian's Chromium, headless, with no background
# traffic (this machine has no network beyond the package registries).
HEADLESS_CHROMIUM = "/usr/bin/chromium"
HEADLESS_CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)

_CSS = """
<style>
.kapot-page { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1340px; }
.kapot-title { font-size: 22px; font-weight: 600; margin: 4px 0 2px 0; }
.kapot-sub { color: #555; margin-bottom: 8px; }
.kapot-summary { font-size: 15px; margin: 6px 0; }
.kapot-evidence { font-size: 12px; color: #555; margin: 2px 0 6px; }
.kapot-empty { background: #fff4e5; border: 1px solid #f0c36d; padding: 10px; border-radius: 6px; }
.kapot-error { background: #fdecea; border: 1px solid #f5c2c0; padding: 10px; border-radius: 6px; white-space: pre-wrap; }
table.kapot-table { border-collapse: collapse; width: 100%; font-size: 13px; }
table.kapot-table th { background: #f1f5f9; text-align: left; padding: 5px 6px; position: sticky; top: 0; }
table.kapot-table td { border-top: 1px solid #e5e7eb; padding: 4px 6px; vertical-align: top; }
table.kapot-table td.num, table.kapot-table td.nowrap { text-align: right; white-space: nowrap; }
table.kapot-table td.nowrap { text-align: left; }
table.kapot-table tr.overdue td { background: #fff1f0; }
.kapot-reasons { color: #374151; font-size: 12px; }
.kapot-tablebox { max-height: 520px; overflow-y: auto; border: 1px solid #e5e7eb; border-radius: 6px; }
.kapot-downloads a { margin-right: 14px; font-weight: 600; }
</style>
"""


def page_params(defaults: dict, query_string: str | None) -> dict:
    """Parameters of the page: the notebook's ``parameters`` cell, overridden by the URL's query
    string (``?manager=Petrova&region=Moscow&lang=ru``). Only presets are taken from the URL:
    as_of, manager, region(s), category(ies), lang; never the warehouse path."""
    params = dict(defaults)
    q = parse_qs((query_string or "").lstrip("?"))
    if "lang" in q:
        params["lang"] = q["lang"][-1]
    if "manager" in q:
        params["manager"] = q["manager"][-1]
    if "as_of" in q:
        params["as_of"] = q["as_of"][-1]
    for key, plural in (("region", "regions"), ("category", "categories")):
        values = q.get(key, []) + q.get(plural, [])
        if values:
            params[plural] = [v for item in values for v in item.split(",") if v]
    return params


class CalculatorPage:
    """The page's widgets and their wiring. ``widget`` is what the notebook displays."""

    def __init__(
        self,
        calc: Calculator,
        *,
        lang: str | None = None,
        manager: str | None = None,
        regions: list[str] | None = None,
        categories: list[str] | None = None,
        db: str | os.PathLike[str] | None = None,
        now: Callable[[], dt.datetime] = dt.datetime.now,
        scope=None,
    ) -> None:
        from kapot.access import Scope
        from kapot.auth import os_user
        from kapot.worklists import PipelineConfig, WorklistStore, default_store_path

        # who is looking: the logged-in account's scope on the served page (kapot.session);
        # the OS user, seeing everything, in a notebook or papermill run
        self.scope = scope if scope is not None else Scope.local(os_user())
        self.calc = calc
        self.lang = get_lang(lang)
        set_currency(calc.currency)  # the page's money (tables, charts) in the company's currency
        self.db = db
        self.now = now
        self.store = WorklistStore(default_store_path(db), config=PipelineConfig())
        self.result = pd.DataFrame()
        self.last_refresh_ms = 0.0
        self.tabs_ready = False
        t = self.t
        L = self.lang

        # ---- filters
        self.categories = w.SelectMultiple(
            options=calc.categories,
            value=tuple(c for c in (categories or []) if c in calc.categories),
            rows=7,
            description=t("categories"),
            layout=w.Layout(width="320px"),
        )
        self.sku = w.Text(
            placeholder=t("sku_placeholder"), description=t("sku"), layout=w.Layout(width="320px")
        )
        region_opts = calc.regions(self.scope)
        chosen = tuple(r for r in (regions or []) if r in region_opts)
        self.all_regions = w.Checkbox(
            value=not chosen,
            description=t("all_regions"),
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.regions = w.SelectMultiple(
            options=region_opts,
            value=chosen,
            rows=6,
            description=t("regions"),
            layout=w.Layout(width="300px"),
            disabled=not chosen,
        )
        self.pays = w.Checkbox(
            description=t("pays_on_time"), indent=False, layout=w.Layout(width="auto")
        )
        months = [
            (t("peak_any"), "any"),
            (t("peak_current", month=month_name(calc.as_of.month, L)), "current"),
            (t("peak_next", month=month_name(calc.as_of.month % 12 + 1, L)), "next"),
        ]
        months += [(month_name(m, L), m) for m in range(1, 13)]
        self.peak = w.Dropdown(
            options=months, value="any", description=t("peak_month"), layout=w.Layout(width="300px")
        )
        self.off = w.Checkbox(
            description=t("exclude_off"), indent=False, layout=w.Layout(width="auto")
        )
        self.new_only = w.Checkbox(
            description=t("new_buyers"), indent=False, layout=w.Layout(width="auto")
        )
        self.who = w.ToggleButtons(
            options=[
                (t("who_all"), "all"),
                (t("who_existing"), "existing"),
                (t("who_prospects"), "prospects"),
            ],
            value="all",
            style={"button_width": "110px"},
        )
        tiers = ["large", "medium", "small", "non_profile", "prospect"]
        self.tiers = w.SelectMultiple(
            options=[(tr(f"tier.{x}", L), x) for x in tiers],
            rows=5,
            description=t("size_tier"),
            layout=w.Layout(width="300px"),
        )
        segs = [
            "champions",
            "loyal",
            "promising",
            "new",
            "need_attention",
            "at_risk",
            "hibernating",
            "lost",
            "prospect",
        ]
        self.segments = w.SelectMultiple(
            options=[(tr(f"rfm.{x}", L), x) for x in segs],
            rows=5,
            description=t("segment"),
            layout=w.Layout(width="300px"),
        )
        self.limit = w.IntSlider(
            value=50, min=10, max=90, step=5, description=t("list_size"), continuous_update=False
        )
        self.horizon = w.HTML(t("horizon", days=calc.horizon_days))
        slow = calc.slow_movers()  # from memory: no warehouse connection, no engine import
        self.illiquid = w.Dropdown(
            options=[(t("illiquid_off"), "")] + [(s, s) for s in slow[:200]],
            value="",
            description=t("illiquid"),
            layout=w.Layout(width="320px"),
        )
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
        )
        self.descending = w.Checkbox(value=True, description=t("descending"), indent=False)

        # ---- results
        self.summary = w.HTML()
        self.summary.add_class("kapot-summary-box")
        self.table = w.HTML()
        self.table.add_class("kapot-results")
        self.downloads = w.HTML()
        self.downloads.add_class("kapot-downloads")
        self.charts = w.Output()
        self.message = w.HTML()
        self.card_pick = w.Dropdown(
            options=[(t("pick_client"), "")],
            value="",
            description=t("client_card"),
            layout=w.Layout(width="520px"),
        )
        self.card_pick.add_class("kapot-card-pick")
        self.card = w.Output()

        # ---- pipeline
        managers = self.scope.managers(calc.managers())
        self.manager = w.Dropdown(
            options=managers,
            value=manager if manager in managers else (managers[0] if managers else None),
            description=t("manager"),
            layout=w.Layout(width="300px"),
        )
        self.give = w.Button(
            description=t("give_list"), button_style="primary", layout=w.Layout(width="300px")
        )
        self.give.add_class("kapot-give")
        self.pipeline = w.HTML()
        self.pipeline.add_class("kapot-pipeline")
        self.move_client = w.Dropdown(
            options=[], description=t("client"), layout=w.Layout(width="360px")
        )
        self.move_client.add_class("kapot-move-client")
        self.move_state = w.Dropdown(
            options=[(tr(f"state.{s}", L), s) for s in _STATES()],
            description=t("new_state"),
            layout=w.Layout(width="300px"),
        )
        self.move_state.add_class("kapot-move-state")
        self.move_reason = w.Dropdown(
            options=[("", "")] + [(tr(f"refusal.{r}", L), r) for r in _REASONS()],
            description=t("reason"),
            layout=w.Layout(width="300px"),
        )
        self.move_recall = w.DatePicker(description=t("recall_date"))
        self.move_button = w.Button(description=t("move"), button_style="warning")
        self.move_button.add_class("kapot-move")
        self.pipeline_msg = w.HTML()
        # an analyst reads everything and moves nothing (the library refuses it as well)
        self.give.disabled = self.move_button.disabled = not self.scope.can_move

        for widget, cls in (
            (self.pays, "kapot-pays"),
            (self.all_regions, "kapot-all-regions"),
            (self.regions, "kapot-regions"),
            (self.categories, "kapot-categories"),
            (self.new_only, "kapot-new-only"),
        ):
            widget.add_class(cls)
        wide = {"description_width": "initial"}
        for widget in (
            self.categories,
            self.sku,
            self.regions,
            self.peak,
            self.tiers,
            self.segments,
            self.limit,
            self.illiquid,
            self.sort,
            self.card_pick,
            self.manager,
            self.move_client,
            self.move_state,
            self.move_reason,
            self.move_recall,
        ):
            widget.style = wide

        # ---- wiring
        for widget in (
            self.categories,
            self.regions,
            self.pays,
            self.peak,
            self.off,
            self.new_only,
            self.who,
            self.tiers,
            self.segments,
            self.limit,
            self.illiquid,
            self.sort,
            self.descending,
        ):
            widget.observe(self._safe(self.refresh), names="value")
        self.sku.observe(self._safe(self.refresh), names="value")
        self.all_regions.observe(self._safe(self._toggle_regions), names="value")
        self.card_pick.observe(self._safe(self.show_card), names="value")
        self.manager.observe(self._safe(self.show_pipeline), names="value")
        self.give.on_click(self._safe(lambda _: self.give_list()))
        self.move_button.on_click(self._safe(lambda _: self.move()))

        filters = w.HBox(
            [
                w.VBox([self.categories, self.sku, self.illiquid]),
                w.VBox([self.all_regions, self.regions, self.peak]),
                w.VBox([self.pays, self.off, self.new_only, self.who, self.limit, self.horizon]),
                w.VBox([self.tiers, self.segments]),
            ],
            layout=w.Layout(flex_flow="row wrap"),
        )
        head = w.HTML(
            _CSS + f'<div class="kapot-title">{html.escape(t("title"))}</div>'
            f'<div class="kapot-sub">{html.escape(t("subtitle", date=fmt_date(calc.as_of, L), days=calc.horizon_days))}</div>'
        )
        results = w.VBox(
            [
                self.summary,
                w.HBox([self.sort, self.descending]),
                self.table,
                self.downloads,
                self.message,
            ]
        )
        card = w.VBox([self.card_pick, self.card])
        pipe = w.VBox(
            [
                w.HBox([self.manager, self.give]),
                self.pipeline,
                w.HBox([self.move_client, self.move_state]),
                w.HBox([self.move_reason, self.move_recall, self.move_button]),
                self.pipeline_msg,
            ]
        )
        tabs = w.Tab(children=[results, self.charts, card, pipe])
        for i, key in enumerate(("tab_list", "tab_charts", "tab_card", "tab_pipeline")):
            tabs.set_title(i, t(key))
        self.tabs = tabs
        self._charts_stale = True
        tabs.observe(self._safe(self._on_tab), names="selected_index")
        self.message.add_class("kapot-message")
        self.widget = w.VBox([head, filters, self.message, tabs])
        self.widget.add_class("kapot-page")
        self.tabs_ready = True
        self.refresh()
        self.show_pipeline()

    # ------------------------------------------------------------------ helpers
    def t(self, key: str, **params) -> str:
        return tr(f"page.{key}", self.lang, **params)

    def _safe(self, fn: Callable) -> Callable:
        def run(*args, **kwargs):
            try:
                self.message.value = ""
                return fn(*args, **kwargs)
            except KapotError as exc:
                self.message.value = f'<div class="kapot-error">{html.escape(str(exc))}</div>'
            except Exception:  # one line and an error id here, the traceback in the server's log
                from kapot.session import log_error

                self.message.value = (
                    f'<div class="kapot-error">{html.escape(log_error(self.lang))}</div>'
                )

        return run

    def _toggle_regions(self, change=None) -> None:
        self.regions.disabled = self.all_regions.value
        if self.all_regions.value and self.regions.value:
            self.regions.value = ()  # triggers refresh
        else:
            self.refresh()

    def query(self) -> Query:
        skus = tuple(s.strip() for s in self.sku.value.replace(";", ",").split(",") if s.strip())
        if self.illiquid.value:
            skus = (*skus, self.illiquid.value)
        return Query(
            categories=tuple(self.categories.value),
            skus=skus,
            regions=() if self.all_regions.value else tuple(self.regions.value),
            pays_on_time=self.pays.value,
            peak_month=None if self.peak.value == "any" else self.peak.value,
            exclude_off_assortment=self.off.value,
            new_buyers_only=self.new_only.value,
            who=self.who.value,
            size_tiers=tuple(self.tiers.value),
            segments=tuple(self.segments.value),
            limit=self.limit.value,
        )

    # ------------------------------------------------------------------ actions
    def refresh(self, change=None) -> None:
        """Run the query and redraw the summary, the table, the downloads and the charts."""
        t0 = time.perf_counter()
        res = self.calc.find(self.query(), lang=self.lang, scope=self.scope)
        if self.illiquid.value:
            res = self._with_stock(res, self.illiquid.value)
        key = self.sort.value
        res = res.sort_values(
            key, ascending=not self.descending.value, kind="stable", na_position="last"
        )
        self.result = res
        # the table last: once it shows the new list, everything else on the page is current
        self.downloads.value = self._downloads_html(res)
        self.summary.value = self._summary_html(res)
        self.table.value = self._table_html(res)
        opts = [(self.t("pick_client"), "")] + [
            (f"{r.rank}. {r.name or r.client_id} ({r.client_id})", r.client_id)
            for r in res.itertuples()
        ]
        self.card_pick.options = opts
        self._charts_stale = True
        if self.tabs_ready and self.tabs.selected_index == 1:
            self._draw_charts(res)
        self.last_refresh_ms = (time.perf_counter() - t0) * 1000

    def _with_stock(self, res: pd.DataFrame, sku: str) -> pd.DataFrame:
        prods = self.calc.products.set_index("sku")
        prod = (
            prods.loc[sku]
            if sku in prods.index
            else pd.Series({"price": float("nan"), "stock_qty": float("nan")})
        )
        price = float(prod["price"]) if pd.notna(prod["price"]) and prod["price"] else float("nan")
        res = res.copy()
        res["expected_quantity"] = res["expected_value"] / price
        res["stock_qty"] = float(prod["stock_qty"]) if pd.notna(prod["stock_qty"]) else float("nan")
        return res

    def _summary_html(self, res: pd.DataFrame) -> str:
        if res.empty:
            return f'<div class="kapot-empty">{html.escape(self._why_empty())}</div>'
        text = self.t(
            "summary",
            found=f"{res.attrs.get('matched', len(res)):,}".replace(",", "\u202f")
            if self.lang == "ru"
            else f"{res.attrs.get('matched', len(res)):,}",
            shown=len(res),
            value=fmt_money(res["expected_value"].sum(), self.lang),
            total=fmt_money(res.attrs.get("total_expected_value", 0.0), self.lang),
        )
        if self.illiquid.value and "stock_qty" in res:
            text += " " + self.t(
                "stock_line",
                sku=self.illiquid.value,
                qty=f"{res['expected_quantity'].sum():,.0f}",
                stock=f"{res['stock_qty'].iloc[0]:,.0f}",
            )
        proof = validation.evidence(
            validation.main_report(getattr(self.calc, "validation", {})), self.lang
        )
        return (
            f'<div class="kapot-summary">{html.escape(text)}</div>'
            f'<div class="kapot-evidence">{html.escape(proof)}</div>'
        )

    def _why_empty(self) -> str:
        """Which filter emptied the list: the first one that, removed alone, brings clients back."""
        q = self.query()
        checks = [
            ("why_regions", {"regions": ()}),
            ("why_pays", {"pays_on_time": False}),
            ("why_peak", {"peak_month": None}),
            ("why_new", {"new_buyers_only": False}),
            ("why_who", {"who": "all"}),
            ("why_tiers", {"size_tiers": ()}),
            ("why_segments", {"segments": ()}),
            ("why_off", {"exclude_off_assortment": False}),
        ]
        from dataclasses import replace

        for key, change in checks:
            if getattr(q, next(iter(change))) != next(iter(change.values())):
                if len(self.calc.find(replace(q, **change, limit=1), scope=self.scope)):
                    return self.t("empty") + " " + self.t(key)
        return self.t("empty") + " " + self.t("why_all")

    def _table_html(self, res: pd.DataFrame) -> str:
        if res.empty:
            return ""
        L = self.lang
        cols = [
            ("rank", "#"),
            ("name", self.t("col_name")),
            ("region", self.t("col_region")),
            ("score", self.t("col_score")),
            ("expected_value", self.t("col_value")),
            ("segment", self.t("col_segment")),
            ("peak_month", self.t("col_peak")),
            ("phone", self.t("col_phone")),
            ("reasons", self.t("col_reasons")),
        ]
        if "stock_qty" in res:
            cols.insert(5, ("expected_quantity", self.t("col_qty")))
        head = "".join(f"<th>{html.escape(h)}</th>" for _, h in cols)
        rows = []
        for r in res.itertuples():
            cells = []
            for c, _ in cols:
                v = getattr(r, c)
                if c == "score":
                    cells.append(f'<td class="num">{fmt_percent(v, L)}</td>')
                elif c == "expected_value":
                    cells.append(f'<td class="num">{fmt_money(v, L)}</td>')
                elif c == "expected_quantity":
                    cells.append(f'<td class="num">{v:,.0f}</td>')
                elif c == "peak_month":
                    pm = getattr(r, "peak_pm", None)
                    text = peak_label(v, pm, L, short=True) if pd.notna(v) and v else ""
                    cells.append(f"<td>{html.escape(text)}</td>")
                elif c == "segment":
                    cells.append(
                        f"<td>{html.escape(tr(f'rfm.{v}', L)) if isinstance(v, str) else ''}</td>"
                    )
                elif c == "name":
                    label = v if isinstance(v, str) else r.client_id
                    tag = (
                        f" <small>({html.escape(self.t('prospect_tag'))})</small>"
                        if r.is_prospect
                        else ""
                    )
                    cells.append(
                        f"<td>{html.escape(label)}{tag}<br><small>{html.escape(r.client_id)}</small></td>"
                    )
                elif c == "reasons":
                    cells.append(f'<td class="kapot-reasons">{html.escape(v or "")}</td>')
                else:
                    cls = ' class="nowrap"' if c == "phone" else ""
                    text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
                    cells.append(f"<td{cls}>{html.escape(text)}</td>")
            rows.append(f'<tr data-client="{html.escape(r.client_id)}">{"".join(cells)}</tr>')
        return f'<div class="kapot-tablebox"><table class="kapot-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'

    def export_frame(self, res: pd.DataFrame | None = None) -> pd.DataFrame:
        """The call list with headers in the page's language: client, contacts, region,
        reasons, score, peak month, manager."""
        res = self.result if res is None else res
        L = self.lang
        out = pd.DataFrame(
            {
                self.t("col_client_id"): res["client_id"],
                self.t("col_name"): res["name"],
                self.t("col_contact"): res["contact_person"],
                self.t("col_phone"): res["phone"],
                self.t("col_email"): res["email"],
                self.t("col_region"): res["region"],
                self.t("col_manager"): res["manager"],
                self.t("col_score"): res["score"].round(4),
                tr(
                    "currency.money_header", L, label=self.t("col_value"), code=currency_for(L)
                ): res["expected_value"].round(2),
                self.t("col_peak"): [
                    month_name(int(v), L) if pd.notna(v) and v else "" for v in res["peak_month"]
                ],
                self.t("col_reasons"): res["reasons"],
            }
        )
        return out

    def _downloads_html(self, res: pd.DataFrame) -> str:
        if res.empty:
            return ""
        from kapot import exports

        frame = self.export_frame(res)  # no formula survives into a spreadsheet (kapot.exports)
        csv = exports.to_csv_text(frame).encode("utf-8-sig")  # BOM: Excel opens Cyrillic right
        xlsx = exports.to_xlsx_bytes(frame)
        stamp = self.calc.as_of.isoformat()
        links = [
            (f"kapot_calls_{stamp}.csv", "text/csv", csv, self.t("download_csv")),
            (
                f"kapot_calls_{stamp}.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                xlsx,
                self.t("download_xlsx"),
            ),
        ]
        return "".join(
            f'<a class="kapot-dl-{name.rsplit(".", 1)[1]}" download="{name}" href="data:{mime};base64,{base64.b64encode(data).decode()}">{html.escape(label)}</a>'
            for name, mime, data, label in links
        )

    def _on_tab(self, change=None) -> None:
        if self.tabs.selected_index == 1 and self._charts_stale:
            self._draw_charts(self.result)

    def _draw_charts(self, res: pd.DataFrame) -> None:
        """The charts are drawn when their tab is open (and redrawn on a change while it is)."""
        plots = _plots()

        self._charts_stale = False
        with self.charts:
            self.charts.clear_output(wait=True)
            display(plots.potential_by_region(res, self.lang))
            prof = (
                self.calc.clients.set_index("client_id")
                .reindex(res["client_id"].head(40))
                .reset_index()
            )
            display(plots.seasonality_heatmap(prof, self.lang))

    def show_card(self, change=None) -> None:
        plots = _plots()

        cid = self.card_pick.value
        with self.card:
            self.card.clear_output(wait=True)
            if not cid:
                return
            data = client_card(cid, db=self.db, as_of=self.calc.as_of, scope=self.scope)
            row = self.calc.clients.set_index("client_id").loc[cid]
            info = [
                row.get("name") or cid,
                row.get("region") or "",
                row.get("industry") or "",
                row.get("contact_person") or "",
                row.get("phone") or "",
                row.get("email") or "",
            ]
            display(
                w.HTML(
                    f'<div class="kapot-card-head"><b>{html.escape(str(info[0]))}</b> · '
                    + " · ".join(html.escape(str(x)) for x in info[1:] if x)
                    + "</div>"
                )
            )
            display(plots.monthly_purchases(data["monthly"], self.lang))
            display(plots.category_mix(data["categories"], self.lang))
            display(plots.payment_history(data["payments"], self.lang))
            sim = self.calc.similar(cid, limit=8, scope=self.scope)
            rows = "".join(
                f"<tr><td>{html.escape(str(r.name or r.client_id))}</td><td>{html.escape(str(r.region or ''))}</td>"
                f"<td>{html.escape(str(r.industry or ''))}</td><td class='num'>{fmt_percent(r.similarity, self.lang)}</td></tr>"
                for r in sim.itertuples()
            )
            display(
                w.HTML(
                    f"<b>{html.escape(self.t('similar_clients'))}</b><table class='kapot-table kapot-similar'>"
                    f"<tr><th>{html.escape(self.t('col_name'))}</th><th>{html.escape(self.t('col_region'))}</th>"
                    f"<th>{html.escape(self.t('col_industry'))}</th><th>{html.escape(self.t('col_similarity'))}</th></tr>{rows}</table>"
                )
            )

    # ------------------------------------------------------------------ pipeline
    def give_list(self) -> None:
        from kapot import access

        manager = self.manager.value
        added = access.give_list(
            self.store,
            self.scope,
            self.calc,
            manager,
            self.query(),
            at=self.now(),
            size=min(max(self.limit.value, 1), 90),
            lang=self.lang,
        )
        self.pipeline_msg.value = html.escape(self.t("given", manager=manager, added=len(added)))
        self.show_pipeline()

    def show_pipeline(self, change=None) -> None:
        manager = self.manager.value
        if manager is None:
            return
        from kapot import access

        view = access.show_pipeline(self.store, self.scope, manager, at=self.now())
        names = self.calc.clients.set_index("client_id")["name"]
        L = self.lang
        previous = self.move_client.value
        if view.empty:
            self.pipeline.value = f'<div class="kapot-empty">{html.escape(self.t("pipeline_empty", manager=manager))}</div>'
        else:
            funnel = self.store.funnel(manager, at=self.now())
            chips = " · ".join(
                f"{html.escape(tr(f'state.{r.state}', L))}: {r.clients}"
                for r in funnel.itertuples()
                if r.clients
            )
            rows = "".join(
                f'<tr class="{"overdue" if r.overdue else ""}" data-client="{html.escape(r.client_id)}">'
                f"<td>{html.escape(str(names.get(r.client_id, r.client_id)))}<br><small>{html.escape(r.client_id)}</small></td>"
                f"<td>{html.escape(tr(f'state.{r.state}', L))}</td><td class='num'>{r.days_in_work}</td>"
                f"<td>{html.escape(self.t('overdue') if r.overdue else '')}</td></tr>"
                for r in view.itertuples()
            )
            self.pipeline.value = (
                f'<div class="kapot-summary">{chips}</div><div class="kapot-tablebox"><table class="kapot-table">'
                f"<tr><th>{html.escape(self.t('col_name'))}</th><th>{html.escape(self.t('state'))}</th>"
                f"<th>{html.escape(self.t('days_in_work'))}</th><th></th></tr>{rows}</table></div>"
            )
        options = [
            (
                f"{names.get(r.client_id, r.client_id)} ({r.client_id}) — {tr(f'state.{r.state}', L)}",
                r.client_id,
            )
            for r in view.itertuples()
        ]
        self.move_client.options = options
        # replacing options leaves no value in ipywidgets 8: keep the chosen client, else the first
        ids = [v for _, v in options]
        self.move_client.value = previous if previous in ids else (ids[0] if ids else None)

    def move(self) -> None:
        cid, state = self.move_client.value, self.move_state.value
        if not cid:
            return
        from kapot import access

        current = (
            access.show_pipeline(self.store, self.scope, self.manager.value, at=self.now())
            .set_index("client_id")["state"]
            .get(cid)
        )
        recall = self.move_recall.value
        access.move(
            self.store,
            self.scope,
            cid,
            state,
            at=self.now(),
            reason=self.move_reason.value or None,
            recall_date=recall,
            expected_state=current,
        )
        self.pipeline_msg.value = html.escape(
            self.t(
                "moved",
                client=cid,
                old=tr(f"state.{current}", self.lang),
                new=tr(f"state.{state}", self.lang),
            )
        )
        self.show_pipeline()


def _STATES() -> tuple[str, ...]:
    from kapot.worklists import STATES

    return STATES


def _REASONS() -> tuple[str, ...]:
    from kapot.worklists import REFUSAL_REASONS

    return tuple(REFUSAL_REASONS)


def calculator_page(
    *,
    db: str | None = None,
    as_of: str | dt.date | None = None,
    lang: str = "en",
    manager: str | None = None,
    regions: list[str] | None = None,
    categories: list[str] | None = None,
    query_string: str | None = None,
    calculator: Calculator | None = None,
    scope=None,
) -> CalculatorPage:
    """Build the page from the notebook's parameters (and the URL's query string)."""
    p = page_params(
        {
            "db": db,
            "as_of": as_of,
            "lang": lang,
            "manager": manager,
            "regions": regions or [],
            "categories": categories or [],
        },
        query_string,
    )
    when = (
        dt.date.fromisoformat(p["as_of"])
        if isinstance(p["as_of"], str) and p["as_of"]
        else p["as_of"]
    )
    calc = (
        calculator
        if calculator is not None and (when is None or calculator.as_of == when)
        else Calculator.load(db, when or None)
    )
    return CalculatorPage(
        calc,
        lang=p["lang"],
        manager=p["manager"],
        regions=p["regions"],
        categories=p["categories"],
        db=db,
        scope=scope,
    )


def _plots():
    """kapot.plots, with plotly drawing through the JupyterLab/Voila mimetype renderer (no CDN,
    works offline). Set at the first chart, not at the kernel's start: choosing the renderer
    imports nbformat and jsonschema, about a second and 30 MB per kernel that most visits,
    which never open a chart, do not need."""
    import plotly.io as pio

    from kapot import plots

    if pio.renderers.default != "plotly_mimetype":
        pio.renderers.default = "plotly_mimetype"
    return plots


def preload(db: str | None = None, as_of: str | dt.date | None = None) -> Calculator:
    """Load the scores before the request arrives: in a preheated Voila kernel this runs while
    the kernel waits, so opening the page costs only the widgets."""
    from kapot.session import trim_memory

    when = dt.date.fromisoformat(as_of) if isinstance(as_of, str) and as_of else as_of
    calc = Calculator.load(db, when or None)
    trim_memory()  # a preheated kernel waits with what it uses, not the peak of loading
    return calc


def query_string() -> str:
    """The page URL's query string in Voila (waiting for the request in a preheated kernel);
    empty outside Voila (papermill, JupyterLab)."""
    if "VOILA_KERNEL_ID" not in os.environ:  # not a Voila kernel
        return os.environ.get("QUERY_STRING", "")
    from voila.utils import get_query_string

    return get_query_string() or ""


def apply_presets(
    page: CalculatorPage, query_string: str | None, *, db: str | None = None
) -> CalculatorPage:
    """Apply a preset link to a page built in advance (in the preheated kernel). Only a change
    of language or date needs a new page; regions, categories and the manager are set on the
    existing widgets."""
    p = page_params(
        {"lang": page.lang, "as_of": None, "manager": None, "regions": [], "categories": []},
        query_string,
    )
    as_of = dt.date.fromisoformat(p["as_of"]) if p["as_of"] else None
    if get_lang(p["lang"]) != page.lang or (as_of is not None and as_of != page.calc.as_of):
        return calculator_page(
            db=db,
            lang=p["lang"],
            manager=p["manager"],
            regions=p["regions"],
            categories=p["categories"],
            as_of=as_of,
            calculator=page.calc,
            scope=page.scope,
        )
    if p["manager"] in page.manager.options:
        page.manager.value = p["manager"]
    regions = tuple(r for r in p["regions"] if r in page.regions.options)
    if regions:
        page.all_regions.value = False
        page.regions.value = regions
    categories = tuple(c for c in p["categories"] if c in page.categories.options)
    if categories:
        page.categories.value = categories
    return page
