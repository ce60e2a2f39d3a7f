"""Choosing what to serve, on validation folds only: each candidate's, the stack's and the
cross-fitted blend's precision@k (the blend's regression: :mod:`kapot.models.engine.blend`) and the guard
against the best peer rate. The test-fold leaderboard is :mod:`kapot.models.engine.leaderboard`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kapot.models.engine.blend import blend_cv
from kapot.models.engine.config import PEER_CANDIDATES, EngineConfig
from kapot.models.engine.ranking import Fold, design, design_columns, ranking_metrics

__all__ = ["Selection", "beats"]


def beats(a: np.ndarray, b: np.ndarray, z: float = 1.645) -> bool:
    """Whether per-item precisions ``a`` beat ``b`` (the same items) by more than chance: the
    paired differences' mean over its standard error above ``z`` (one-sided 5 %).

    Parameters
    ----------
    a, b : numpy.ndarray
        Precision@k per item, paired (the same items in the same order).
    z : float
        The one-sided critical value (1.645: 5 %).

    Returns
    -------
    bool
        With one item: whether ``a`` is higher; with none: False; with no spread in the
        differences: whether their mean is positive.
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if len(d) < 2 or d.mean() <= 0:
        return bool(len(d) == 1 and d[0] > 0)
    se = d.std(ddof=1) / np.sqrt(len(d))
    return bool(se == 0 or d.mean() / se > z)


