"""Working lists and the sales pipeline.

"Give this list to manager X" creates a working list: at most ``max_open`` (default 90,
configurable 50-90) open prospects per manager, skipping clients already in someone's work,
hard refusals, and soft refusals before their re-call date. Each client then moves through the
pipeline: new, contact 1-3, refusal (a reason: non-profile is hard; no money or crisis are soft
and need a re-call date), deal, strategic reserve, re-call, deal support, client. Every
transition is stored with its time and author; prospects open longer than the maximum deal
length (14, 30 or 40 days, configurable) are flagged overdue.

The store is SQLite in WAL mode beside the warehouse (``worklists.sqlite``), not DuckDB: the
pipeline is many small writes from several managers' pages at once, which SQLite serialises
per transaction (``BEGIN IMMEDIATE``) without copying anything, while the DuckDB warehouse is
published whole by loads. A move names the state it expects to leave, so two managers moving
the same client cannot silently overwrite each other: the second gets a clear conflict.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kapot.config import default_db_path
from kapot.errors import KapotError, nearest
from kapot.faces.worklist_views import WorklistViews
from kapot.i18n import tr
from kapot.runner import sql

__all__ = [
    "STATES",
    "OPEN_STATES",
    "REFUSAL_REASONS",
    "TRANSITIONS",
    "WorklistStore",
    "PipelineConfig",
]

STATES = (
    "new",
    "contact_1",
    "contact_2",
    "contact_3",
    "refusal",
    "deal",
    "strategic_reserve",
    "recall",
    "deal_support",
    "client",
)
OPEN_STATES = ("new", "contact_1", "contact_2", "contact_3", "recall", "deal")
# hard: never offered again; soft: offered again from the re-call date
REFUSAL_REASONS = {"non_profile": "hard", "no_money": "soft", "crisis": "soft", "other": "soft"}
TRANSITIONS = {
    "new": {"contact_1", "refusal", "strategic_reserve"},
    "contact_1": {"contact_2", "refusal", "deal", "recall", "strategic_reserve"},
    "contact_2": {"contact_3", "refusal", "deal", "recall", "strategic_reserve"},
    "contact_3": {"refusal", "deal", "recall", "strategic_reserve"},
    "recall": {"contact_1", "contact_2", "contact_3", "refusal", "deal", "strategic_reserve"},
    "deal": {"deal_support", "client", "refusal"},
    "deal_support": {"client", "refusal"},
    "strategic_reserve": {"new", "recall"},
    "refusal": {"recall", "new"},
    "client": {"deal_support"},
}


@dataclass(frozen=True)
class PipelineConfig:
    """The company's rules for working lists.

    Parameters
    ----------
    max_open : int
        Open prospects a manager may have at once, 50..90; a list is cut to it.
    max_deal_days : int
        Days in work (since assigned) after which an open prospect is flagged overdue, more
        than 0 (14, 30 or 40 by the company's rule).

    Raises
    ------
    KapotError
        For a ``max_open`` outside 50..90 or a ``max_deal_days`` under 1.
    """

    max_open: int = 90
    max_deal_days: int = 30

    def __post_init__(self) -> None:
        if not 50 <= self.max_open <= 90:
            raise KapotError(tr("worklist.bad_size", size=self.max_open))
        if self.max_deal_days <= 0:
            raise KapotError(tr("worklist.bad_deal_days", days=self.max_deal_days))


def default_store_path(db: str | os.PathLike[str] | None = None) -> Path:
    """Where the pipeline store lives.

    Parameters
    ----------
    db : str or os.PathLike, optional
        The warehouse; None: ``KAPOT_DB`` or ``data/kapot.duckdb``.

    Returns
    -------
    pathlib.Path
        ``KAPOT_WORKLISTS`` if set, else ``worklists.sqlite`` beside the warehouse.
    """
    env = os.environ.get("KAPOT_WORKLISTS")
    if env:
        return Path(env)
    return (Path(db) if db else default_db_path()).with_name("worklists.sqlite")


def _sql(name: str) -> str:
    """The store's statement ``kapot/sql/worklists/<name>.sql`` (SQLite, ``?`` placeholders)."""
    return sql(f"worklists/{name}")


def _ts(at: dt.datetime) -> str:
    return at.replace(microsecond=0).isoformat(sep=" ")


def _offered_again(state: str, reason: str | None, recall: str | None, today: str) -> bool:
    """May a client already in the store (its state, reason and re-call date, ISO) be given to
    a manager again on ``today``: only after a soft refusal whose re-call date has come."""
    return (
        state == "refusal"
        and REFUSAL_REASONS.get(reason or "", "hard") == "soft"
        and (recall or "9999") <= today
    )


def _check_move(to_state: str, reason: str | None, recall_date: dt.date | None) -> None:
    """The rules a move must meet whatever the client's state: a known state, a refusal's
    reason, a re-call date for a soft refusal and a re-call (:class:`KapotError` otherwise)."""
    if to_state not in STATES:
        raise KapotError(tr("worklist.bad_state", state=to_state, states=", ".join(STATES)))
    if to_state == "refusal":
        if reason not in REFUSAL_REASONS:
            raise KapotError(tr("worklist.refusal_reason", reasons=", ".join(REFUSAL_REASONS)))
        if REFUSAL_REASONS[reason] == "soft" and recall_date is None:
            raise KapotError(tr("worklist.recall_needed", reason=reason))
    if to_state == "recall" and recall_date is None:
        raise KapotError(tr("worklist.recall_needed", reason=to_state))


class WorklistStore(WorklistViews):
    """The pipeline store. Every method takes ``at`` (the time of the action) explicitly.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The SQLite file, created with its tables if absent; None: :func:`default_store_path`.
    config : PipelineConfig
        The caps: open prospects per manager, days before a prospect is overdue.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        config: PipelineConfig = PipelineConfig(),
    ) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.config = config
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(sql("worklists_schema"))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA busy_timeout=30000")
            yield con
        finally:
            con.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")  # one writer at a time; others wait, none is lost
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    # ------------------------------------------------------------------ lists
    def create_list(
        self,
        manager: str,
        candidates: Iterable[str],
        *,
        author: str,
        at: dt.datetime,
        size: int | None = None,
        known_managers: Iterable[str] | None = None,
    ) -> list[str]:
        """Give ``manager`` the first eligible ``candidates`` until the manager has ``size``
        open prospects, in one transaction. A client is skipped while in someone's work, after
        a hard refusal, or after a soft one before its re-call date.

        Parameters
        ----------
        manager : str
            Who gets the list.
        candidates : iterable of str
            Client ids, best first (e.g. a :meth:`~kapot.faces.calculator.Calculator.find`
            list's client_id).
        author, at : str, datetime.datetime
            Who gives the list and when, stored with each assignment.
        size : int, optional
            Open prospects the manager should have, 1 to ``config.max_open`` (the default).
        known_managers : iterable of str, optional
            The managers in the data: any other name is an error naming the nearest ones (real
            clients are never handed to a typo). None: not checked.

        Returns
        -------
        list of str
            The client ids added, in ``candidates``' order.
        """
        if known_managers is not None:
            known = {m for m in known_managers if isinstance(m, str)}
            if manager not in known:
                raise KapotError(
                    tr("filters.unknown_manager", name=manager, near=nearest(manager, known))
                )
        limit = self.config.max_open if size is None else size
        if not 1 <= limit <= self.config.max_open:
            raise KapotError(tr("worklist.bad_size", size=limit))
        today = at.date().isoformat()
        with self._transaction() as con:
            open_now = con.execute(
                f"SELECT count(*) FROM work WHERE manager = ? AND state IN ({','.join('?' * len(OPEN_STATES))})",
                (manager, *OPEN_STATES),
            ).fetchone()[0]
            room = max(limit - open_now, 0)
            taken = {
                cid: (state, reason, recall)
                for cid, state, reason, recall in con.execute(_sql("taken"))
            }
            cur = con.execute(
                _sql("new_list"),
                (manager, _ts(at), author),
            )
            list_id = cur.lastrowid
            added: list[str] = []
            for cid in candidates:
                if len(added) >= room:
                    break
                prev = taken.get(cid)
                if prev is not None and not _offered_again(*prev, today):
                    continue  # in someone's work, a hard refusal, or a soft one not yet due
                con.execute(
                    _sql("assign"),
                    (cid, manager, list_id, _ts(at), _ts(at)),
                )
                con.execute(
                    _sql("log_assign"),
                    (cid, manager, prev[0] if prev else None, _ts(at), author),
                )
                added.append(cid)
            con.execute(_sql("list_added"), (len(added), list_id))
        return added

    # ------------------------------------------------------------------ moves
    def move(
        self,
        client_id: str,
        to_state: str,
        *,
        author: str,
        at: dt.datetime,
        reason: str | None = None,
        recall_date: dt.date | None = None,
        expected_state: str | None = None,
        owner: str | None = None,
    ) -> None:
        """Move a client to ``to_state`` along :data:`TRANSITIONS`, stored in the history.

        Parameters
        ----------
        client_id : str
            A client in someone's work.
        to_state : str
            One of :data:`STATES`, allowed from the client's state by :data:`TRANSITIONS`.
        author, at : str, datetime.datetime
            Who moves the client and when.
        reason : str, optional
            A refusal's reason, one of :data:`REFUSAL_REASONS` (required); reopening a hard
            refusal needs a reason too (any text).
        recall_date : datetime.date, optional
            When to call again: required for a soft refusal and a re-call.
        expected_state : str, optional
            The state the caller saw: a conflict if someone moved the client first.
        owner : str, optional
            A manager (see :func:`kapot.server.access.move`): refused unless the client is in
            that manager's work, checked in the same transaction.

        Raises
        ------
        KapotError
            for a move these rules refuse, naming the client and states; nothing is stored.
        """
        _check_move(to_state, reason, recall_date)
        with self._transaction() as con:
            row = con.execute(_sql("work_row"), (client_id,)).fetchone()
            if row is None:
                raise KapotError(tr("worklist.not_in_work", client=client_id))
            state, manager, was = row
            if owner is not None and manager != owner:
                raise KapotError(tr("access.not_yours", client=client_id))
            if expected_state is not None and state != expected_state:
                raise KapotError(
                    tr("worklist.conflict", client=client_id, expected=expected_state, state=state)
                )
            if to_state not in TRANSITIONS[state]:
                raise KapotError(
                    tr("worklist.bad_transition", client=client_id, old=state, new=to_state)
                )
            hard = state == "refusal" and REFUSAL_REASONS.get(was or "", "hard") == "hard"
            if hard and not (reason or "").strip():
                raise KapotError(
                    tr("filters.reopen_needs_reason", client=client_id, reason=was or "-")
                )
            rdate = recall_date.isoformat() if recall_date else None
            con.execute(
                _sql("move"),
                (to_state, reason, rdate, _ts(at), client_id),
            )
            con.execute(
                _sql("log_move"),
                (client_id, manager, state, to_state, reason, rdate, _ts(at), author),
            )
