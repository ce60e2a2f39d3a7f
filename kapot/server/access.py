"""Row-level access: which clients an account sees and which pipeline moves it may make.

The scope is applied by the library, not by the widgets: :meth:`Calculator.find`,
:meth:`Calculator.similar`, :func:`kapot.faces.calculator.client_card` and the pipeline calls here all
take a :class:`Scope`, and the page only ever passes the logged-in account's. Nothing a visitor
sends (query string, preset link, widget message) reaches the scope: it comes from the account
store, looked up by the login the server signed (see :mod:`kapot.server.session`).

* ``manager``: their own clients (``clients.manager`` is their name), plus unassigned prospects
  (no manager) in their regions (the account's ``--region`` list, else the regions of their
  own clients); in the pipeline only their own work; lists only for themselves.
* ``head``: sees everything, gives lists to any manager, moves any client (reassigns).
* ``analyst``: sees everything, moves nothing.
* ``admin``: everything a head may do.

This is at least as strict as Superset's row-level security (a filter clause bound to a role,
applied to every query) and Metabase's locked parameters (the embedding server fixes them; the
viewer cannot change them): the filter is fixed server-side per account, and it applies to
every list, card, chart, export and move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import tr

if TYPE_CHECKING:
    from kapot.faces.calculator import Calculator, Query
    from kapot.faces.worklists import WorklistStore
    from kapot.server.auth import Account

__all__ = ["Scope", "give_list", "move", "show_pipeline"]

_SEES_ALL = ("head", "analyst", "admin")
_MOVES_ANY = ("head", "admin")


@dataclass(frozen=True)
class Scope:
    """What one account may see and do. Build it with :meth:`for_account` or :meth:`local`.

    Parameters
    ----------
    login : str
        The account's login; it authors the account's moves.
    role : {"manager", "head", "analyst", "admin"}
        What the account may do (see the module's doc).
    manager : str, optional
        A manager account's name as in ``clients.manager``.
    regions : tuple of str, optional
        Where a manager sees unassigned prospects; default the regions of their own clients.
    work : frozenset of str, optional
        Client ids a head put in this manager's pipeline (:meth:`with_work`).
    """

    login: str
    role: str
    manager: str | None = None
    regions: tuple[str, ...] = ()
    work: frozenset[str] = frozenset()  # clients a head put in this manager's pipeline

    @classmethod
    def for_account(cls, account: Account | None) -> Scope:
        """The scope of an account from the account store.

        Parameters
        ----------
        account : kapot.server.auth.Account or None
            The account the server's signed login names.

        Returns
        -------
        Scope

        Raises
        ------
        KapotError
            If there is no such account or it is disabled.
        """
        if account is None or account.disabled:
            raise KapotError(tr("access.no_account"))
        return cls(account.login, account.role, account.manager, tuple(account.regions))

    def with_work(self, store: WorklistStore, *, at: dt.datetime) -> Scope:
        """This scope plus the clients in the manager's pipeline (a head may give a manager
        clients from outside their own client base: the manager then sees and works them).

        Parameters
        ----------
        store : kapot.faces.worklists.WorklistStore
            The pipeline store.
        at : datetime.datetime
            Now, as the store's ``show`` takes it.

        Returns
        -------
        Scope
            A copy with :attr:`work` filled; this scope itself for an account that sees all or
            has no manager name.
        """
        if self.sees_all or not self.manager:
            return self
        ids = store.show(self.manager, at=at)["client_id"]
        return replace(self, work=frozenset(ids.astype(str)))

    @classmethod
    def local(cls, login: str) -> Scope:
        """Someone with the warehouse file in hand (the CLI, papermill, JupyterLab): they can
        read every row anyway, so they see everything.

        Parameters
        ----------
        login : str
            Who authors the moves (the OS user, for the CLI).

        Returns
        -------
        Scope
            An ``admin`` scope.
        """
        return cls(login, "admin")

    # ------------------------------------------------------------------ rights
    @property
    def sees_all(self) -> bool:
        """Whether the account sees every client (head, analyst, admin)."""
        return self.role in _SEES_ALL

    @property
    def can_move(self) -> bool:
        """Whether the account may move clients in a pipeline at all (not an analyst)."""
        return self.role in ("manager", *_MOVES_ANY)

    @property
    def moves_any(self) -> bool:
        """Whether the account may move any client and give lists to anyone (head, admin)."""
        return self.role in _MOVES_ANY

    def managers(self, known: list[str]) -> list[str]:
        """The managers whose pipeline this account may open.

        Parameters
        ----------
        known : list of str
            The managers in the data.

        Returns
        -------
        list of str
            All of ``known`` for an account that sees all; else its own name, or nothing.
        """
        if self.sees_all:
            return list(known)
        return [self.manager] if self.manager else []

    # ------------------------------------------------------------------ rows
    def mask(self, clients: pd.DataFrame) -> np.ndarray:
        """May this account see each row of ``clients``?

        Parameters
        ----------
        clients : pandas.DataFrame
            Columns ``client_id``, ``manager`` (blank: unassigned), ``region``,
            ``is_prospect``.

        Returns
        -------
        numpy.ndarray
            One boolean per row: the manager's own clients, unassigned prospects in their
            regions and the clients in their work; all True for an account that sees all.
        """
        n = len(clients)
        if self.sees_all:
            return np.ones(n, dtype=bool)
        if not self.manager:
            return np.zeros(n, dtype=bool)
        manager = clients["manager"]
        own = (manager == self.manager).fillna(False).to_numpy(dtype=bool)
        regions = self.regions or tuple(clients.loc[own, "region"].dropna().unique())
        unassigned = (manager.isna() | (manager.astype("string").str.strip() == "")).to_numpy(
            dtype=bool
        )
        prospect = clients["is_prospect"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        in_region = clients["region"].isin(regions).to_numpy(dtype=bool)
        in_work = clients["client_id"].isin(self.work).to_numpy(dtype=bool)
        return own | (unassigned & prospect & in_region) | in_work


# ---------------------------------------------------------------------- the pipeline
def _refuse(scope: Scope, what: str) -> KapotError:
    return KapotError(tr("access.refused", login=scope.login, role=scope.role, what=what))


def show_pipeline(
    store: WorklistStore, scope: Scope, manager: str | None, *, at: dt.datetime
) -> pd.DataFrame:
    """``store.show`` for ``manager`` as this account may see it: a manager only their own.

    Parameters
    ----------
    store : kapot.faces.worklists.WorklistStore
        The pipeline store.
    scope : Scope
        The account asking.
    manager : str or None
        Whose pipeline; None: everyone's (a manager account gets its own).
    at : datetime.datetime
        Now, for the days in work and the overdue flag.

    Returns
    -------
    pandas.DataFrame
        Columns ``client_id``, ``manager``, ``state``, ``reason``, ``recall_date``,
        ``list_id``, ``assigned_at``, ``state_since``, ``days_in_work``, ``overdue``; overdue
        first, then by state and time.

    Raises
    ------
    KapotError
        If the account may not open that pipeline.
    """
    if not scope.sees_all:
        if not scope.manager or (manager is not None and manager != scope.manager):
            raise _refuse(scope, tr("access.what_pipeline", manager=str(manager)))
        manager = scope.manager
    return store.show(manager, at=at)


def give_list(
    store: WorklistStore,
    scope: Scope,
    calc: Calculator,
    manager: str,
    query: Query,
    *,
    at: dt.datetime,
    size: int | None = None,
) -> list[str]:
    """Give ``manager`` a working list from ``query``'s ranking.

    A manager's list is drawn only from the clients that manager may see, and a manager gives
    lists to themselves only; a head's or admin's from every client (which reassigns them);
    an analyst gives none.

    Parameters
    ----------
    store : kapot.faces.worklists.WorklistStore
        The pipeline store.
    scope : Scope
        The account giving the list; it authors it.
    calc : kapot.faces.calculator.Calculator
        The scores the list is ranked from.
    manager : str
        Who gets the list; one of ``calc.managers()``.
    query : kapot.faces.calculator.Query
        The ranking (filters, sort); its ``limit`` is raised to 5000 candidates.
    at : datetime.datetime
        When the list is made.
    size : int, optional
        The open prospects the manager is topped up to; default the store's ``max_open``.

    Returns
    -------
    list of str
        The client ids added, best first.

    Raises
    ------
    KapotError
        If the account may not give this list, or ``manager`` is not in the data.
    """
    if not scope.can_move or (not scope.moves_any and manager != scope.manager):
        raise _refuse(scope, tr("access.what_list", manager=str(manager)))
    if manager not in calc.managers():
        raise KapotError(tr("access.unknown_manager", manager=str(manager)))
    target = None if scope.moves_any else scope
    res = calc.find(replace(query, limit=5000), scope=target)
    return store.create_list(
        manager, res["client_id"].tolist(), author=scope.login, at=at, size=size
    )


def move(
    store: WorklistStore,
    scope: Scope,
    client_id: str,
    to_state: str,
    *,
    at: dt.datetime,
    reason: str | None = None,
    recall_date: dt.date | None = None,
    expected_state: str | None = None,
    on_behalf_of: str | None = None,
) -> None:
    """Move a client in the pipeline as this account, authored by it.

    A manager moves only clients in their own work (checked inside the store's transaction),
    a head or admin any, an analyst none.

    Parameters
    ----------
    store : kapot.faces.worklists.WorklistStore
        The pipeline store.
    scope : Scope
        The account moving.
    client_id : str
        The client.
    to_state : str
        The new state, one of the store's ``STATES`` reachable from the current one.
    at : datetime.datetime
        When the move is made.
    reason : str, optional
        A refusal's reason (needed for a refusal, and to reopen a hard one).
    recall_date : datetime.date, optional
        When to call again (needed for a soft refusal and a re-call).
    expected_state : str, optional
        The state the account saw; the move fails with a conflict if someone moved first.
    on_behalf_of : str, optional
        Admin only: the author recorded is "<on_behalf_of> (by admin <login>)".

    Raises
    ------
    KapotError
        If the account may not make this move, or the store refuses it (see
        :meth:`kapot.faces.worklists.WorklistStore.move`).
    """
    if not scope.can_move:
        raise _refuse(scope, tr("access.what_move", client=client_id))
    author = scope.login
    if on_behalf_of and on_behalf_of != scope.login:
        if scope.role != "admin":
            raise _refuse(scope, tr("access.what_behalf", author=on_behalf_of))
        author = f"{on_behalf_of} (by admin {scope.login})"
    store.move(
        client_id,
        to_state,
        author=author,
        at=at,
        reason=reason,
        recall_date=recall_date,
        expected_state=expected_state,
        owner=None if scope.moves_any else (scope.manager or ""),
    )