@dataclass
class Selection:
    """The validation of one engine fit.

    Attributes
    ----------
    config : EngineConfig
        ``k``, ``seed`` and ``max_blend_rows``.
    blend_names_ : list of str
        The candidates blended (a fold's blend inputs are computed over them, once).
    n_items : int
        The items validated.
    validation_scores_ : dict
        Task -> ranker -> mean validation precision@k; filled as :meth:`choose` runs.
    """

    config: EngineConfig
    blend_names_: list[str]
    n_items: int
    validation_scores_: dict = field(default_factory=dict)

    def task_rows(self, fold: Fold, task: str) -> np.ndarray:
        """The fold's rows of ``task`` (the ones its blend inputs were computed on, once).

        Parameters
        ----------
        fold : Fold
            A fold; before its inputs are computed its frame needs ``has_bought``.
        task : str
            ``'new'`` (not bought before) or ``'repeat'``.

        Returns
        -------
        numpy.ndarray
            Positions in the fold's rows.
        """
        if task in fold.designs:
            return fold.designs[task][0]
        rep = fold.frame["has_bought"] > 0
        return np.flatnonzero(rep if task == "repeat" else ~rep)

    def task_design(
        self, fold: Fold, task: str, names: list[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows of ``task`` in ``fold`` and their blend inputs.

        The inputs of every blended candidate are computed once per fold and task (when the
        fold is made: its raw scores are dropped then); a row's percentiles are within its
        item, so any subset of items can be cut out of them, and any subset of candidates is
        a choice of columns.

        Parameters
        ----------
        fold : Fold
            A fold; on the first call per task its frame holds ``cand_<name>`` for every
            blended candidate and ``item_popularity``.
        task : str
            ``'new'`` or ``'repeat'``.
        names : list of str, optional
            The candidates whose inputs are wanted (default all of ``blend_names_``).

        Returns
        -------
        rows : numpy.ndarray
            As :meth:`task_rows`.
        x : numpy.ndarray
            float32 (rows x inputs), the columns of
            :func:`~kapot.models.engine.ranking.design` over ``names``.
        """
        if task not in fold.designs:
            rows = self.task_rows(fold, task)
            x = design(fold, rows, self.blend_names_).astype(np.float32)
            fold.designs[task] = (rows, x)
        rows, x = fold.designs[task]
        if names is None or list(names) == list(self.blend_names_):
            return rows, x
        return rows, x[:, design_columns(self.blend_names_, names)]

    def pct(self, fold: Fold, task: str, name: str) -> np.ndarray:
        """A candidate's within-item percentile on the task's rows: the same order as its raw
        score, so the same precision@k.

        Parameters
        ----------
        fold : Fold
            A fold whose inputs are computed.
        task : str
            ``'new'`` or ``'repeat'``.
        name : str
            A blended candidate.

        Returns
        -------
        numpy.ndarray
            One percentile per row of :meth:`task_rows`.
        """
        rows, x = self.task_design(fold, task)
        return x[:, design_columns(self.blend_names_, [name])[0]]

    # ---------------------------------------------------------------- fit

    def choose(self, val: list[Fold], task: str, names: list[str]) -> tuple[str, str | None]:
        """The served ranker for ``task`` on the validation folds only: one of the learned
        blends (the logistic blend, scored out of sample, see
        :func:`~kapot.models.engine.blend.blend_cv`; the stack, trained on cutoffs before each
        fold's) or a single candidate, never worse than the best peer rate: a ranker that is not a peer rate is
        served only if it beats the best one by more than chance (:func:`beats` over the
        folds' items).

        Parameters
        ----------
        val : list of Fold
            The validation folds.
        task : str
            ``'new'`` or ``'repeat'``.
        names : list of str
            The candidates considered (and blended).

        Returns
        -------
        served : str
            ``'blend'``, ``'stack'`` or a candidate's name.
        reason : str or None
            Why the choice was not free: ``no_validation``, ``nothing_to_validate`` or
            ``peer_baseline_served``; None otherwise.
        """
        if not val:
            return "peer_industry_region", "no_validation"
        score: dict[str, float] = {}
        per: dict[str, np.ndarray] = {}
        for name in names:
            ms = [self.fold_items(fo, task, self.pct(fo, task, name)) for fo in val]
            per[name] = np.concatenate(ms) if ms else np.zeros(0)
            score[name] = float(per[name].mean()) if len(per[name]) else float("nan")
        if "stack" not in names and all(
            fo.stack is not None for fo in val
        ):  # trained on earlier cutoffs: out of sample
            ms = [self.fold_items(fo, task, fo.stack[self.task_rows(fo, task)]) for fo in val]
            per["stack"] = np.concatenate(ms)
            score["stack"] = float(per["stack"].mean()) if len(per["stack"]) else float("nan")
        blend = blend_cv(self, val, task, names)
        if blend is not None:
            ms = [
                self.fold_items(fo, task, s[self.task_rows(fo, task)])
                for fo, s in zip(val, blend, strict=True)
            ]
            per["blend"] = np.concatenate(ms)
            score["blend"] = float(per["blend"].mean()) if len(per["blend"]) else float("nan")
        self.validation_scores_[task] = score
        finite = {k: v for k, v in score.items() if np.isfinite(v)}
        if not finite:
            return "peer_industry_region", "nothing_to_validate"
        best = max(finite, key=lambda k: (finite[k], k == "blend"))
        peers = {k: v for k, v in finite.items() if k in PEER_CANDIDATES}
        if peers and best not in peers:
            best_peer = max(peers, key=peers.get)
            if not beats(per[best], per[best_peer]):
                return best_peer, "peer_baseline_served"
        return best, None

    def fold_items(self, fo: Fold, task: str, s: np.ndarray) -> np.ndarray:
        """precision@k per item (those with a purchase) of scores ``s`` in fold ``fo``.

        Parameters
        ----------
        fo : Fold
            A labelled fold.
        task : str
            ``'new'`` or ``'repeat'``.
        s : numpy.ndarray
            One score per row of :meth:`task_rows` (ties broken at random, seed 0).

        Returns
        -------
        numpy.ndarray
            One precision per item with a purchase; empty when no score is finite.
        """
        rows = self.task_rows(fo, task)
        if not len(rows) or not np.isfinite(s).any():
            return np.zeros(0)
        tie = np.random.default_rng(0).random(len(rows)) * 1e-9
        return ranking_metrics(fo.item[rows], fo.y[rows], s + tie, self.config.k)["per_item"]
