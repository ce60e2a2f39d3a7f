"""The weekly report: its sections (shown by ``notebooks/weekly_report.ipynb``) and its
rendering (``kapot report``: papermill runs the notebook, nbconvert writes self-contained HTML).

The report for ISO week W covers sales from Monday to Sunday of W and reads the client
profiles built as of the Monday after (``as_of``, data strictly before it), the build four
weeks earlier for segment movements, and the latest potential scores on or before ``as_of``.
:func:`needed_runs` names the pipeline runs (:func:`kapot.pipeline.run`) that are missing for
a week, and ``kapot report`` runs them; the report itself only reads, so it never blocks a
load, a load never shows it a half-written warehouse, and a report for a date whose pipeline
has run leaves the warehouse file byte-identical.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kapot import plots, runner, validation
from kapot import report as R
from kapot.config import PROJECT_ROOT
from kapot.currency import use_warehouse_currency
from kapot.display import REPORT_CSS, Column, Section, plotly_js
from kapot.errors import KapotError
from kapot.i18n import fmt_date, fmt_int, fmt_money, fmt_percent, get_lang, month_name, tr
from kapot.presets import _slug
from kapot.snapshot import latest_as_of, published_dates
from kapot.warehouse import Warehouse

__all__ = ["WeeklyReport", "needed_runs", "render_report", "REPORT_NOTEBOOK", "SECTIONS"]

REPORT_NOTEBOOK = PROJECT_ROOT / "notebooks" / "weekly_report.ipynb"
TEMPLATES = Path(__file__).resolve().parent / "templates"
SECTIONS = (
    "kpis",
    "peak_next_month",
    "at_risk",
    "new_and_lost",
    "movements",
    "potential",
    "illiquid",
    "pipeline",
    "order_taker",
)
_CLIENT = [
    Column("name", "report.col_name"),
    Column("region", "report.col_region"),
    Column("manager", "report.col_manager"),
]


def _date(value) -> dt.date | None:
    if value is None or (not isinstance(value, (dt.date, str)) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _previous_month(as_of: dt.date) -> dt.date:
    return (pd.Timestamp(as_of) - pd.DateOffset(months=1)).date()


def _scores_on_or_before(db, as_of: dt.date) -> tuple[dt.date | None, int | None]:
    """The latest scored run on or before ``as_of`` and its longest horizon, or (None, None)."""
    try:
        day = latest_as_of(db, scored=True, before=as_of)
    except KapotError:
        return None, None
    from kapot.snapshot import Snapshot

    return day, Snapshot.open(db, day, scored=True).horizon_days


def resolve_week(week: str | None, db=None) -> str:
    """``week`` checked (an ISO week that begins on or before the last sale), or the last
    complete week of the warehouse's sales."""
    with Warehouse(db).read() as con:
        if not week:
            return R.default_week(con)
        start, _ = R.week_bounds(week)
        last = _date(runner.scalar(con, "report/last_sale"))
    if last is None or start > last:
        raise KapotError(tr("report.week_after_data", week=week.upper(), last=str(last or "-")))
    return week.upper()


def needed_runs(week: str, *, db=None) -> list[tuple[dt.date, bool]]:
    """The pipeline runs the report for ``week`` needs and the warehouse lacks, as (date,
    score) pairs: the profiles as of the Monday after and one month earlier, with scores as of
    the Monday after if none exist on or before it. Reads only; empty when all is there."""
    _, as_of = R.week_bounds(week)
    previous = _previous_month(as_of)
    have = published_dates(db)
    with Warehouse(db).read() as con:
        first = _date(runner.scalar(con, "report/first_sale"))
    scored, _ = _scores_on_or_before(db, as_of)
    plan = []
    for day in (as_of, previous):
        score = day == as_of and scored is None
        if (day not in have or score) and first is not None and first < day:
            plan.append((day, score))
    return plan


