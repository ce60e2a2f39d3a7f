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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS work (
    client_id   TEXT PRIMARY KEY,
    manager     TEXT NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT,
    recall_date TEXT,
    list_id     INTEGER NOT NULL,
    assigned_at TEXT NOT NULL,
    state_since TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS transitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id   TEXT NOT NULL,
    manager     TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    reason      TEXT,
    recall_date TEXT,
    at          TEXT NOT NULL,
    author      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lists (
    list_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    manager    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    author     TEXT NOT NULL,
    added      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS work_manager ON work(manager, state);
"""


@dataclass(frozen=True)
class PipelineConfig:
    """``max_open`` open prospects per manager (50-90); ``max_deal_days`` before a prospect
    must move on (14, 30 or 40 by the company's rule)."""

    max_open: int = 90
    max_deal_days: int = 30

    def __post_init__(self) -> None:
        if not 50 <= self.max_open <= 90:
            raise KapotError(tr("worklist.bad_size", size=self.max_open))
        if self.max_deal_days <= 0:
            raise KapotError(tr("worklist.bad_deal_days", days=self.max_deal_days))


def default_store_path(db: str | os.PathLike[str] | None = None) -> Path:
    """``KAPOT_WORKLISTS`` if set, else ``worklists.sqlite`` beside the warehouse."""
    env = os.environ.get("KAPOT_WORKLISTS")
    if env:
        return Path(env)
    return (Path(db) if db else default_db_path()).with_name("worklists.sqlite")


def _ts(at: dt.datetime) -> str:
    return at.replace(microsecond=0).isoformat(sep=" ")


class WorklistStore(WorklistViews):
    """The pipeline store. Every method takes ``at`` (the time of the action) explicitly."""

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
            con.executescript(_SCHEMA)

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
        """Give ``manager`` the first eligible ``candidates`` (best first) until the manager has
        ``size`` (default ``max_open``) open prospects. Returns the client ids added. With
        ``known_managers`` (the managers in the data), any other name is an error naming the
        nearest ones, so real clients are never handed to a typo."""
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
                for cid, state, reason, recall in con.execute(
                    "SELECT client_id, state, reason, recall_date FROM work"
                )
            }
            cur = con.execute(
                "INSERT INTO lists (manager, created_at, author, added) VALUES (?, ?, ?, 0)",
                (manager, _ts(at), author),
            )
            list_id = cur.lastrowid
            added: list[str] = []
            for cid in candidates:
                if len(added) >= room:
                    break
                prev = taken.get(cid)
                if prev is not None:
                    state, reason, recall = prev
                    soft_due = (
                        state == "refusal"
                        and REFUSAL_REASONS.get(reason or "", "hard") == "soft"
                        and (recall or "9999") <= today
                    )
                    if not soft_due:
                        continue  # in someone's work, a hard refusal, or a soft one not yet due
                con.execute(
                    """
                    INSERT INTO work (client_id, manager, state, reason, recall_date, list_id, assigned_at, state_since)
                    VALUES (?, ?, 'new', NULL, NULL, ?, ?, ?)
                    ON CONFLICT(client_id) DO UPDATE SET manager = excluded.manager, state = 'new', reason = NULL,
                        recall_date = NULL, list_id = excluded.list_id, assigned_at = excluded.assigned_at,
                        state_since = excluded.state_since, version = work.version + 1
                    """,
                    (cid, manager, list_id, _ts(at), _ts(at)),
                )
                con.execute(
                    "INSERT INTO transitions (client_id, manager, from_state, to_state, at, author) VALUES (?, ?, ?, 'new', ?, ?)",
                    (cid, manager, prev[0] if prev else None, _ts(at), author),
                )
                added.append(cid)
            con.execute("UPDATE lists SET added = ? WHERE list_id = ?", (len(added), list_id))
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
        """Move a client to ``to_state`` along :data:`TRANSITIONS`. A refusal needs a reason; a
        soft refusal and a re-call need a re-call date; reopening a hard refusal (back to new
        or re-call) needs a ``reason``, kept in the history. With ``expected_state``, the move
        fails with a conflict if someone else moved the client first. With ``owner`` (a
        manager's account, see :func:`kapot.server.access.move`), the move is refused unless the
        client is in that manager's work, checked in the same transaction."""
        if to_state not in STATES:
            raise KapotError(tr("worklist.bad_state", state=to_state, states=", ".join(STATES)))
        if to_state == "refusal":
            if reason not in REFUSAL_REASONS:
                raise KapotError(tr("worklist.refusal_reason", reasons=", ".join(REFUSAL_REASONS)))
            if REFUSAL_REASONS[reason] == "soft" and recall_date is None:
                raise KapotError(tr("worklist.recall_needed", reason=reason))
        if to_state == "recall" and recall_date is None:
            raise KapotError(tr("worklist.recall_needed", reason=to_state))
        with self._transaction() as con:
            row = con.execute(
                "SELECT state, manager, reason FROM work WHERE client_id = ?", (client_id,)
            ).fetchone()
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
                "UPDATE work SET state = ?, reason = ?, recall_date = ?, state_since = ?, version = version + 1 WHERE client_id = ?",
                (to_state, reason, rdate, _ts(at), client_id),
            )
            con.execute(
                "INSERT INTO transitions (client_id, manager, from_state, to_state, reason, recall_date, at, author) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (client_id, manager, state, to_state, reason, rdate, _ts(at), author),
            )
