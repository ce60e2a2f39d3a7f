"""The rankers the engine served, ready to score a snapshot without the history."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kapot.models.engine.boosted import (
    BOOSTED_FEATURES,
    STACK_FEATURES,
    boosted_predict,
    boosted_predict_all,
)
from kapot.models.engine.config import FOLD_KEEP, TASKS, EngineConfig
from kapot.models.engine.history import Snapshot
from kapot.models.engine.pool import FALLBACK, outside_probability, pool_rows
from kapot.models.engine.ranking import Fold, design, group_pct

__all__ = ["ServedRanker"]


# what serving reads of every pair (the pool's pairs get the whole frame): the task, the
# reasons, the expected value's inputs and the order of the clients outside the pool
_SERVED_COLUMNS = (
    "has_bought",
    "is_prospect",
    "log_item_spend_12m",
    "item_months_12m",
    "log_item_same_season_ly",
    "client_horizon_share",
    "item_popularity",
    "cand_peer_industry",
    "cand_peer_region",
    "cand_item_knn",
    "cand_als",
    f"cand_{FALLBACK}",
)


@dataclass
class ServedRanker:
    """The rankers :class:`Engine` chose per task, with what they need to score a snapshot:
    the blend's logistic regressions (or one candidate's calibration), the boosted models
    fitted for the scoring date when the served ranker uses them, and the rate of purchases
    outside the candidate pool per task (see :mod:`kapot.models.engine.pool`).

    Attributes
    ----------
    config : EngineConfig
        The engine's settings (``pool_size`` and the candidates').
    served : dict
        Task (``'new'``, ``'repeat'``) -> ``'blend'``, ``'stack'`` or a candidate's name.
    blend_names : list of str
        The candidates the blend reads.
    lrs : dict
        Task -> the fitted logistic regression (a scikit-learn pipeline), or None where the
        labels could not support one (then the item's base rate, ordered by the candidate).
    boosted : dict or None
        ``'boosted'`` (the candidate) and ``'stack'`` -> the models for the scoring date
        (see :func:`~kapot.models.engine.boosted.fit_boosted_sets`), None when unused.
    outside_ratio : dict
        Task -> purchases outside the pool per expected (see
        :func:`~kapot.models.engine.pool.outside_ratio`).
    """

    config: EngineConfig
    served: dict[str, str]
    blend_names: list[str]
    lrs: dict
    boosted: dict | None
    outside_ratio: dict = field(default_factory=dict)

    def pool_fold(self, snap: Snapshot, cols: np.ndarray, cand: dict) -> Fold:
        """The candidate pool's pairs (the boosted model's probabilities among the candidates
        choosing them, see :mod:`kapot.models.engine.pool`).

        Parameters
        ----------
        snap : Snapshot
            The snapshot scored (detached or not).
        cols : numpy.ndarray
            Positions of the target items in the snapshot's item axis.
        cand : dict of numpy.ndarray
            The candidates' raw scores for ``cols`` (see :meth:`Snapshot.candidates`).

        Returns
        -------
        Fold
            Role ``'serve'``, no labels: the pooled pairs' candidates (``cand_<name>``, the
            boosted model's included), ``has_bought`` and ``item_popularity``.
        """
        n, m = len(snap.client_ids), len(cols)
        models = self.boosted or {}
        boosted = boosted_predict_all(
            models.get("boosted"),
            lambda r: snap.pair_frame(
                cols, self.config, rows=r, cand=cand, columns=BOOSTED_FEATURES
            ),
            n * m,
        )
        bought = snap.dense(snap.ever, cols) > 0
        pooled = {**cand, "boosted": boosted.reshape(n, m)} if self.boosted is not None else cand
        rows = pool_rows(pooled, bought, getattr(self.config, "pool_size", 0))
        # what the served ranker reads of a pooled pair: the candidates, the task, the base rate
        keep = (*(f"cand_{c}" for c in cand), *FOLD_KEEP)
        stack = "stack" in models and (
            "stack" in self.served.values()
            or ("blend" in self.served.values() and "stack" in self.blend_names)
        )
        if stack:  # the stack's inputs, on the pool only (as validation measured it)
            keep = tuple(dict.fromkeys(keep + STACK_FEATURES))
        f = snap.pair_frame(cols, self.config, rows=rows, cand=cand, columns=keep)
        f["cand_boosted"] = boosted[rows]
        fold = Fold(snap.cutoff, "serve", f, None, item=rows % m, client=rows // m)
        if stack:
            fold.stack = boosted_predict(models["stack"], f)
            f["cand_stack"] = fold.stack.astype(np.float32)
        return fold

    def _inside(self, fold: Fold, rows: np.ndarray, task: str) -> np.ndarray:
        """The served ranker's probabilities of the pool's ``rows`` of ``task``."""
        served = self.served[task]
        if served == "stack":  # its probabilities, corrected for its negatives' sampling
            return fold.stack[rows]
        names = self.blend_names if served == "blend" else [served]
        lr = self.lrs.get(task)
        if lr is None:
            base = fold.frame["item_popularity"][rows]
            return base + 1e-6 * group_pct(fold.frame[f"cand_{names[0]}"][rows], fold.item[rows])
        return lr.predict_proba(design(fold, rows, names))[:, 1]

    def probability(self, pool: Fold, full: dict[str, np.ndarray], m: int) -> np.ndarray:
        """Every pair's probability: the served ranker's inside the pool, the measured outside
        rate (ranked after the pool, by the peer rate) outside it.

        Parameters
        ----------
        pool : Fold
            The pool, as :meth:`pool_fold` makes it.
        full : dict of numpy.ndarray
            The pair frame of every pair (row-major clients x items): ``has_bought``,
            ``item_popularity`` and ``cand_peer_industry_region`` are read.
        m : int
            Items scored (the frame's row length).

        Returns
        -------
        numpy.ndarray
            One probability per pair of ``full``.
        """
        n_rows = len(full["has_bought"])
        p = np.zeros(n_rows)
        at = pool.client * m + pool.item
        inside = np.zeros(n_rows, dtype=bool)
        inside[at] = True
        rep_pool, rep_full = pool.frame["has_bought"] > 0, full["has_bought"] > 0
        item_full = np.tile(np.arange(m), n_rows // m) if m else np.zeros(0, dtype=np.int64)
        ratio = getattr(self, "outside_ratio", {}) or {}  # states pickled before the pool: 1
        for task in TASKS:
            rows = np.flatnonzero(rep_pool if task == "repeat" else ~rep_pool)
            p_in = self._inside(pool, rows, task) if len(rows) else np.zeros(0)
            p[at[rows]] = p_in
            out = np.flatnonzero((rep_full if task == "repeat" else ~rep_full) & ~inside)
            if len(out):
                base = ratio.get(task, 1.0) * full["item_popularity"][out].astype(float)
                p[out] = outside_probability(
                    np.clip(base, 0, 1),
                    full[f"cand_{FALLBACK}"][out],
                    item_full[out],
                    p_in,
                    pool.item[rows],
                    m,
                )
        return p

    def score(self, snap: Snapshot, items: list[str]) -> pd.DataFrame:
        """Probability for every client and item of ``items`` at the snapshot's date.

        Parameters
        ----------
        snap : Snapshot
            The snapshot at the scoring date (a detached one serves without the history).
        items : list of str
            Items of the snapshot's level.

        Returns
        -------
        pandas.DataFrame
            One row per client and item (client-major). Columns ``client_id``, ``item``,
            ``probability``, ``task`` ('new' or 'repeat'), ``has_bought``, ``is_prospect``,
            the expected spend's inputs (``item_spend_12m``, ``item_buyer_spend_12m``: the
            median 12-month spend of the item's buyers) and the reason inputs
            (``item_months_12m``, ``item_revenue_same_season_ly``, ``adopt_industry``,
            ``adopt_region``, ``cf_score_pct``, ``svd_score_pct``, ``client_horizon_share``).

        Raises
        ------
        KeyError
            Listing the items the snapshot does not know.
        """
        cols = snap.items.get_indexer(items)
        if (cols < 0).any():
            raise KeyError([i for i, c in zip(items, cols, strict=True) if c < 0])
        n, m = len(snap.client_ids), len(cols)
        cand = snap.candidates(cols, self.config)
        pool = self.pool_fold(snap, cols, cand)
        f = snap.pair_frame(cols, self.config, cand=cand, columns=_SERVED_COLUMNS)
        del cand
        client, item = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
        probability = self.probability(pool, f, m)
        spend = np.expm1(f["log_item_spend_12m"]).reshape(n, m)
        buyers = spend > 0
        typical = np.array(
            [np.median(spend[buyers[:, j], j]) if buyers[:, j].any() else 0.0 for j in range(m)]
        )
        return pd.DataFrame(
            {
                "client_id": snap.client_ids.to_numpy()[client],
                "item": np.asarray(items, dtype=object)[item],
                "probability": probability,
                "task": np.where(f["has_bought"] > 0, "repeat", "new"),
                "has_bought": f["has_bought"],
                "is_prospect": f["is_prospect"],
                "item_spend_12m": spend.ravel(),
                "item_buyer_spend_12m": np.tile(typical, n),
                "item_months_12m": f["item_months_12m"],
                "item_revenue_same_season_ly": np.expm1(f["log_item_same_season_ly"]),
                "adopt_industry": f["cand_peer_industry"],
                "adopt_region": f["cand_peer_region"],
                "cf_score_pct": group_pct(f["cand_item_knn"], item),
                "svd_score_pct": group_pct(f["cand_als"], item),
                "client_horizon_share": f["client_horizon_share"],
            }
        )
