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

import numpy as np
import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import tr

__all__ = ["Scope", "give_list", "move", "show_pipeline"]

_SEES_ALL = ("head", "analyst", "admin")
_MOVES_ANY = ("head", "admin")


@dataclass(frozen=True)
class Scope:
    """What one account may see and do. Build it with :meth:`for_account` or :meth:`local`."""

    login: str
    role: str
    manager: str | None = None
    regions: tuple[str, ...] = ()
    work: frozenset[str] = frozenset()  # clients a head put in this manager's pipeline

    @classmethod
    def for_account(cls, account) -> Scope:
        """The scope of a :class:`kapot.server.auth.Account` (a disabled account has none)."""
        if account is None or account.disabled:
            raise KapotError(tr("access.no_account"))
        return cls(account.login, account.role, account.manager, tuple(account.regions))

    def with_work(self, store, *, at: dt.datetime) -> Scope:
        """This scope plus the clients in the manager's pipeline (a head may give a manager
        clients from outside their own client base: the manager then sees and works them)."""
        if self.sees_all or not self.manager:
            return self
        ids = store.show(self.manager, at=at)["client_id"]
        return replace(self, work=frozenset(ids.astype(str)))

    @classmethod
    def local(cls, login: str) -> Scope:
        """Someone with the warehouse file in hand (the CLI, papermill, JupyterLab): they can
        read every row anyway, so they see everything; moves are authored by ``login``."""
        return cls(login, "admin")

    # ------------------------------------------------------------------ rights
    @property
    def sees_all(self) -> bool:
        return self.role in _SEES_ALL

    @property
    def can_move(self) -> bool:
        return self.role in ("manager", *_MOVES_ANY)

    @property
    def moves_any(self) -> bool:
        return self.role in _MOVES_ANY

    def managers(self, known: list[str]) -> list[str]:
        """The managers whose pipeline this account may open."""
        if self.sees_all:
            return list(known)
        return [self.manager] if self.manager else []

    # ------------------------------------------------------------------ rows
    def mask(self, clients: pd.DataFrame) -> np.ndarray:
        """One boolean per row of ``clients`` (columns manager, region, is_prospect): may this
        account see it?"""
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

    def allows(self, clients: pd.DataFrame, client_id: str) -> bool:
        """May this account see client ``client_id`` (a row of ``clients``, with the columns
        :meth:`mask` reads)?"""
        hit = (clients["client_id"] == client_id).to_numpy()
        return bool(hit.any() and self.mask(clients)[hit].any())


# ---------------------------------------------------------------------- the pipeline
def _refuse(scope: Scope, what: str) -> KapotError:
    return KapotError(tr("access.refused", login=scope.login, role=scope.role, what=what))


def show_pipeline(store, scope: Scope, manager: str | None, *, at: dt.datetime) -> pd.DataFrame:
    """``store.show`` for ``manager`` as this account may see it: a manager only their own."""
    if not scope.sees_all:
        if not scope.manager or (manager is not None and manager != scope.manager):
            raise _refuse(scope, tr("access.what_pipeline", manager=str(manager)))
        manager = scope.manager
    return store.show(manager, at=at)


def give_list(
    store,
    scope: Scope,
    calc,
    manager: str,
    query,
    *,
    at: dt.datetime,
    size: int | None = None,
) -> list[str]:
    """Give ``manager`` a working list from ``query``'s ranking, drawn only from the clients
    that manager may see (a head or admin: from every client, which reassigns them). A
    manager gives lists to themselves only; an analyst to nobody."""
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
    store,
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
    """Move a client in the pipeline as this account: a manager only clients in their own work
    (checked inside the store's transaction), a head or admin any, an analyst none. The move
    is authored by the account; ``on_behalf_of`` (admin only) records
    "<on_behalf_of> (by admin <login>)"."""
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
