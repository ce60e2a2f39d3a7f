"""The engine's rolling-origin folds: their dates, and the snapshots, candidates and boosted
models of each cutoff, made once per fit and dropped when no later step reads them.

Folds (``h`` = horizon, ``s`` = ``step_days``): test at ``as_of - h``; validation at
``as_of - 2h``, ``as_of - 2h - s``, ...; the boosted model scoring at cutoff ``c`` is trained on
cutoffs ``c - h``, ``c - h - s`` (labels known at ``c``). A history too short for that
validates on its latest horizon and reports no test figure (:func:`plan_folds`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from kapot.models.engine.als import BackgroundAls
from kapot.models.engine.boosted import (
    BOOSTED_FEATURES,
    STACK_FEATURES,
    boosted_predict,
    boosted_predict_all,
    fit_boosted_sets,
)
from kapot.models.engine.config import FOLD_KEEP, TASKS, EngineConfig
from kapot.models.engine.history import History, Snapshot
from kapot.models.engine.pool import outside_counts, pool_rows
from kapot.models.engine.ranking import Fold
from kapot.models.engine.selection import Selection

__all__ = [
    "FoldBuilder",
    "count_uses",
    "fold_dates",
    "plan_folds",
    "read_order",
    "train_dates",
]


def fold_dates(cfg: EngineConfig, as_of: dt.date, first: dt.date) -> dict[str, list[dt.date]]:
    """The test cutoff (``as_of - h``) and the validation cutoffs (``as_of - 2h``, then
    ``step_days`` earlier each), those with ``min_history_days`` of history before them.

    Parameters
    ----------
    cfg : EngineConfig
        ``horizon_days``, ``step_days``, ``validation_folds``, ``min_history_days``.
    as_of : datetime.date
        The scoring date.
    first : datetime.date
        The history's first day.

    Returns
    -------
    dict
        ``'test'`` and ``'validation'`` -> lists of cutoffs (latest first), either possibly
        empty.
    """
    h, s = cfg.horizon_days, cfg.step_days
    ok = lambda d: d >= first + dt.timedelta(days=cfg.min_history_days)  # noqa: E731
    test = as_of - dt.timedelta(days=h)
    vals = [as_of - dt.timedelta(days=2 * h + s * k) for k in range(cfg.validation_folds)]
    return {"test": [test] if ok(test) else [], "validation": [v for v in vals if ok(v)]}


def train_dates(cfg: EngineConfig, cutoff: dt.date, first: dt.date) -> list[dt.date]:
    """The cutoffs the boosted model scored at ``cutoff`` is trained on (labels known by then).

    Parameters
    ----------
    cfg : EngineConfig
        ``horizon_days``, ``step_days``, ``boosted_cutoffs``, ``min_history_days``.
    cutoff : datetime.date
        Where the model scores.
    first : datetime.date
        The history's first day.

    Returns
    -------
    list of datetime.date
        ``cutoff - h``, then ``step_days`` earlier each, those with ``min_history_days`` of
        history before them; empty when none has.
    """
    out = [
        cutoff - dt.timedelta(days=cfg.horizon_days + cfg.step_days * k)
        for k in range(cfg.boosted_cutoffs)
    ]
    return [d for d in out if d >= first + dt.timedelta(days=cfg.min_history_days)]


def plan_folds(
    cfg: EngineConfig, as_of: dt.date, first: dt.date
) -> tuple[dict[str, list[dt.date]], bool, list[str]]:
    """The folds of a fit for a history starting at ``first``: a short history validates on its
    latest horizon and reports no test figure.

    Parameters
    ----------
    cfg : EngineConfig
        The engine's settings (see :func:`fold_dates`, :func:`train_dates`).
    as_of : datetime.date
        The scoring date.
    first : datetime.date
        The history's first day.

    Returns
    -------
    dates : dict
        As :func:`fold_dates` returns them, after the short-history fallbacks.
    use_boosted : bool
        Whether every validation fold has history to train the boosted candidate on.
    notes : list of str
        Codes of what was given up: ``short_history_no_test``, ``boosted_no_history``.
    """
    dates = fold_dates(cfg, as_of, first)
    boostable = lambda d: bool(train_dates(cfg, d, first))  # noqa: E731
    use_boosted, notes = True, []
    if dates["validation"] and not all(boostable(v) for v in dates["validation"]):
        if dates["test"] and boostable(dates["test"][0]):
            # the latest horizon is the only one the boosted model can be checked on, so it
            # chooses the ranker and no separate test figure exists
            dates = {"test": [], "validation": dates["test"]}
            notes.append("short_history_no_test")
        else:
            use_boosted = False
            notes.append("boosted_no_history")
    elif not dates["validation"]:
        use_boosted = False
        if dates["test"]:  # one labelled horizon: validate on it, test nothing
            dates = {"test": [], "validation": dates["test"]}
            notes.append("short_history_no_test")
    return dates, use_boosted, notes


def count_uses(
    cfg: EngineConfig,
    dates: dict[str, list[dt.date]],
    as_of: dt.date,
    first: dt.date,
    use_boosted: bool,
) -> dict[dt.date, int]:
    """How many steps of a fit read each cutoff's candidates: its own fold, and each boosted
    model trained on it (see :meth:`FoldBuilder.candidates`).

    Parameters
    ----------
    cfg : EngineConfig
        The engine's settings (see :func:`train_dates`).
    dates : dict
        The fold dates, as :func:`plan_folds` returns them.
    as_of : datetime.date
        The scoring date (its boosted model is trained too, for serving).
    first : datetime.date
        The history's first day.
    use_boosted : bool
        Whether boosted models are trained at all.

    Returns
    -------
    dict
        Cutoff -> the number of reads.
    """
    uses: dict[dt.date, int] = {}
    folds = [*dates["validation"], *dates["test"]]
    for d in folds:
        uses[d] = uses.get(d, 0) + 1
    for d in [*folds, as_of] if use_boosted else []:
        for t in train_dates(cfg, d, first):
            uses[t] = uses.get(t, 0) + 1
    return uses


def read_order(
    cfg: EngineConfig,
    dates: dict[str, list[dt.date]],
    as_of: dt.date,
    first: dt.date,
    use_boosted: bool,
) -> list[dt.date]:
    """The cutoffs whose candidates a fit reads, in the order it first reads them: each fold's,
    then its boosted model's training cutoffs; the scoring date's training cutoffs; the scoring
    date last (its snapshot is scored and served).

    Parameters
    ----------
    cfg, dates, as_of, first, use_boosted
        As :func:`count_uses` takes them.

    Returns
    -------
    list of datetime.date
        Each cutoff once.
    """
    train = (lambda d: train_dates(cfg, d, first)) if use_boosted else (lambda d: [])  # noqa: E731
    out = [c for d in [*dates["validation"], *dates["test"]] for c in (d, *train(d))]
    return list(dict.fromkeys([*out, *train(as_of), as_of]))


class FoldBuilder:
    """The snapshots, candidates and boosted models of one fit, per cutoff, each made once.

    A cutoff's candidates are kept only while a later step still reads them (``uses``);
    snapshots and boosted models stay until :meth:`release`.

    Parameters
    ----------
    history : History
        The history fitted on.
    level : str
        ``'category'`` or ``'sku'``.
    cols : numpy.ndarray
        Positions of the validated items in the level's item axis.
    config : EngineConfig
        The engine's settings.
    first : datetime.date
        The history's first day.
    uses : dict
        Cutoff -> reads of its candidates, as :func:`count_uses` counts them.
    als : BackgroundAls, optional
        ALS fits started before (:func:`~kapot.models.engine.core.als_ahead`); default none.
    """

    def __init__(
        self,
        history: History,
        level: str,
        cols: np.ndarray,
        config: EngineConfig,
        first: dt.date,
        uses: dict[dt.date, int],
        als: BackgroundAls | None = None,
    ) -> None:
        self.history, self.level, self.cols, self.config = history, level, cols, config
        self.first, self.uses = first, uses
        self.snaps: dict[dt.date, Snapshot] = {}
        self.cands: dict[dt.date, dict] = {}
        self.boost_models: dict = {}
        self.als = als if als is not None else BackgroundAls(history, level, config)

    def snap(self, cutoff: dt.date) -> Snapshot:
        """The snapshot at ``cutoff``, made on first use.

        Parameters
        ----------
        cutoff : datetime.date
            The snapshot's date.

        Returns
        -------
        Snapshot
        """
        if cutoff not in self.snaps:
            sn = self.history.snapshot(
                cutoff, self.level, self.config.horizon_days, self.config.decay_days
            )
            pending = self.als.take(cutoff)
            if pending is not None:  # its factors are being fitted (BackgroundAls)
                sn._cache["als_pending"] = pending
            self.snaps[cutoff] = sn
        return self.snaps[cutoff]

    def candidates(self, cutoff: dt.date) -> dict[str, np.ndarray]:
        """The candidates' scores at ``cutoff`` (clients x items); each call counts as one of
        the cutoff's ``uses``, and the last one drops them.

        Parameters
        ----------
        cutoff : datetime.date
            The snapshot's date.

        Returns
        -------
        dict of numpy.ndarray
            See :meth:`Snapshot.candidates`.
        """
        left = self.uses.get(cutoff, 0) - 1
        self.uses[cutoff] = left
        if cutoff not in self.cands:
            self.cands[cutoff] = self.snap(cutoff).candidates(self.cols, self.config)
        return self.cands[cutoff] if left > 0 else self.cands.pop(cutoff)

    def boosted(self, cutoff: dt.date) -> dict | None:
        """The boosted candidate's and the stack's models scoring at ``cutoff``, trained once
        on :func:`train_dates` (the same sampled rows).

        Parameters
        ----------
        cutoff : datetime.date
            Where the models score.

        Returns
        -------
        dict or None
            ``'boosted'`` and ``'stack'`` -> the models, as
            :func:`~kapot.models.engine.boosted.fit_boosted_sets` returns them; None when no
            training cutoff has enough history.
        """
        if cutoff not in self.boost_models:
            dates = train_dates(self.config, cutoff, self.first)
            if not dates:
                return None
            snaps = [self.snap(d) for d in dates]
            cands = [self.candidates(d) for d in dates]

            def frames(i: int, rows: np.ndarray) -> dict:
                return snaps[i].pair_frame(
                    self.cols, self.config, rows=rows, cand=cands[i], columns=STACK_FEATURES
                )

            sets = {"boosted": BOOSTED_FEATURES, "stack": STACK_FEATURES}
            self.boost_models[cutoff] = fit_boosted_sets(
                snaps, frames, self.cols, self.config, sets
            )
        return self.boost_models[cutoff]

    def fold(self, cutoff: dt.date, role: str, sel: Selection, use_boosted: bool) -> Fold:
        """The labelled fold at ``cutoff``: the candidate pool's pairs, with the blend's inputs
        per task computed by ``sel`` (the raw scores are dropped then).

        Parameters
        ----------
        cutoff : datetime.date
            The fold's cutoff; its horizon must have passed.
        role : str
            ``'validation'`` or ``'test'``.
        sel : Selection
            Computes and keeps the blend's inputs (:meth:`Selection.task_design`).
        use_boosted : bool
            Whether the boosted candidate is among the inputs (NaN scores if not).

        Returns
        -------
        Fold
            Its frame reduced to ``has_bought``; labels, items, clients, the outside-the-pool
            counts and the items' base rates filled in.
        """
        cols, m, n = self.cols, len(self.cols), self.history.n_clients
        sn = self.snap(cutoff)
        cand = self.candidates(cutoff)
        models = self.boosted(cutoff) if use_boosted else None
        boosted = boosted_predict_all(
            models and models["boosted"],
            lambda rows: sn.pair_frame(
                cols, self.config, rows=rows, cand=cand, columns=BOOSTED_FEATURES
            ),
            n * m,
        )
        bought = sn.dense(sn.ever, cols) > 0
        rows = pool_rows({**cand, "boosted": boosted.reshape(n, m)}, bought, self.config.pool_size)
        # what validation reads of a fold: the candidates, the task and the item's base rate;
        # the stack's inputs where it scores (the pool only: it is served there only)
        keep = tuple(f"cand_{c}" for c in cand) + FOLD_KEEP
        if models is not None:
            keep = tuple(dict.fromkeys(keep + STACK_FEATURES))
        f = sn.pair_frame(cols, self.config, rows=rows, cand=cand, columns=keep)
        f["cand_boosted"] = boosted[rows]
        y = sn.labels(cols)
        fold = Fold(cutoff, role, f, y[rows], rows % m, rows // m)
        if models is not None:
            fold.stack = boosted_predict(models["stack"], f)
            f["cand_stack"] = fold.stack.astype(np.float32)
        fold.outside = outside_counts(rows, y, bought)
        fold.item_popularity = np.asarray((sn.n12[:, cols] > 0).mean(axis=0)).ravel()
        for task in TASKS:  # the blend's inputs, then the raw scores go
            sel.task_design(fold, task)
        fold.frame = {"has_bought": f["has_bought"]}
        return fold

    def release(self, keep: dt.date) -> None:
        """Drop what fitting needed and serving does not: every snapshot but ``keep``'s (whose
        cache keeps only the ALS factors, or their fit under way), every candidate left, and
        every ALS fit started for another cutoff.

        Parameters
        ----------
        keep : datetime.date
            The scoring date, whose snapshot serving reads.
        """
        for d, sn in list(self.snaps.items()):
            if d != keep:
                del self.snaps[d]
            else:
                sn._cache = {k: v for k, v in sn._cache.items() if k in ("als", "als_pending")}
        self.cands.clear()
        self.als.release(keep)
