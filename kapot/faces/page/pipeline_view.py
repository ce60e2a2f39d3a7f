"""The page's pipeline tab: give a manager a working list, see it, move a client on."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as w
import pandas as pd

from kapot.faces.calculator import Calculator
from kapot.faces.display import Column, table_html
from kapot.faces.page.state import PageText
from kapot.faces.worklists import REFUSAL_REASONS, STATES
from kapot.i18n import tr
from kapot.server import access

if TYPE_CHECKING:
    from kapot.faces.calculator import Query
    from kapot.faces.worklists import WorklistStore
    from kapot.server.access import Scope

__all__ = ["PipelineView", "pipeline_html"]


def pipeline_html(view: pd.DataFrame, funnel: pd.DataFrame, names: pd.Series, lang: str) -> str:
    """A manager's working list as HTML: the funnel's counts, then one row per client.

    Parameters
    ----------
    view : DataFrame
        Columns ``client_id``, ``state``, ``days_in_work``, ``overdue``
        (:func:`kapot.server.access.show_pipeline`).
    funnel : DataFrame
        Columns ``state``, ``clients`` (:meth:`WorklistStore.funnel`).
    names : Series
        Client names by client id; a client without one is shown by its id.
    lang : str
        ``en`` or ``ru``.

    Returns
    -------
    str
        The states with clients and their counts, then the table (overdue rows marked).
    """

    chips = " · ".join(
        f"{html.escape(tr(f'state.{r.state}', lang))}: {int(r.clients)}"
        for r in funnel.itertuples()
        if r.clients
    )
    cols = [
        Column("name", "page.col_name", sub="client_id"),
        Column("state", "page.state", "state"),
        Column("days_in_work", "page.days_in_work", "int"),
        Column("overdue_text", ""),
    ]
    overdue = view["overdue"].astype(bool)
    shown = view.assign(
        name=[str(names.get(c, c)) for c in view["client_id"]],
        overdue_text=overdue.map({True: tr("page.overdue", lang), False: ""}),
        row_css=overdue.map({True: "overdue", False: ""}),
    )
    table = table_html(
        shown, cols, lang, row_attrs={"data-client": "client_id"}, row_class="row_css", box=True
    )
    return f'<div class="kapot-summary">{chips}</div>{table}'


class PipelineView(PageText):
    """The pipeline tab's widgets (``box``): the manager, their working list, the move form.

    Parameters
    ----------
    calc : Calculator
        The loaded scores: the managers, the client names, the lists handed out.
    lang : str
        ``en`` or ``ru``.
    store : kapot.faces.worklists.WorklistStore
        Where the working lists and the moves are kept.
    scope : kapot.server.access.Scope
        The visitor's: the managers offered, and whether it may give lists and move clients.
    now : callable
        Returns the ``datetime.datetime`` of a move or a list given (a fixed clock in tests).
    manager : str, optional
        The manager picked first, if the scope offers them; else the first one.
    """

    def __init__(
        self,
        calc: Calculator,
        lang: str,
        *,
        store: WorklistStore,
        scope: Scope | None,
        now: Callable[[], dt.datetime],
        manager: str | None = None,
    ) -> None:
        self.calc, self.lang, self.store, self.scope, self.now = calc, lang, store, scope, now
        t, L = self.t, lang
        wide = {"description_width": "initial"}
        managers = scope.managers(calc.managers())
        self.manager = w.Dropdown(
            options=managers,
            value=manager if manager in managers else (managers[0] if managers else None),
            description=t("manager"),
            layout=w.Layout(width="300px"),
            style=wide,
        )
        self.give = w.Button(
            description=t("give_list"), button_style="primary", layout=w.Layout(width="300px")
        )
        self.give.add_class("kapot-give")
        self.pipeline = w.HTML()
        self.pipeline.add_class("kapot-pipeline")
        self.move_client = w.Dropdown(
            options=[], description=t("client"), layout=w.Layout(width="360px"), style=wide
        )
        self.move_client.add_class("kapot-move-client")
        self.move_state = w.Dropdown(
            options=[(tr(f"state.{s}", L), s) for s in STATES],
            description=t("new_state"),
            layout=w.Layout(width="300px"),
            style=wide,
        )
        self.move_state.add_class("kapot-move-state")
        self.move_reason = w.Dropdown(
            options=[("", "")] + [(tr(f"refusal.{r}", L), r) for r in REFUSAL_REASONS],
            description=t("reason"),
            layout=w.Layout(width="300px"),
            style=wide,
        )
        self.move_recall = w.DatePicker(description=t("recall_date"), style=wide)
        self.move_button = w.Button(description=t("move"), button_style="warning")
        self.move_button.add_class("kapot-move")
        self.message = w.HTML()
        # an analyst reads everything and moves nothing (the library refuses it as well)
        self.give.disabled = self.move_button.disabled = not scope.can_move
        self.box = w.VBox(
            [
                w.HBox([self.manager, self.give]),
                self.pipeline,
                w.HBox([self.move_client, self.move_state]),
                w.HBox([self.move_reason, self.move_recall, self.move_button]),
                self.message,
            ]
        )

    def give_list(self, query: Query, limit: int) -> None:
        """Give the manager picked a working list: the best clients of ``query`` that are not
        in work yet; then redraw.

        Parameters
        ----------
        query : kapot.faces.calculator.Query
            The page's query (its filters).
        limit : int
            How many clients, clipped to 1-90.

        Raises
        ------
        KapotError
            For a manager unknown, or one the scope may not give a list.
        """
        manager = self.manager.value
        added = access.give_list(
            self.store,
            self.scope,
            self.calc,
            manager,
            query,
            at=self.now(),
            size=min(max(limit, 1), 90),
        )
        self.message.value = html.escape(self.t("given", manager=manager, added=len(added)))
        self.show()

    def show(self, change: dict | None = None) -> None:
        """Draw the picked manager's pipeline (states, funnel) and the clients one can move.

        Parameters
        ----------
        change : dict, optional
            The manager picker's change event (ipywidgets' ``observe``); unused.
        """
        manager = self.manager.value
        if manager is None:
            return
        view = access.show_pipeline(self.store, self.scope, manager, at=self.now())
        names = self.calc.clients.set_index("client_id")["name"]
        L = self.lang
        previous = self.move_client.value
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
        # the table last: once it is drawn, the clients one can move are offered too
        if view.empty:
            text = html.escape(self.t("pipeline_empty", manager=manager))
            self.pipeline.value = f'<div class="kapot-empty">{text}</div>'
        else:
            funnel = self.store.funnel(manager, at=self.now())
            self.pipeline.value = pipeline_html(view, funnel, names, L)

    def move(self) -> None:
        """Move the picked client to the picked state (as the scope allows); then redraw."""
        cid, state = self.move_client.value, self.move_state.value
        if not cid:
            return
        current = (
            access.show_pipeline(self.store, self.scope, self.manager.value, at=self.now())
            .set_index("client_id")["state"]
            .get(cid)
        )
        access.move(
            self.store,
            self.scope,
            cid,
            state,
            at=self.now(),
            reason=self.move_reason.value or None,
            recall_date=self.move_recall.value,
            expected_state=current,
        )
        self.message.value = html.escape(
            self.t(
                "moved",
                client=cid,
                old=tr(f"state.{current}", self.lang),
                new=tr(f"state.{state}", self.lang),
            )
        )
        self.show()
