"""The engine: rolling-origin folds over a history, the candidates validated on them (see
:mod:`kapot.models.engine.selection`), and the ranker served per task."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kapot.models.engine.boosted import (
    BOOSTED_FEATURES,
    boosted_predict,
    boosted_predict_all,
    fit_boosted,
)
from kapot.models.engine.config import (
    _DAY0,
    _FOLD_KEEP,
    CANDIDATES,
    TASKS,
    EngineConfig,
)
from kapot.models.engine.history import History, Snapshot, days
from kapot.models.engine.pool import outside_counts, outside_ratio, pool_rows
from kapot.models.engine.ranking import Fold, design_labels
from kapot.models.engine.selection import Selection
from kapot.models.engine.serving import ServedRanker

__all__ = [
    "Engine",
    "engine_report",
    "count_uses",
    "fold_dates",
    "train_dates",
    "plan_folds",
    "warehouse_notes",
]


def fold_dates(cfg: EngineConfig, as_of: dt.date, first: dt.date) -> dict[str, list[dt.date]]:
    """The test cutoff (``as_of - h``) and the validation cutoffs (``as_of - 2h``, then
    ``step_days`` earlier each), those with ``min_history_days`` of history before them."""
    h, s = cfg.horizon_days, cfg.step_days
    ok = lambda d: d >= first + dt.timedelta(days=cfg.min_history_days)  # noqa: E731
    test = as_of - dt.timedelta(days=h)
    vals = [as_of - dt.timedelta(days=2 * h + s * k) for k in range(cfg.validation_folds)]
    return {"test": [test] if ok(test) else [], "validation": [v for v in vals if ok(v)]}


def train_dates(cfg: EngineConfig, cutoff: dt.date, first: dt.date) -> list[dt.date]:
    """The cutoffs the boosted model scored at ``cutoff`` is trained on (labels known by then)."""
    out = [
        cutoff - dt.timedelta(days=cfg.horizon_days + cfg.step_days * k)
        for k in range(cfg.boosted_cutoffs)
    ]
    return [d for d in out if d >= first + dt.timedelta(days=cfg.min_history_days)]


def plan_folds(
    cfg: EngineConfig, as_of: dt.date, first: dt.date
) -> tuple[dict[str, list[dt.date]], bool, list[str]]:
    """(fold dates, whether the boosted candidate can run, notes) for a history starting at
    ``first``: a short history validates on its latest horizon and reports no test figure."""
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


def warehouse_notes(history: History, as_of: dt.date, n_items: int) -> list[str]:
    """What this warehouse cannot tell the rankers (shown to the user, never an error)."""
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


def count_uses(
    cfg: EngineConfig,
    dates: dict[str, list[dt.date]],
    as_of: dt.date,
    first: dt.date,
    use_boosted: bool,
) -> dict[dt.date, int]:
    """How many steps of a fit read each cutoff's candidates: its own fold, and each boosted
    model trained on it (see :meth:`Engine._candidates`)."""
    uses: dict[dt.date, int] = {}
    folds = [*dates["validation"], *dates["test"]]
    for d in folds:
        uses[d] = uses.get(d, 0) + 1
    for d in [*folds, as_of] if use_boosted else []:
        for t in train_dates(cfg, d, first):
            uses[t] = uses.get(t, 0) + 1
    return uses


@dataclass
class Engine:
    """Validate the candidates on the history before ``as_of`` and serve the best ranker.

    After :meth:`fit`, ``leaderboard_`` holds the test-fold metrics per task and ranker,
    ``served_`` the ranker served per task (``blend`` or a candidate's name), ``weights_`` the
    blend's weights, ``notes_`` what could not be validated and why.
    """

    config: EngineConfig = field(default_factory=EngineConfig)

    # ---------------------------------------------------------------- folds
    def _snap(self, cutoff: dt.date) -> Snapshot:
        if cutoff not in self._snaps:
            self._snaps[cutoff] = self.history_.snapshot(
                cutoff, self.level_, self.config.horizon_days, self.config.decay_days
            )
        return self._snaps[cutoff]

    def _candidates(self, cutoff: dt.date) -> dict[str, np.ndarray]:
        """The candidates' scores at ``cutoff`` (clients x items), kept only while a later step
        of fit still reads them (``_uses``: its own fold, and each boosted model trained on
        it)."""
        left = self._uses.get(cutoff, 0) - 1
        self._uses[cutoff] = left
        if cutoff not in self._cands:
            sn = self._snap(cutoff)
            self._cands[cutoff] = sn.candidates(self.cols_, self.config)
        return self._cands[cutoff] if left > 0 else self._cands.pop(cutoff)

    def _pool(self, cutoff: dt.date, cand: dict) -> tuple[np.ndarray, np.ndarray]:
        """(the pool's flat rows, clients x items 'bought before') at ``cutoff``."""
        sn = self._snap(cutoff)
        bought = sn.dense(sn.ever, self.cols_) > 0
        return pool_rows(cand, bought, self.config.pool_size), bought

    def _train_boosted(self, cutoff: dt.date) -> dict | None:
        """The boosted models scoring at ``cutoff`` (trained once), None without history."""
        if cutoff not in self._boost_models:
            dates = train_dates(self.config, cutoff, self.first_)
            if not dates:
                return None
            snaps = [self._snap(d) for d in dates]
            cands = [self._candidates(d) for d in dates]

            def frames(i: int, rows: np.ndarray) -> dict:
                return snaps[i].pair_frame(
                    self.cols_, self.config, rows=rows, cand=cands[i], columns=BOOSTED_FEATURES
                )

            self._boost_models[cutoff] = fit_boosted(snaps, frames, self.cols_, self.config)
        return self._boost_models[cutoff]

    def _fold(self, cutoff: dt.date, role: str) -> Fold:
        cols, m, n = self.cols_, len(self.cols_), self.history_.n_clients
        sn = self._snap(cutoff)
        cand = self._candidates(cutoff)
        models = self._train_boosted(cutoff) if self.use_boosted_ else None
        boosted = boosted_predict_all(
            models,
            lambda rows: sn.pair_frame(
                cols, self.config, rows=rows, cand=cand, columns=BOOSTED_FEATURES
            ),
            n * m,
        )
        rows, bought = self._pool(cutoff, {**cand, "boosted": boosted.reshape(n, m)})
        # what validation reads of a fold: the candidates, the task and the item's base rate
        keep = tuple(f"cand_{c}" for c in cand) + _FOLD_KEEP
        f = sn.pair_frame(cols, self.config, rows=rows, cand=cand, columns=keep)
        f["cand_boosted"] = boosted[rows]
        y = sn.labels(cols)
        fold = Fold(cutoff, role, f, y[rows], rows % m, rows // m)
        fold.outside = outside_counts(rows, y, bought)
        fold.item_popularity = np.asarray((sn.n12[:, cols] > 0).mean(axis=0)).ravel()
        for task in TASKS:  # the blend's inputs, then the raw scores go
            self.sel_.task_design(fold, task)
        fold.frame = {"has_bought": f["has_bought"]}
        return fold

    # ---------------------------------------------------------------- fit
    def fit(
        self, history: History, as_of: dt.date, *, level: str, items: list[str] | None = None
    ) -> Engine:
        """Validate on the folds before ``as_of`` and choose the served ranker per task.

        ``items`` are the items validated (default: all of the level's items; at the SKU level
        pass the active ones, e.g. :meth:`History.top_items`)."""
        self.history_, self.level_, self.as_of_ = history, level, as_of
        self._snaps: dict[dt.date, Snapshot] = {}
        self._cands: dict[dt.date, dict] = {}
        self._boost_models: dict = {}
        all_items = history.items(level)
        self.items_ = list(items) if items is not None else list(all_items)
        self.cols_ = all_items.get_indexer(self.items_)
        if (self.cols_ < 0).any():
            raise ValueError("unknown items")
        first = history.first_day
        self.first_ = (
            (_DAY0 + np.timedelta64(first, "D")).astype(dt.date) if first is not None else as_of
        )
        dates, self.use_boosted_, self.notes_ = plan_folds(self.config, as_of, self.first_)
        self.fold_dates_ = dates
        self._uses = count_uses(self.config, dates, as_of, self.first_, self.use_boosted_)
        self.notes_ += warehouse_notes(history, as_of, len(self.cols_))
        self.blend_names_ = [c for c in CANDIDATES if c != "boosted" or self.use_boosted_]
        self.sel_ = Selection(self.config, self.blend_names_, len(self.cols_))
        val = [self._fold(d, "validation") for d in dates["validation"]]
        test = [self._fold(d, "test") for d in dates["test"]]
        self.served_, rows = {}, []
        for task in TASKS:
            served, reason = self.sel_.choose(val, task, self.blend_names_)
            self.served_[task] = served
            if reason:
                self.notes_.append(f"{task}:{reason}")
            if test:
                rows += self.sel_.evaluate(val, test[0], task, self.blend_names_, served)
        if not test:  # no separate test fold: show the validation figures, marked as such
            rows = self.sel_.validation_rows(val, self.served_)
        self.leaderboard_ = pd.DataFrame(rows)
        self._refit(val + test)
        if not dates["validation"]:
            self.notes_.append("no_validation_fold")
        if self.use_boosted_:  # the models serving uses, trained before the snapshots go
            self._train_boosted(as_of)
        # what fit needed and serving does not: the folds' frames and the training snapshots
        for d, sn in list(self._snaps.items()):
            if d != as_of:
                del self._snaps[d]
            else:
                sn._cache = {k: v for k, v in sn._cache.items() if k == "als"}
        self._cands.clear()
        return self

    def _refit(self, labelled: list[Fold]) -> None:
        """The served rankers refitted on every labelled fold, the blend's weights, and the
        outside-the-pool rate per task (positives per expected at the item's base rate)."""
        self._lrs, self.weights_, self.outside_ratio_ = {}, {}, {}
        for task in TASKS:
            served = self.served_[task]
            names = self.blend_names_ if served == "blend" else [served]
            lr = self.sel_.fit_lr(labelled, task, names) if labelled else None
            self._lrs[task] = lr
            if served == "blend" and lr is not None:
                # weights of standardised inputs: comparable across inputs
                coef = lr[-1].coef_[0].round(3).tolist()
                self.weights_[task] = dict(zip(design_labels(names), coef, strict=True))
            self.outside_ratio_[task] = outside_ratio(labelled, task)

    # ---------------------------------------------------------------- serving
    def ranker(self) -> ServedRanker:
        """What :meth:`fit` chose, ready to score any item of the level at ``as_of`` (pickle
        it with a detached snapshot to serve without the history)."""
        uses_boosted = any(
            self.served_[t] == "boosted"
            or (self.served_[t] == "blend" and "boosted" in self.blend_names_)
            for t in TASKS
        )
        return ServedRanker(
            config=self.config,
            served=dict(self.served_),
            blend_names=list(self.blend_names_),
            lrs=dict(self._lrs),
            boosted=self._train_boosted(self.as_of_) if uses_boosted else None,
            outside_ratio=dict(self.outside_ratio_),
        )

    def boosted_scores(self, items: list[str]) -> np.ndarray | None:
        """The boosted candidate's probabilities at ``as_of`` for every client x item of
        ``items`` (row-major), or None when it had no history to train on."""
        models = self._train_boosted(self.as_of_) if self.use_boosted_ else None
        if models is None:
            return None
        cols = self.history_.items(self.level_).get_indexer(items)
        return boosted_predict(models, self.snapshot().pair_frame(cols, self.config))

    def snapshot(self) -> Snapshot:
        """The snapshot at ``as_of`` that the ranker scores."""
        return self._snap(self.as_of_)

    def score_items(self, items: list[str] | None = None) -> pd.DataFrame:
        """Scores at ``as_of`` for every client and item (default: the validated items); see
        :meth:`ServedRanker.score`."""
        items = list(items) if items is not None else self.items_
        return self.ranker().score(self.snapshot(), items)

    def report(self) -> dict:
        """What the validation found, ready to store as JSON (see :func:`engine_report`)."""
        return engine_report(self)


def engine_report(eng: Engine) -> dict:
    """What a fitted engine's validation found, ready to store as JSON: level, date,
    horizon, k, items, served rankers, weights, validation scores, folds, notes and the
    leaderboard."""
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
