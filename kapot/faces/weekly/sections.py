"""The weekly report's object: one week, one scope, one language; the warehouse opened read-only
once, the header and the section list. Its sections are in ``clients``, ``changes``, ``work``
and ``funnel``."""

from __future__ import annotations

import datetime as dt
import html
import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kapot import runner
from kapot.config import PROJECT_ROOT
from kapot.errors import KapotError, nearest
from kapot.faces import report as R
from kapot.faces.calculator import Calculator
from kapot.faces.display import Section, plotly_js, stylesheet
from kapot.faces.weekly.changes import ChangeSections
from kapot.faces.weekly.clients import ClientSections
from kapot.faces.weekly.fragments import Raw
from kapot.faces.weekly.funnel import FunnelSections
from kapot.faces.weekly.prepare import resolve_week
from kapot.faces.weekly.work import WorkSections
from kapot.i18n import fmt_date, get_lang, tr
from kapot.pipeline.plan import scores_on_or_before
from kapot.pipeline.snapshot import published_dates
from kapot.store.currency import use_warehouse_currency
from kapot.store.warehouse import Warehouse

if TYPE_CHECKING:
    import duckdb

__all__ = ["WeeklyReport", "REPORT_NOTEBOOK", "SECTIONS"]

REPORT_NOTEBOOK = PROJECT_ROOT / "notebooks" / "weekly_report.ipynb"
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


@dataclass
class WeeklyReport(ClientSections, ChangeSections, WorkSections, FunnelSections):
    """The weekly report for one ISO week, for one region and/or manager or everyone, in one
    language. Open it with :meth:`open`; each section method returns a
    :class:`kapot.faces.display.Section` that displays itself in a notebook.

    Parameters
    ----------
    week : str
        The ISO week, ``2026-W47`` (any case; stored upper case).
    db : str or os.PathLike, optional
        The warehouse file; default ``KAPOT_DB`` or ``data/kapot.duckdb``.
    region, manager : str, optional
        Only that region's and/or manager's clients; None or empty: everyone.
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).

    Attributes
    ----------
    start : datetime.date
        The week's Monday (set from ``week``).
    as_of : datetime.date
        The next Monday: the week is ``start <= day < as_of``, and the profiles the report
        reads were built for this date.
    """

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
                raise KapotError(
                    tr(f"filters.unknown_{col}", rep.lang, name=value, near=nearest(value, values))
                )
        return rep

    # ------------------------------------------------------------------ data access
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """A read connection to the warehouse, opened at first use, closed by :meth:`close`."""
        if self._con is None:
            self._con = self._stack.enter_context(Warehouse(self.db).read())
        return self._con

    def close(self) -> None:
        """Close the warehouse connection (the report reads nothing more)."""
        self._stack.close()
        self._con = None

    @property
    def scores(self) -> tuple[dt.date | None, int | None]:
        """The scored run the report uses (the latest on or before its date) and its horizon."""
        return scores_on_or_before(self.db, self.as_of)

    @property
    def calc(self) -> Calculator | None:
        """The calculator over that scored run, loaded at first use; None without scores."""
        if self._calc is None:
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
    def header(self) -> Raw:
        """Title, scope and the dates the figures come from; also loads plotly.js (inline, so
        the HTML works offline).

        Returns
        -------
        Raw
            The stylesheet, plotly.js and the heading: the week's dates, the scope, the
            profiles' date and, when there are scores, their date and horizon.
        """
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
        return Raw(
            f"{stylesheet()}{plotly_js()}"
            f'<div class="kapot-report-head"><h1>{html.escape(title)}</h1>'
            f"<p>{html.escape(period)} · {html.escape(scope)}</p>"
            f"<p>{html.escape(data)}</p></div>"
        )
