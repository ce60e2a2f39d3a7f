"""The engine: rolling-origin folds over a history (:mod:`kapot.models.engine.folds`), the
candidates validated on them (:mod:`kapot.models.engine.selection`), and the ranker served per
task."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kapot.models.engine.als import BackgroundAls
from kapot.models.engine.blend import fit_lr
from kapot.models.engine.boosted import boosted_predict
from kapot.models.engine.config import CANDIDATES, DAY0, TASKS, EngineConfig
from kapot.models.engine.folds import (
    FoldBuilder,
    count_uses,
    plan_folds,
    read_order,
)
from kapot.models.engine.history import History, Snapshot, days
from kapot.models.engine.leaderboard import leaderboard_rows, validation_rows
from kapot.models.engine.pool import outside_ratio
from kapot.models.engine.ranking import Fold, design_labels
from kapot.models.engine.selection import Selection
from kapot.models.engine.serving import ServedRanker

__all__ = ["Engine", "als_ahead", "engine_report", "first_date", "warehouse_notes"]


def warehouse_notes(history: History, as_of: dt.date, n_items: int) -> list[str]:
    """What this warehouse cannot tell the rankers (shown to the user, never an error).

    Parameters
    ----------
    history : History
        The history fitted on.
    as_of : datetime.date
        The scoring date.
    n_items : int
        Items validated.

    Returns
    -------
    list of str
        Codes, of ``one_item``, ``one_region``, ``one_industry``, ``no_prospects`` (every
        client bought before ``as_of``) and ``short_history`` (under 183 days).
    """
    out = []
    if n_items == 1:
        out.append("one_item")
    if len(np.unique(history.region)) <= 1:
        out.append("one_region")
    if len(np.unique(history.industry)) <= 1:
        out.append("one_industry")
    c = int(days([as_of])[0])
    active = np.zeros(history.n_clients, dtype=bool)
    active[history.client[history.span(-(10**9), c)]] = True
    if active.all():
        out.append("no_prospects")
    if history.first_day is not None and c - history.first_day < 183:
        out.append("short_history")
    return out


def first_date(history: History, as_of: dt.date) -> dt.date:
    """The history's first day (``as_of`` when it has no line).

    Parameters
    ----------
    history : History
        The history.
    as_of : datetime.date
        The scoring date.

    Returns
    -------
    datetime.date
    """
    first = history.first_day
    return (DAY0 + np.timedelta64(first, "D")).astype(dt.date) if first is not None else as_of


def als_ahead(
    config: EngineConfig,
    history: History,
    as_of: dt.date,
    level: str,
    pool: ThreadPoolExecutor | None = None,
) -> BackgroundAls:
    """Start the ALS fits that :meth:`Engine.fit` at ``as_of`` and ``level`` will read, in
    the order it reads them, before it runs (e.g. while the pipeline builds the profiles).

    Parameters
    ----------
    config : EngineConfig
        The engine's settings (the folds', the ALS').
    history : History
        The history the engine will fit on.
    as_of : datetime.date
        The scoring date.
    level : str
        ``'category'`` or ``'sku'``.
    pool : concurrent.futures.ThreadPoolExecutor, optional
        A one-thread pool shared by the levels (see :class:`BackgroundAls`).

    Returns
    -------
    BackgroundAls
        Pass it to :meth:`Engine.fit` (``als=``).
    """
    first = first_date(history, as_of)
    dates, use_boosted, _ = plan_folds(config, as_of, first)
    als = BackgroundAls(history, level, config, pool)
    als.start(read_order(config, dates, as_of, first, use_boosted))
    return als


@dataclass
class Engine:
    """Validate the candidates on the history before ``as_of`` and serve the best ranker.

    After :meth:`fit`, ``leaderboard_`` holds the test-fold metrics per task and ranker,
    ``served_`` the ranker served per task (``blend``, ``stack`` or a candidate's name), ``weights_`` the
    blend's weights, ``notes_`` what could not be validated and why.

    Parameters
    ----------
    config : EngineConfig
        The engine's settings (horizon, folds, candidates' and blend's settings).
    """

    config: EngineConfig = field(default_factory=EngineConfig)

    # ---------------------------------------------------------------- fit
    def fit(
        self,
        history: History,
        as_of: dt.date,
        *,
        level: str,
        items: list[str] | None = None,
        als: BackgroundAls | None = None,
    ) -> Engine:
        """Validate on the folds before ``as_of`` and choose the served ranker per task.

        Parameters
        ----------
        history : History
            The sales history; nothing on or after ``as_of`` is read.
        as_of : datetime.date
            The scoring date.
        level : str
            ``'category'`` or ``'sku'``.
        items : list of str, optional
            The items validated (default: all of the level's items; at the SKU level pass
            the active ones, e.g. :meth:`History.top_items`).
        als : BackgroundAls, optional
            The ALS fits of this fit's cutoffs, started before (:func:`als_ahead`, with the
            same ``history``, ``as_of``, ``level`` and config); default started here.

        Returns
        -------
        Engine
            ``self``, fitted.

        Raises
        ------
        ValueError
            When an item of ``items`` is not in the history.
        """
        self.history_, self.level_, self.as_of_ = history, level, as_of
        all_items = history.items(level)
        self.items_ = list(items) if items is not None else list(all_items)
        self.cols_ = all_items.get_indexer(self.items_)
        if (self.cols_ < 0).any():
            raise ValueError("unknown items")
        self.first_ = first_date(history, as_of)
        dates, self.use_boosted_, self.notes_ = plan_folds(self.config, as_of, self.first_)
        self.fold_dates_ = dates
        uses = count_uses(self.config, dates, as_of, self.first_, self.use_boosted_)
        self._folds = FoldBuilder(
            history, level, self.cols_, self.config, self.first_, uses, als=als
        )
        if als is None:
            self._folds.als.start(
                read_order(self.config, dates, as_of, self.first_, self.use_boosted_)
            )
        self.notes_ += warehouse_notes(history, as_of, len(self.cols_))
        self.blend_names_ = [c for c in CANDIDATES if c != "boosted" or self.use_boosted_]
        if self.use_boosted_ and self.config.blend_reads_stack:
            self.blend_names_.append("stack")
        self.sel_ = Selection(self.config, self.blend_names_, len(self.cols_))
        fold = lambda d, role: self._folds.fold(d, role, self.sel_, self.use_boosted_)  # noqa: E731
        val = [fold(d, "validation") for d in dates["validation"]]
        test = [fold(d, "test") for d in dates["test"]]
        self.served_, rows = {}, []
        for task in TASKS:
            served, reason = self.sel_.choose(val, task, self.blend_names_)
            self.served_[task] = served
            if reason:
                self.notes_.append(f"{task}:{reason}")
            if test:
                rows += leaderboard_rows(self.sel_, val, test[0], task, self.blend_names_, served)
        if not test:  # no separate test fold: show the validation figures, marked as such
            rows = validation_rows(self.sel_, val, self.served_)
        self.leaderboard_ = pd.DataFrame(rows)
        self._refit(val + test)
        if not dates["validation"]:
            self.notes_.append("no_validation_fold")
        if self.use_boosted_:  # the models serving uses, trained before the snapshots go
            self._folds.boosted(as_of)
        self._folds.release(as_of)  # the folds' frames and the training snapshots
        return self

    def _refit(self, labelled: list[Fold]) -> None:
        """The served rankers refitted on every labelled fold, the blend's weights, and the
        outside-the-pool rate per task (positives per expected at the item's base rate)."""
        self._lrs, self.weights_, self.outside_ratio_ = {}, {}, {}
        for task in TASKS:
            served = self.served_[task]
            names = self.blend_names_ if served == "blend" else [served]
            # the stack serves its own probabilities (trained at the scoring date, see ranker)
            fit = labelled and served != "stack"
            lr = fit_lr(self.sel_, labelled, task, names) if fit else None
            self._lrs[task] = lr
            if served == "blend" and lr is not None:
                # weights of standardised inputs: comparable across inputs
                coef = lr[-1].coef_[0].round(3).tolist()
                self.weights_[task] = dict(zip(design_labels(names), coef, strict=True))
            self.outside_ratio_[task] = outside_ratio(labelled, task)

    # ---------------------------------------------------------------- serving
    def ranker(self) -> ServedRanker:
        """What :meth:`fit` chose, ready to score any item of the level at ``as_of``.

        Returns
        -------
        ServedRanker
            Pickle it with a detached snapshot (:meth:`Snapshot.detached`) to serve without
            the history.
        """
        uses_boosted = any(
            self.served_[t] in ("boosted", "stack")
            or (self.served_[t] == "blend" and {"boosted", "stack"} & set(self.blend_names_))
            for t in TASKS
        )
        return ServedRanker(
            config=self.config,
            served=dict(self.served_),
            blend_names=list(self.blend_names_),
            lrs=dict(self._lrs),
            boosted=self._folds.boosted(self.as_of_) if uses_boosted else None,
            outside_ratio=dict(self.outside_ratio_),
        )

    def boosted_scores(self, items: list[str], which: str = "boosted") -> np.ndarray | None:
        """The boosted candidate's (or the stack's) probabilities at ``as_of`` for every
        client x item of ``items``.

        Parameters
        ----------
        items : list of str
            Items of the fitted level.
        which : str
            ``'boosted'`` (the candidate, its own inputs) or ``'stack'`` (the learned blend
            over the pair features and the candidates' scores).

        Returns
        -------
        numpy.ndarray or None
            One probability per client and item (row-major: client, then item); None when
            the boosted model had no history to train on.
        """
        models = self._folds.boosted(self.as_of_) if self.use_boosted_ else None
        if models is None:
            return None
        cols = self.history_.items(self.level_).get_indexer(items)
        return boosted_predict(models[which], self.snapshot().pair_frame(cols, self.config))

    def snapshot(self) -> Snapshot:
        """The snapshot at ``as_of`` that the ranker scores.

        Returns
        -------
        Snapshot
        """
        return self._folds.snap(self.as_of_)

    def score_items(self, items: list[str] | None = None) -> pd.DataFrame:
        """Scores at ``as_of`` for every client and item.

        Parameters
        ----------
        items : list of str, optional
            Items of the fitted level (default: the validated items).

        Returns
        -------
        pandas.DataFrame
            As :meth:`ServedRanker.score` returns it.
        """
        items = list(items) if items is not None else self.items_
        return self.ranker().score(self.snapshot(), items)

    def report(self) -> dict:
        """What the validation found, ready to store as JSON.

        Returns
        -------
        dict
            See :func:`engine_report`.
        """
        return engine_report(self)


def engine_report(eng: Engine) -> dict:
    """What a fitted engine's validation found, ready to store as JSON.

    Parameters
    ----------
    eng : Engine
        A fitted engine.

    Returns
    -------
    dict
        ``level``, ``as_of`` and ``horizon_days`` (ISO text and days), ``k``, ``items`` (how
        many), ``served`` (task -> ranker), ``weights`` (task -> blend input -> weight),
        ``validation`` (task -> ranker -> mean validation precision@k), ``folds`` (role ->
        cutoffs as ISO text), ``notes`` (codes) and ``leaderboard`` (records: task, ranker,
        precision_at_k, ndcg_at_k, items, served, test_cutoff, validation_cutoffs,
        lift_vs_largest; rounded to 4 places).
    """
    lb = eng.leaderboard_.copy()
    if len(lb):
        lb["test_cutoff"] = lb["test_cutoff"].map(lambda d: None if d is None else str(d))
    return {
        "level": eng.level_,
        "as_of": str(eng.as_of_),
        "horizon_days": eng.config.horizon_days,
        "k": eng.config.k,
        "items": len(eng.items_),
        "served": eng.served_,
        "weights": eng.weights_,
        "validation": eng.sel_.validation_scores_,
        "folds": {k: [str(d) for d in v] for k, v in eng.fold_dates_.items()},
        "notes": eng.notes_,
        "leaderboard": lb.round(4).to_dict(orient="records"),
    }