@dataclass
class WeeklyReport:
    """The weekly report for ISO ``week`` (``2026-W47``), for one ``region`` and/or
    ``manager`` or everyone, in ``lang``. Open it with :meth:`open`; each section method
    returns a :class:`kapot.display.Section` that displays itself in a notebook."""

    week: str
    db: str | os.PathLike[str] | None = None
    region: str | None = None
    manager: str | None = None
    lang: str | None = None
    start: dt.date = field(init=False)
    as_of: dt.date = field(init=False)

    def __post_init__(self) -> None:
        self.week = self.week.upper()
        self.start, self.as_of = R.week_bounds(self.week)
        self.lang = get_lang(self.lang)
        self.scope = R.Scope(region=self.region or None, manager=self.manager or None)
        self._stack = ExitStack()
        self._con = None
        self._calc = None

    @classmethod
    def open(
        cls,
        week: str | None = None,
        *,
        db: str | os.PathLike[str] | None = None,
        region: str | None = None,
        manager: str | None = None,
        lang: str | None = None,
    ) -> WeeklyReport:
        """The report for ``week`` (default: the last complete week of sales). Raises
        :class:`KapotError` when the client profiles for the week have not been built (run
        ``kapot report``, which builds them) or the region or manager is unknown."""
        rep = cls(resolve_week(week, db), db=db, region=region, manager=manager, lang=lang)
        con = rep.con
        use_warehouse_currency(con)  # every figure and table in the company's currency
        if rep.as_of not in published_dates(db):
            raise KapotError(tr("report.not_built", rep.lang, as_of=rep.as_of.isoformat()))
        known = runner.query(con, "report/scope_values")
        for col, value in (("region", rep.scope.region), ("manager", rep.scope.manager)):
            values = known.loc[known["kind"] == col, "value"].tolist()
            if value is not None and value not in values:
                from kapot.calculator import nearest

                raise KapotError(
                    tr(f"filters.unknown_{col}", rep.lang, name=value, near=nearest(value, values))
                )
        return rep

    # ------------------------------------------------------------------ data access
    @property
    def con(self):
        if self._con is None:
            self._con = self._stack.enter_context(Warehouse(self.db).read())
        return self._con

    def close(self) -> None:
        self._stack.close()
        self._con = None

    @property
    def scores(self) -> tuple[dt.date | None, int | None]:
        return _scores_on_or_before(self.db, self.as_of)

    @property
    def calc(self):
        if self._calc is None:
            from kapot.calculator import Calculator

            scored, horizon = self.scores
            if scored is None:
                return None
            self._calc = Calculator.load(self.db, as_of=scored, horizon_days=horizon)
        return self._calc

    def _t(self, key: str, **params) -> str:
        return tr(key, self.lang, **params)

    def _section(self, key: str) -> Section:
        return Section(key, self._t(f"report.{key}_title"))

    # ------------------------------------------------------------------ sections
    def header(self) -> _Raw:
        """Title, scope and the dates the figures come from; also loads plotly.js (inline, so
        the HTML works offline)."""
        last = self.as_of - dt.timedelta(days=1)
        title = self._t("report.title", week=self.week)
        period = self._t(
            "report.period",
            start=fmt_date(self.start, self.lang, format="long"),
            end=fmt_date(last, self.lang, format="long"),
        )
        if self.scope.region and self.scope.manager:
            scope = self._t(
                "report.scope_both", region=self.scope.region, manager=self.scope.manager
            )
        elif self.scope.region:
            scope = self._t("report.scope_region", region=self.scope.region)
        elif self.scope.manager:
            scope = self._t("report.scope_manager", manager=self.scope.manager)
        else:
            scope = self._t("report.scope_all")
        scored, horizon = self.scores
        data = self._t("report.data_line", as_of=fmt_date(self.as_of, self.lang))
        if scored is not None:
            data += " " + self._t(
                "report.scores_line", date=fmt_date(scored, self.lang), days=horizon
            )
        return _Raw(
            f"<style>{REPORT_CSS}</style>{plotly_js()}"
            f'<div class="kapot-report-head"><h1>{html.escape(title)}</h1>'
            f"<p>{html.escape(period)} · {html.escape(scope)}</p>"
            f"<p>{html.escape(data)}</p></div>"
        )

    def kpis(self) -> Section:
        """Revenue, orders, active clients and average order value against the previous week
        and the same week last year, and the last 13 weeks against last year."""
        sec = self._section("kpis")
        k = R.kpis(self.con, self.start, self.scope)
        cards = []
        for kpi in k.index:
            row = k.loc[kpi]
            value = (
                (
                    fmt_money(row["this_week"], self.lang, whole=True)
                    if kpi in ("revenue", "avg_order_value")
                    else fmt_int(row["this_week"], self.lang)
                )
                if row["this_week"] == row["this_week"]
                else "–"
            )
            deltas = []
            for col, label in (
                ("vs_previous", "report.vs_previous"),
                ("vs_last_year", "report.vs_last_year"),
            ):
                v = row[col]
                if v == v:
                    css = "up" if v > 0 else "down" if v < 0 else ""
                    sign = "+" if v > 0 else ""
                    deltas.append(
                        f'<span class="{css}">{sign}{fmt_percent(v, self.lang)}</span> {self._t(label)}'
                    )
                else:
                    deltas.append(f"– {self._t(label)}")
            cards.append(
                f'<div class="kapot-kpi"><div class="l">{self._t(f"report.kpi_{kpi}")}</div>'
                f'<div class="v">{value}</div><div class="d">{"<br>".join(deltas)}</div></div>'
            )
        sec.add_html(f'<div class="kapot-kpis">{"".join(cards)}</div>')
        sec.note = self._t("report.kpis_note")
        sec.add_figure(
            plots.weekly_revenue(R.weekly_revenue(self.con, self.start, self.scope), self.lang)
        )
        table = k.reset_index()
        table["kpi"] = [self._t(f"report.kpi_{x}") for x in table["kpi"]]
        money = table.iloc[[0, 3]]
        counts = table.iloc[[1, 2]]
        cols = [
            Column("kpi", "report.col_kpi"),
            Column("this_week", "report.col_this_week", "money"),
            Column("previous_week", "report.col_previous_week", "money"),
            Column("last_year", "report.col_last_year", "money"),
            Column("vs_previous", "report.col_vs_previous", "signed_percent"),
            Column("vs_last_year", "report.col_vs_last_year", "signed_percent"),
        ]
        int_cols = [Column(c.name, c.header, "int" if c.kind == "money" else c.kind) for c in cols]
        both = pd.concat([money, counts])
        sec.add_html(
            "<div>"
            + _table_rows(both, cols, int_cols, money_rows=len(money), lang=self.lang)
            + "</div>"
        )
        return sec

    def peak_next_month(self, limit: int = 25) -> Section:
        """Clients whose purchase peak is next month: call them now."""
        df = R.peak_next_month(self.con, self.as_of, self.scope, limit=limit)
        month = month_name(df.attrs["month"], self.lang)
        sec = Section("peak_next_month", self._t("report.peak_next_month_title", month=month))
        if df.empty:
            sec.empty = self._t("report.peak_empty", month=month)
            return sec
        sec.note = self._t(
            "report.peak_note",
            count=fmt_int(df.attrs["matched"], self.lang),
            month=month,
            shown=len(df),
        )
        prof = runner.query(
            self.con,
            "report/seasonality_of",
            as_of=self.as_of,
            client_ids=df["client_id"].head(15).tolist(),
        )
        prof = df.head(15)[["client_id", "name"]].merge(prof, on="client_id", how="left")
        sec.add_figure(plots.seasonality_heatmap(prof, self.lang))
        df = df.assign(source=[self._t(f"report.source_{s}") for s in df["source"]])
        sec.add_table(
            df,
            _CLIENT
            + [
                Column("source", "report.col_source"),
                Column("peak_share", "report.col_peak_share", "percent"),
                Column("revenue_12m", "report.col_revenue_12m", "money"),
                Column("last_purchase", "report.col_last_purchase", "date"),
                Column("pays_on_time", "report.col_pays_on_time", "bool"),
            ],
            self.lang,
        )
        return sec

    def at_risk(self, limit: int = 25) -> Section:
        """Clients with a falling trend, an overdue reorder or overdue invoices."""
        sec = self._section("at_risk")
        df = R.at_risk(self.con, self.as_of, self.scope, limit=limit)
        if df.empty:
            sec.empty = self._t("report.at_risk_empty")
            return sec
        sec.note = self._t(
            "report.at_risk_note",
            count=fmt_int(df.attrs["matched"], self.lang),
            revenue=fmt_money(df.attrs["revenue_at_stake"], self.lang, whole=True),
            shown=len(df),
        )
        sec.add_figure(plots.at_risk_reasons(df.attrs["counts"], self.lang))
        flags = ("falling_trend", "overdue_reorder", "overdue_invoices")
        df = df.assign(
            signs=[
                ", ".join(self._t(f"report.sign_{f}") for f in flags if row[f])
                for _, row in df[list(flags)].iterrows()
            ]
        )
        sec.add_table(
            df,
            _CLIENT
            + [
                Column("signs", "report.col_signs"),
                Column("revenue_12m", "report.col_revenue_12m", "money"),
                Column("trend_12m", "report.col_trend_12m", "signed_percent"),
                Column("expected_next_order", "report.col_expected_next_order", "date"),
                Column("overdue_amount", "report.col_overdue_amount", "money"),
            ],
            self.lang,
        )
        return sec

    def new_and_lost(self, limit: int = 15, lost_after_days: int = 180) -> Section:
        """Clients who bought for the first time this week, and clients who passed
        ``lost_after_days`` without a purchase this week."""
        sec = self._section("new_and_lost")
        df = R.new_and_lost(self.con, self.start, self.scope, lost_after_days=lost_after_days)
        n_new, n_lost = int((df["status"] == "new").sum()), int((df["status"] == "lost").sum())
        sec.note = self._t(
            "report.new_and_lost_note",
            new=fmt_int(n_new, self.lang),
            lost=fmt_int(n_lost, self.lang),
            days=lost_after_days,
        )
        if df.empty:
            sec.empty = self._t("report.new_and_lost_empty")
            return sec
        sec.add_figure(plots.new_and_lost(df, self.lang))
        shown = pd.concat(
            [df[df["status"] == "new"].head(limit), df[df["status"] == "lost"].head(limit)]
        )
        shown = shown.assign(status=[self._t(f"report.status_{s}") for s in shown["status"]])
        sec.add_table(
            shown,
            [Column("status", "report.col_status")]
            + _CLIENT
            + [
                Column("first_purchase", "report.col_first_purchase", "date"),
                Column("last_purchase", "report.col_last_purchase", "date"),
                Column("revenue_12m", "report.col_revenue_12m", "money"),
            ],
            self.lang,
        )
        return sec

    def movements(self, limit: int = 20) -> Section:
        """Movements between ABC/XYZ classes and RFM segments since the build a month ago."""
        sec = self._section("movements")
        previous = R.previous_build(self.con, self.as_of)
        if previous is None:
            sec.empty = self._t("report.movements_no_build")
            return sec
        df = R.segment_movements(self.con, self.as_of, previous, self.scope)
        down = int((df["direction"] == "down").sum())
        sec.note = self._t(
            "report.movements_note",
            before=fmt_date(previous, self.lang),
            now=fmt_date(self.as_of, self.lang),
            count=fmt_int(len(df), self.lang),
            down=fmt_int(down, self.lang),
        )
        if df.empty:
            sec.empty = self._t("report.movements_empty")
            return sec
        sec.add_figure(
            plots.transition_heatmap(
                R.transition_matrix(df, "abc_xyz"), self._t("plot.abc_moves_title"), self.lang
            )
        )
        rfm = R.transition_matrix(df, "rfm")
        if not rfm.empty:
            rfm.index = [self._t(f"rfm.{v}") if v != "-" else v for v in rfm.index]
            rfm.columns = [self._t(f"rfm.{v}") if v != "-" else v for v in rfm.columns]
        sec.add_figure(plots.transition_heatmap(rfm, self._t("plot.rfm_moves_title"), self.lang))
        shown = df.head(limit).assign(
            direction=lambda d: [self._t(f"report.direction_{v}") for v in d["direction"]]
        )
        sec.add_table(
            shown,
            [
                Column("name", "report.col_name"),
                Column("manager", "report.col_manager"),
                Column("direction", "report.col_direction"),
                Column("abc_xyz_from", "report.col_abc_xyz_from"),
                Column("abc_xyz_to", "report.col_abc_xyz_to"),
                Column("rfm_from", "report.col_rfm_from", "rfm"),
                Column("rfm_to", "report.col_rfm_to", "rfm"),
                Column("revenue_12m", "report.col_revenue_12m", "money"),
            ],
            self.lang,
        )
        return sec

    def potential(self, per: int = 5) -> Section:
        """The potential engine's best clients per manager, and the expected value by manager
        and region."""
        sec = self._section("potential")
        calc = self.calc
        if calc is None:
            sec.empty = self._t("report.potential_empty")
            return sec
        top, by_manager, by_region = R.top_potential(calc, self.scope, per=per)
        sec.note = self._t(
            "report.potential_note",
            date=fmt_date(calc.as_of, self.lang),
            days=calc.horizon_days,
            value=fmt_money(by_region["expected_value"].sum(), self.lang, whole=True),
            per=per,
        )
        proof = validation.main_report(getattr(calc, "validation", {}))
        sec.note += " " + validation.evidence(proof, self.lang)
        if top.empty:
            sec.empty = self._t("report.potential_empty")
            return sec
        if len(by_manager) > 1:
            sec.add_figure(plots.expected_by(by_manager, "manager", self.lang))
        if len(by_region) > 1:
            sec.add_figure(plots.expected_by(by_region, "region", self.lang))
        top = top.assign(
            who=[
                self._t("report.who_prospect" if p else "report.who_client")
                for p in top["is_prospect"]
            ]
        )
        sec.add_table(
            top,
            [
                Column("manager", "report.col_manager"),
                Column("rank", "report.col_rank", "int"),
                Column("name", "report.col_name"),
                Column("region", "report.col_region"),
                Column("who", "report.col_who"),
                Column("offer", "report.col_offer"),
                Column("probability", "report.col_score", "percent"),
                Column("untapped_value", "report.col_expected_value", "money"),
            ],
            self.lang,
        )
        return sec

    def illiquid(self, skus: int = 10, buyers: int = 3) -> Section:
        """Illiquid stock with the most money tied up, and its most likely buyers."""
        sec = self._section("illiquid")
        calc = self.calc
        if calc is None:
            sec.empty = self._t("report.potential_empty")
            return sec
        df = R.illiquid_stock(
            calc, self.con, self.as_of, self.scope, skus=skus, buyers=buyers, lang=self.lang
        )
        if df.empty:
            sec.empty = self._t("report.illiquid_empty", days=180)
            return sec
        sec.note = self._t(
            "report.illiquid_note",
            count=fmt_int(df.attrs["matched"], self.lang),
            days=180,
            value=fmt_money(df.attrs["stock_value"], self.lang, whole=True),
            shown=len(df),
        )
        sec.add_figure(plots.illiquid_stock(df, self.lang))
        sec.add_table(
            df,
            [
                Column("sku", "report.col_sku", "code"),
                Column("name", "report.col_product"),
                Column("category", "report.col_category"),
                Column("stock_qty", "report.col_stock_qty", "int"),
                Column("stock_value", "report.col_stock_value", "money"),
                Column("days_on_stock", "report.col_days_on_stock", "int"),
                Column("buyers", "report.col_buyers"),
                Column("expected_quantity", "report.col_expected_quantity", "number"),
            ],
            self.lang,
        )
        return sec

    def pipeline(self, limit: int = 20) -> Section:
        """The sales pipeline at the end of the week: funnel, conversion, prospects past the
        maximum deal length, working lists over or under size."""
        from kapot.worklists import WorklistStore, default_store_path

        sec = self._section("pipeline")
        path = default_store_path(self.db)
        if not path.exists():
            sec.empty = self._t("report.pipeline_empty")
            return sec
        store = WorklistStore(path)
        clients = runner.query(self.con, "report/clients_in_scope", **self.scope.params)[
            ["client_id"]
        ]
        p = R.pipeline_at(
            store, dt.datetime.combine(self.as_of, dt.time()), clients, week_start=self.start
        )
        in_work = int(p["funnel"]["clients"].sum())
        if in_work == 0:
            sec.empty = self._t("report.pipeline_empty")
            return sec
        sec.note = self._t(
            "report.pipeline_note",
            clients=fmt_int(in_work, self.lang),
            overdue=fmt_int(len(p["overdue"]), self.lang),
            days=store.config.max_deal_days,
            moves=fmt_int(p["moves_this_week"], self.lang),
        )
        sec.add_figure(plots.pipeline_funnel(p["funnel"], self.lang))
        sec.add_html(f"<h3>{self._t('report.pipeline_states')}</h3>")
        sec.add_table(
            p["funnel"],
            [
                Column("state", "report.col_state", "state"),
                Column("clients", "report.col_clients", "int"),
                Column("overdue", "report.col_overdue", "int"),
            ],
            self.lang,
        )
        conv = p["conversion"].assign(stage=lambda d: [self._t(f"state.{s}") for s in d["stage"]])
        sec.add_html(f"<h3>{self._t('report.pipeline_conversion')}</h3>")
        sec.add_table(
            conv,
            [
                Column("stage", "report.col_stage"),
                Column("reached", "report.col_reached", "int"),
                Column("rate", "report.col_rate", "percent"),
            ],
            self.lang,
        )
        lists = p["lists"].assign(
            status=lambda d: [self._t(f"report.list_{s}") for s in d["status"]]
        )
        sec.add_html(f"<h3>{self._t('report.pipeline_lists', size=store.config.max_open)}</h3>")
        sec.add_table(
            lists,
            [
                Column("manager", "report.col_manager"),
                Column("open", "report.col_open", "int"),
                Column("status", "report.col_list_status"),
            ],
            self.lang,
        )
        sec.add_html(
            f"<h3>{self._t('report.pipeline_overdue', days=store.config.max_deal_days)}</h3>"
        )
        if p["overdue"].empty:
            sec.add_html(f'<p class="kapot-empty">{self._t("report.pipeline_none_overdue")}</p>')
        else:
            names = runner.query(self.con, "report/clients_in_scope", region=None, manager=None)
            od = p["overdue"].head(limit).merge(names, on="client_id", how="left")
            od["name"] = od["name"].fillna(od["client_id"])
            sec.add_table(
                od,
                [
                    Column("name", "report.col_name"),
                    Column("manager", "report.col_manager"),
                    Column("state", "report.col_state", "state"),
                    Column("days_in_work", "report.col_days_in_work", "int"),
                ],
                self.lang,
            )
        return sec

    def order_taker(self, weeks: int = 4) -> Section:
        """Order taker vs hunter: each manager's revenue of the last ``weeks`` weeks from
        routine reorders, new categories for existing clients and new clients."""
        sec = self._section("order_taker")
        start = self.as_of - dt.timedelta(days=7 * weeks)
        df = R.order_taker_vs_hunter(self.con, start, self.as_of, self.scope)
        sec.note = self._t(
            "report.order_taker_note",
            start=fmt_date(start, self.lang),
            end=fmt_date(self.as_of - dt.timedelta(days=1), self.lang),
        )
        if df.empty:
            sec.empty = self._t("report.order_taker_empty")
            return sec
        sec.add_figure(plots.order_mix(df, self.lang))
        df = df.assign(
            total=df[["routine", "new_category", "new_client"]].sum(axis=1),
            hunting_share=df["new_category_share"].fillna(0) + df["new_client_share"].fillna(0),
        )
        sec.add_table(
            df,
            [
                Column("manager", "report.col_manager"),
                Column("total", "report.col_total", "money"),
                Column("routine", "report.col_routine", "money"),
                Column("new_category", "report.col_new_category", "money"),
                Column("new_client", "report.col_new_client", "money"),
                Column("hunting_share", "report.col_hunting_share", "share"),
            ],
            self.lang,
        )
        return sec


