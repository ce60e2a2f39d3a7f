"""The report's sections on what changed: new and lost clients, segment movements, order takers and hunters."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kapot.faces import plots
from kapot.faces import report as R
from kapot.faces.display import Column, Section
from kapot.faces.weekly.fragments import CLIENT_COLUMNS
from kapot.i18n import fmt_date, fmt_int

__all__ = ["ChangeSections"]


class ChangeSections:
    """The report's sections on what changed: new and lost clients, segment movements, order takers and hunters."""

    def new_and_lost(self, limit: int = 15, lost_after_days: int = 180) -> Section:
        """Clients who bought for the first time this week, and clients who passed
        ``lost_after_days`` without a purchase this week.

        Parameters
        ----------
        limit : int, default 15
            At most this many new and this many lost clients in the table; the note and the
            figure count them all.
        lost_after_days : int, default 180
            Days without a purchase after which a client counts as lost.

        Returns
        -------
        kapot.faces.display.Section
            Empty, with a message, when the week won and lost no client.
        """
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
            + CLIENT_COLUMNS
            + [
                Column("first_purchase", "report.col_first_purchase", "date"),
                Column("last_purchase", "report.col_last_purchase", "date"),
                Column("revenue_12m", "report.col_revenue_12m", "money"),
            ],
            self.lang,
        )
        return sec

    def movements(self, limit: int = 20) -> Section:
        """Movements between ABC/XYZ classes and RFM segments since the build a month ago.

        Parameters
        ----------
        limit : int, default 20
            At most this many moving clients in the table; the note and the two transition
            heatmaps count them all.

        Returns
        -------
        kapot.faces.display.Section
            Empty, with a message, without a build a month before or when nobody moved.
        """
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

    def order_taker(self, weeks: int = 4) -> Section:
        """Order taker vs hunter: each manager's revenue of the last ``weeks`` weeks from
        routine reorders, new categories for existing clients and new clients.

        Parameters
        ----------
        weeks : int, default 4
            The period, in weeks before the report's date; 1 to
            :data:`kapot.faces.report.ORDER_MIX_WEEKS`.

        Returns
        -------
        kapot.faces.display.Section
            The hunting shares figure and the money table; empty, with a message, without
            sales in the period.

        Raises
        ------
        ValueError
            For ``weeks`` outside that range.
        """
        sec = self._section("order_taker")
        start = self.as_of - dt.timedelta(days=7 * weeks)
        df = R.order_taker_vs_hunter(self.con, self.as_of, self.scope, weeks=weeks)
        span = {
            "start": fmt_date(start, self.lang),
            "end": fmt_date(self.as_of - dt.timedelta(days=1), self.lang),
        }
        sec.note = self._t("report.order_taker_note", **span)
        if df.empty:  # the span it read, whatever ``weeks`` is (it said "four weeks")
            sec.empty = self._t("report.order_taker_empty", **span)
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
