"""The manager's page: ipywidgets wired to :class:`kapot.faces.calculator.Calculator`.

The Voila notebook ``notebooks/potential_calculator.ipynb`` only calls :func:`calculator_page`.
The page is its state (:mod:`.state`: the query, why a list is empty, stock, exports; no
widgets) and its views: the filters (:mod:`.filters_view`), the list and charts
(:mod:`.list_view`), the client card (:mod:`.card_view`) and the pipeline
(:mod:`.pipeline_view`). :class:`CalculatorPage` builds them and wires them; callbacks are
wrapped so an error shows in the page instead of vanishing. Figures are plain ``go.Figure``
drawn into ``ipywidgets.Output`` (FigureWidget goes stale in Voila).
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable

import ipywidgets as w
import pandas as pd

from kapot.errors import KapotError
from kapot.faces.calculator import Calculator, Query
from kapot.faces.display import stylesheet
from kapot.faces.page import state
from kapot.faces.page.card_view import CardView
from kapot.faces.page.filters_view import FilterView
from kapot.faces.page.list_view import ListView, downloads_html
from kapot.faces.page.pipeline_view import PipelineView
from kapot.faces.page.state import PageText, page_params
from kapot.faces.wording import with_reasons
from kapot.faces.worklists import PipelineConfig, WorklistStore, default_store_path
from kapot.i18n import fmt_date, get_lang, set_currency
from kapot.server.access import Scope
from kapot.server.auth import os_user
from kapot.server.session import log_error, trim_memory

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


class CalculatorPage(PageText):
    """The page: its views, wired. ``widget`` is what the notebook displays; the views'
    widgets are reachable as attributes (``categories``, ``table``, ``manager``...).

    Parameters
    ----------
    calc : Calculator
        The loaded scores the page queries; its currency becomes the page's money.
    lang : str, optional
        ``en`` or ``ru``; None for the language in force.
    manager : str, optional
        The manager whose working list the pipeline tab shows first.
    regions, categories : list of str, optional
        The filters' presets.
    db : str or os.PathLike, optional
        The warehouse (the client card; the worklist store beside it); None for the default.
    now : callable, default datetime.datetime.now
        The clock of the pipeline's moves and lists (a fixed one in tests).
    scope : kapot.server.access.Scope, optional
        Whose clients the visitor sees and moves; None for the OS user, who sees all.
    """

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
        scope: Scope | None = None,
    ) -> None:
        # who is looking: the logged-in account's scope on the served page (kapot.server.session);
        # the OS user, seeing everything, in a notebook or papermill run
        self.scope = scope if scope is not None else Scope.local(os_user())
        self.calc = calc
        self.lang = L = get_lang(lang)
        set_currency(calc.currency)  # the page's money (tables, charts) in the company's currency
        self.db = db
        self.now = now
        self.store = WorklistStore(default_store_path(db), config=PipelineConfig())
        self.result = pd.DataFrame()
        self.tabs_ready = False
        self.message = w.HTML()
        self.filters = FilterView(
            calc,
            L,
            region_options=calc.regions(self.scope),
            illiquid=state.illiquid_stock(calc),
            regions=regions,
            categories=categories,
        )
        self.list = ListView(calc, L)
        self.cards = CardView(calc, L, db=db, scope=self.scope)
        self.pipe = PipelineView(
            calc, L, store=self.store, scope=self.scope, now=now, manager=manager
        )
        self._expose()
        for widget in (*self.filters.watched(), self.list.sort, self.list.descending):
            widget.observe(self._safe(self.refresh), names="value")
        self.all_regions.observe(self._safe(self._toggle_regions), names="value")
        self.card_pick.observe(self._safe(self.cards.show), names="value")
        self.manager.observe(self._safe(self.pipe.show), names="value")
        self.give.on_click(self._safe(lambda _: self.give_list()))
        self.move_button.on_click(self._safe(lambda _: self.move()))
        title = html.escape(self.t("title"))
        sub = html.escape(self.t("subtitle", date=fmt_date(calc.as_of, L), days=calc.horizon_days))
        head = w.HTML(
            stylesheet()
            + f'<div class="kapot-title">{title}</div><div class="kapot-sub">{sub}</div>'
        )
        tabs = w.Tab(
            children=[self.list.box(self.message), self.list.charts, self.cards.box, self.pipe.box]
        )
        for i, key in enumerate(("tab_list", "tab_charts", "tab_card", "tab_pipeline")):
            tabs.set_title(i, self.t(key))
        self.tabs = tabs
        tabs.observe(self._safe(self._on_tab), names="selected_index")
        self.message.add_class("kapot-message")
        self.widget = w.VBox([head, self.filters.box, self.message, tabs])
        self.widget.add_class("kapot-page")
        self.tabs_ready = True
        self.refresh()
        self.pipe.show()

    def _expose(self) -> None:
        """The views' widgets as the page's attributes (presets, tests and the notebook use
        ``page.categories``, ``page.table``, ``page.manager``...)."""
        f, li, c, p = self.filters, self.list, self.cards, self.pipe
        self.categories, self.sku, self.illiquid = f.categories, f.sku, f.illiquid
        self.all_regions, self.regions, self.peak = f.all_regions, f.regions, f.peak
        self.pays, self.off, self.new_only, self.who = f.pays, f.off, f.new_only, f.who
        self.tiers, self.segments, self.limit = f.tiers, f.segments, f.limit
        self.sort, self.descending, self.summary = li.sort, li.descending, li.summary
        self.table, self.downloads, self.charts = li.table, li.downloads, li.charts
        self.card_pick, self.card = c.pick, c.out
        self.manager, self.give, self.pipeline = p.manager, p.give, p.pipeline
        self.move_client, self.move_state = p.move_client, p.move_state
        self.move_reason, self.move_recall = p.move_reason, p.move_recall
        self.move_button = p.move_button

    def _safe(self, fn: Callable) -> Callable:
        def run(*args, **kwargs):
            try:
                self.message.value = ""
                return fn(*args, **kwargs)
            except KapotError as exc:
                self.message.value = f'<div class="kapot-error">{html.escape(str(exc))}</div>'
            except Exception:  # one line and an error id here, the traceback in the server's log
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
        """The calculator query the filters hold now (:meth:`state.FilterValues.query`).

        Returns
        -------
        Query
        """
        return self.filters.values().query()

    def refresh(self, change: dict | None = None) -> None:
        """Run the query and redraw the summary, the table, the downloads and the charts.

        Parameters
        ----------
        change : dict, optional
            A filter's change event (ipywidgets' ``observe``); unused.
        """
        q = self.query()
        res = with_reasons(self.calc.find(q, scope=self.scope), self.lang)
        if self.illiquid.value:
            res = state.with_stock(self.calc.products, res, self.illiquid.value)
        res = state.sort_result(res, self.sort.value, self.descending.value)
        self.result = res
        why = state.why_empty(self.calc, q, self.scope) if res.empty else ""
        self.list.show(res, illiquid=self.illiquid.value, why_empty=why)
        self.cards.offer(res)
        if self.tabs_ready and self.tabs.selected_index == 1:
            self.list.draw_charts(res)

    def _on_tab(self, change=None) -> None:
        if self.tabs.selected_index == 1 and self.list.charts_stale:
            self.list.draw_charts(self.result)

    def export_frame(self, res: pd.DataFrame | None = None) -> pd.DataFrame:
        """The call list with headers in the page's language (:func:`state.export_frame`).

        Parameters
        ----------
        res : pandas.DataFrame, optional
            A list of :meth:`Calculator.find` (its columns; ``reason_codes`` worded here);
            None for the list the page shows.

        Returns
        -------
        pandas.DataFrame
        """
        return state.export_frame(self._worded(self.result if res is None else res), self.lang)

    def _worded(self, res: pd.DataFrame) -> pd.DataFrame:
        return with_reasons(res, self.lang) if "reason_codes" in res else res

    def _downloads_html(self, res: pd.DataFrame) -> str:
        return downloads_html(self._worded(res), self.lang, self.calc.as_of.isoformat())

    def give_list(self) -> None:
        """Give the chosen manager a working list from the current query."""
        self.pipe.give_list(self.query(), self.limit.value)

    def move(self) -> None:
        """Move the chosen client to the chosen state."""
        self.pipe.move()


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
    scope: Scope | None = None,
) -> CalculatorPage:
    """Build the page from the notebook's parameters (and the URL's query string).

    Parameters
    ----------
    db : str, optional
        The warehouse; None for ``KAPOT_DB``, else ``data/kapot.duckdb``.
    as_of : str or datetime.date, optional
        The scores' date (ISO text in a notebook); None for the latest scored.
    lang : str, default "en"
        ``en`` or ``ru``.
    manager : str, optional
        The pipeline tab's manager.
    regions, categories : list of str, optional
        The filters' presets.
    query_string : str, optional
        The URL's, whose presets override the above (:func:`page_params`).
    calculator : Calculator, optional
        Scores already loaded (:func:`preload`), used when of the date asked for.
    scope : kapot.server.access.Scope, optional
        The visitor's; None for the OS user, who sees all.

    Returns
    -------
    CalculatorPage
    """
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


def preload(db: str | None = None, as_of: str | dt.date | None = None) -> Calculator:
    """Load the scores before the request arrives: in a preheated Voila kernel this runs while
    the kernel waits, so opening the page costs only the widgets.

    Parameters
    ----------
    db : str, optional
        The warehouse; None for the default.
    as_of : str or datetime.date, optional
        The scores' date (ISO text or a date); None for the latest scored.

    Returns
    -------
    Calculator
    """

    when = dt.date.fromisoformat(as_of) if isinstance(as_of, str) and as_of else as_of
    calc = Calculator.load(db, when or None)
    trim_memory()  # a preheated kernel waits with what it uses, not the peak of loading
    return calc


def query_string() -> str:
    """The page URL's query string in Voila (waiting for the request in a preheated kernel);
    empty outside Voila (papermill, JupyterLab).

    Returns
    -------
    str
        Without its ``?``; outside Voila, ``QUERY_STRING`` from the environment if set.
    """
    if "VOILA_KERNEL_ID" not in os.environ:  # not a Voila kernel
        return os.environ.get("QUERY_STRING", "")
    from voila.utils import get_query_string  # 1.2 s to import: only in a Voila kernel

    return get_query_string() or ""


def apply_presets(
    page: CalculatorPage, query_string: str | None, *, db: str | None = None
) -> CalculatorPage:
    """Apply a preset link to a page built in advance (in the preheated kernel). Only a change
    of language or date needs a new page; regions, categories and the manager are set on the
    existing widgets.

    Parameters
    ----------
    page : CalculatorPage
        The page built in advance.
    query_string : str or None
        The URL's (:func:`page_params`); values the page does not offer are ignored.
    db : str, optional
        The warehouse, for a new page.

    Returns
    -------
    CalculatorPage
        ``page`` with the presets set, or a new page (same scope; same scores unless the
        date changed) for another language or date.
    """
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
