"""The report's section on the sales pipeline at the end of the week, rebuilt from the worklist store (the page's pipeline, not the warehouse): funnel, conversion, overdue prospects, working lists' sizes."""

from __future__ import annotations

import datetime as dt

from kapot import runner
from kapot.faces import plots
from kapot.faces import report as R
from kapot.faces.display import Column, Section
from kapot.faces.worklists import WorklistStore, default_store_path
from kapot.i18n import fmt_int

__all__ = ["FunnelSections"]


class FunnelSections:
    """The report's section on the sales pipeline, from the worklist store beside the warehouse."""

    def pipeline(self, limit: int = 20) -> Section:
        """The sales pipeline at the end of the week: funnel, conversion, prospects past the
        maximum deal length, working lists over or under size.

        Parameters
        ----------
        limit : int, default 20
            At most this many overdue prospects in their table, longest in work first.

        Returns
        -------
        kapot.faces.display.Section
            Empty, with a message, without a worklist store or with nobody in work at the
            week's end.
        """

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
