"""The report's sections on the work ahead: the potential by manager, illiquid stock and its buyers, the pipeline, order takers and hunters."""

from __future__ import annotations

import datetime as dt

from kapot import runner
from kapot.faces import plots, validation
from kapot.faces import report as R
from kapot.faces.display import Column, Section
from kapot.faces.worklists import WorklistStore, default_store_path
from kapot.i18n import fmt_date, fmt_int, fmt_money

__all__ = ["WorkSections"]


class WorkSections:
    """The report's sections on the work ahead: the potential by manager, illiquid stock and its buyers, the pipeline, order takers and hunters."""

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
        df = R.illiquid_stock(calc, self.con, self.as_of, self.scope, skus=skus, buyers=buyers)
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
