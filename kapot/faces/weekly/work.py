"""The report's sections on the work ahead: the potential by manager and region, illiquid stock and its buyers. The sales pipeline's section, which reads the worklist store, is in ``funnel``."""

from __future__ import annotations

from kapot.faces import plots, validation
from kapot.faces import report as R
from kapot.faces.display import Column, Section
from kapot.i18n import fmt_date, fmt_int, fmt_money

__all__ = ["WorkSections"]


class WorkSections:
    """The report's sections on the work ahead: the potential by manager and region, illiquid
    stock and its buyers."""

    def potential(self, per: int = 5) -> Section:
        """The potential engine's best clients per manager, and the expected value by manager
        and region.

        Parameters
        ----------
        per : int, default 5
            Clients per manager in the table, most untapped value first
            (:func:`kapot.faces.report.top_potential`).

        Returns
        -------
        kapot.faces.display.Section
            The evidence of the scores in the note, a figure by manager and one by region
            (when there are several); empty, with a message, without scores.
        """
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
        """Illiquid stock with the most money tied up, and its most likely buyers.

        Parameters
        ----------
        skus : int, default 10
            At most this many SKUs, most money tied up first; the note counts them all.
        buyers : int, default 3
            The most likely buyers named per SKU (in the report's scope).

        Returns
        -------
        kapot.faces.display.Section
            Empty, with a message, without scores or without illiquid stock.
        """
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