class _Raw:
    """An HTML fragment that displays itself."""

    def __init__(self, fragment: str) -> None:
        self.fragment = fragment

    def _repr_html_(self) -> str:
        return self.fragment


def _table_rows(frame, money_cols, int_cols, *, money_rows: int, lang) -> str:
    from kapot.display import table_html

    head = table_html(frame.iloc[:money_rows], money_cols, lang)
    tail = table_html(frame.iloc[money_rows:], int_cols, lang)
    # one table: the count rows' body appended to the money rows' table
    body = re.search(r"<tbody>(.*)</tbody>", tail, flags=re.S).group(1)
    return head.replace("</tbody>", body + "</tbody>")


# ---------------------------------------------------------------------- rendering
def report_dir(week: str, out, region: str | None, manager: str | None, lang: str) -> Path:
    """``<out>/<week>/`` for the whole company in English; a scoped or Russian report gets
    its own subfolder so they never overwrite each other."""
    path = Path(out) / week
    parts = [
        f"region-{_slug(region)}" if region else "",
        f"manager-{_slug(manager)}" if manager else "",
    ]
    parts = [p for p in parts if p]
    if parts:
        path = path / "_".join(parts)
    if lang != "en":
        path = path / lang
    return path


def render_report(
    week: str | None = None,
    *,
    db: str | os.PathLike[str] | None = None,
    region: str | None = None,
    manager: str | None = None,
    out: str | os.PathLike[str] = PROJECT_ROOT / "reports",
    lang: str | None = None,
    progress: bool = True,
) -> dict[str, Path]:
    """Execute ``notebooks/weekly_report.ipynb`` with papermill for ``week`` and write
    ``<out>/<week>/weekly_report.ipynb`` and a self-contained ``weekly_report.html`` (code
    hidden, plotly charts interactive offline). Reads only: the pipeline runs the week needs
    (:func:`needed_runs`) must have been published. Returns the paths written."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    lang = get_lang(lang)
    week = resolve_week(week, db)
    # fail early, with the catalogue's message, on a bad region, manager or missing build
    WeeklyReport.open(week, db=db, region=region, manager=manager, lang=lang).close()
    folder = report_dir(week, out, region, manager, lang)
    folder.mkdir(parents=True, exist_ok=True)
    nb_path = folder / "weekly_report.ipynb"
    params = {
        "week": week,
        "region": region,
        "manager": manager,
        "db": str(Path(db).resolve()) if db else None,
        "lang": lang,
    }
    pm.execute_notebook(
        str(REPORT_NOTEBOOK),
        str(nb_path),
        parameters=params,
        progress_bar=progress,
        kernel_name="python3",
        cwd=str(REPORT_NOTEBOOK.parent),
    )
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:  # papermill gives its injected cell a random id; reruns must match
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    nbformat.write(nb, nb_path)
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="kapot_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # the notebook's own introduction is for analysts, not for the head of sales
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True), enabled=True
    )
    title = tr("report.title", lang, week=week)
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": title}, "language_code": lang}
    )
    html_path = folder / "weekly_report.html"
    html_path.write_text(body, encoding="utf-8")
    return {"notebook": nb_path, "html": html_path}
