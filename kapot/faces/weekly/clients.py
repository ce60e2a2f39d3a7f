"""The report's sections on clients: the week's figures, who peaks next month, who is at risk, new and lost clients, segment movements."""

from __future__ import annotations

import pandas as pd

from kapot import runner
from kapot.faces import plots
from kapot.faces import report as R
from kapot.faces.display import Column, Section
from kapot.faces.weekly.fragments import CLIENT_COLUMNS, table_rows
from kapot.i18n import fmt_int, fmt_money, fmt_percent, month_name

__all__ = ["ClientSections"]


class ClientSections:
    """The report's sections on clients: the week's figures, who peaks next month, who is at risk, new and lost clients, segment movements."""

    def kpis(self) -> Section:
        """Revenue, orders, active clients and average order value against the previous week
        and the same week last year, and the last 13 weeks against last year.

        Returns
        -------
        kapot.faces.display.Section
            The four KPI cards, the 13 weeks' revenue figure and the KPI table
            (:func:`kapot.faces.report.kpis`).
        """
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
            + table_rows(both, cols, int_cols, money_rows=len(money), lang=self.lang)
            + "</div>"
        )
        return sec

    def peak_next_month(self, limit: int = 25) -> Section:
        """Clients whose purchase peak is next month: call them now.

        Parameters
        ----------
        limit : int, default 25
            At most this many clients in the table, largest 12-month revenue first (the
            heatmap shows the first 15); the note counts them all.

        Returns
        -------
        kapot.faces.display.Section
            Empty, with a message, when no client peaks next month.
        """
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
            CLIENT_COLUMNS
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
        """Clients with a falling trend, an overdue reorder or overdue invoices.

        Parameters
        ----------
        limit : int, default 25
            At most this many clients in the table, most warning signs first; the note and
            the figure count them all (:func:`kapot.faces.report.at_risk`).

        Returns
        -------
        kapot.faces.display.Section
            Empty, with a message, when no client is at risk.
        """
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
            CLIENT_COLUMNS
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
