"""The read model's scores: what :func:`kapot.models.potential.score_warehouse` published for a
date and horizon (``potential``, ``validation``, ``engine_state``).

:class:`ScoreReads` is a part of :class:`~kapot.pipeline.snapshot.Snapshot`. Light like it: the
engine is imported only when a served ranker's pickle is loaded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
from typing import TYPE_CHECKING

import pandas as pd

from kapot import runner
from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.store.warehouse import Warehouse

if TYPE_CHECKING:
    from kapot.models.engine.history import Snapshot as EngineSnapshot
    from kapot.models.engine.serving import ServedRanker

__all__ = ["ScoreReads"]


class ScoreReads:
    """The reads of a :class:`~kapot.pipeline.snapshot.Snapshot` that depend on its horizon
    (a base of it, not used alone): it reads the snapshot's ``db``, ``as_of`` and
    ``horizon_days``; without a horizon there are no scores."""

    db: str | os.PathLike[str] | None
    as_of: dt.date
    horizon_days: int | None

    def potential(self) -> pd.DataFrame:
        """The stored category scores for this date and horizon (empty if none).

        Returns
        -------
        pandas.DataFrame
            One row per client and category (``level`` 'category'): client_id, item,
            probability, expected_value, scored_by, has_bought and the reasons' inputs, as
            :func:`kapot.models.potential.score_warehouse` stores them, with as_of and
            horizon_days; empty without scores or ``horizon_days``.
        """
        with Warehouse(self.db).read() as con:
            if not runner.has_table(con, "potential") or self.horizon_days is None:
                return pd.DataFrame()
            return runner.query(
                con, "read/potential", as_of=self.as_of, horizon_days=self.horizon_days
            )

    def validation(self) -> dict[str, dict]:
        """The validation reports per level for this date and horizon (empty if none).

        Returns
        -------
        dict of str to dict
            ``category`` and ``sku`` -> the report stored by the run (leaderboard, served
            rankers, weights, notes), as in :attr:`kapot.pipeline.RunReport.reports`.
        """
        if self.horizon_days is None:
            return {}
        with Warehouse(self.db).read() as con:
            if not runner.has_table(con, "validation"):
                return {}
            got = runner.execute(
                con, "read/validation", as_of=self.as_of, horizon_days=self.horizon_days
            )
        return {level: json.loads(report) for level, report in got}

    def engine_state(self, level: str) -> tuple[ServedRanker, EngineSnapshot] | None:
        """(served ranker, snapshot) for ``level``, or None if not scored. The warehouse is
        written only by kapot's own pipeline, so its pickles are trusted.

        Parameters
        ----------
        level : {"category", "sku"}
            The engine's level.

        Returns
        -------
        tuple or None
            The served ranker and the engine's history snapshot at the cutoff
            (:class:`kapot.models.engine.history.Snapshot`) it scores; None without scores for
            this date, horizon and level. Unpickling imports the engine.

        Raises
        ------
        KapotError
            if the state was stored by an older kapot, in another layout (run ``kapot score``
            again).
        """
        if self.horizon_days is None:
            return None
        with Warehouse(self.db).read() as con:
            if not runner.has_table(con, "engine_state"):
                return None
            got = runner.execute(
                con,
                "read/engine_state",
                as_of=self.as_of,
                horizon_days=self.horizon_days,
                level=level,
            )
        if not got:
            return None
        state = pickle.loads(got[0][0])
        # the engine is imported by the unpickling above anyway; not at the top (CLI start-up)
        from kapot.models.engine.config import ENGINE_STATE_VERSION

        if not (isinstance(state, tuple) and len(state) == 3 and state[0] == ENGINE_STATE_VERSION):
            raise KapotError(tr("calculator.engine_outdated", as_of=str(self.as_of)))
        return state[1], state[2]
