"""Choosing what to serve, on validation folds only: each candidate's and the cross-fitted
blend's precision@k, the guard against the best peer rate, the test-fold leaderboard, and the
blend's logistic regression."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from kapot.models.engine.config import PEER_CANDIDATES, EngineConfig
from kapot.models.engine.ranking import Fold, design, design_columns, ranking_metrics

__all__ = ["Selection", "beats"]


def beats(a: np.ndarray, b: np.ndarray, z: float = 1.645) -> bool:
    """Whether per-item precisions ``a`` beat ``b`` (the same items) by more than chance: the
    paired differences' mean over its standard error above ``z`` (one-sided 5 %)."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if len(d) < 2 or d.mean() <= 0:
        return bool(len(d) == 1 and d[0] > 0)
    se = d.std(ddof=1) / np.sqrt(len(d))
    return bool(se == 0 or d.mean() / se > z)


@dataclass
class Selection:
    """The validation of one engine fit: ``blend_names_`` are the candidates blended,
    ``n_items`` the items validated; ``validation_scores_`` fills per task as
    :meth:`choose` runs."""

    config: EngineConfig
    blend_names_: list[str]
    n_items: int
    validation_scores_: dict = field(default_factory=dict)

    def task_rows(self, fold: Fold, task: str) -> np.ndarray:
        """The fold's rows of ``task`` (the ones its blend inputs were computed on, once)."""
        if task in fold.designs:
            return fold.designs[task][0]
        rep = fold.frame["has_bought"] > 0
        return np.flatnonzero(rep if task == "repeat" else ~rep)

    def task_design(self, fold: Fold, task: str, names: list[str] | None = None):
        """(rows, blend inputs of ``names``) of ``task`` in ``fold``. The inputs of every
        blended candidate are computed once per fold and task (when the fold is made: its
        raw scores are dropped then); a row's percentiles are within its item, so any subset
        of items can be cut out of them, and any subset of candidates is a choice of columns."""
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
        score, so the same precision@k."""
        rows, x = self.task_design(fold, task)
        return x[:, design_columns(self.blend_names_, [name])[0]]

    def fit_lr(
        self, folds: list[Fold], task: str, names: list[str], items: np.ndarray | None = None
    ):
        """Logistic regression of the fold labels on the blend inputs (only ``items``' rows
        when given); None when the labels cannot support one."""
        xs, ys = [], []
        rng = np.random.default_rng(self.config.seed)
        for fo in folds:
            rows, x = self.task_design(fo, task, names)
            y = fo.y[rows]
            if items is not None:
                keep = np.isin(fo.item[rows], items)
                x, y = x[keep], y[keep]
            xs.append(x)
            ys.append(y)
        x, y = np.vstack(xs), np.concatenate(ys)
        if y.sum() < 3 or y.all():
            return None
        w = np.ones(len(y))
        cap = self.config.max_blend_rows
        neg = np.flatnonzero(~y)
        if len(neg) > cap:  # keep every positive, sample negatives and reweight them
            keep = np.sort(np.r_[np.flatnonzero(y), rng.choice(neg, cap, replace=False)])
            w = np.where(y[keep], 1.0, len(neg) / cap)
            x, y = x[keep], y[keep]
        # standardised inputs: lbfgs converges in a fraction of the iterations
        lr = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=500))
        return lr.fit(x, y, logisticregression__sample_weight=w)

    # ---------------------------------------------------------------- fit

    def choose(self, val: list[Fold], task: str, names: list[str]) -> tuple[str, str | None]:
        """The served ranker for ``task`` on the validation folds only: the blend (scored
        leave-one-fold-out) or a single candidate, never worse than the best peer rate: a
        ranker that is not a peer rate is served only if it beats the best one by more than
        chance (a one-sided paired test over the folds' items at 5 %)."""
        if not val:
            return "peer_industry_region", "no_validation"
        score: dict[str, float] = {}
        per: dict[str, np.ndarray] = {}
        for name in names:
            ms = [self.fold_items(fo, task, self.pct(fo, task, name)) for fo in val]
            per[name] = np.concatenate(ms) if ms else np.zeros(0)
            score[name] = float(per[name].mean()) if len(per[name]) else float("nan")
        blend = self.blend_cv(val, task, names)
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

    def blend_cv(self, val: list[Fold], task: str, names: list[str]) -> list[np.ndarray] | None:
        """The blend's out-of-sample scores on the validation folds: cross-fitted over two
        halves of the items (each half scored by a blend fitted on the other), or leave one
        fold out when there is a single item. None when neither is possible."""
        n_items = self.n_items
        out = [np.full(len(fo.frame["has_bought"]), -np.inf) for fo in val]
        if n_items >= 2:
            perm = np.random.default_rng(self.config.seed).permutation(n_items)
            halves = (perm[: n_items // 2], perm[n_items // 2 :])
            for test_half, train_half in (halves, halves[::-1]):
                lr = self.fit_lr(val, task, names, items=train_half)
                if lr is None:
                    return None
                for fo, s in zip(val, out, strict=True):
                    rows, x = self.task_design(fo, task, names)
                    keep = np.isin(fo.item[rows], test_half)
                    if keep.any():
                        s[rows[keep]] = lr.predict_proba(x[keep])[:, 1]
            return out
        if len(val) >= 2:
            for i, (fo, s) in enumerate(zip(val, out, strict=True)):
                lr = self.fit_lr([v for j, v in enumerate(val) if j != i], task, names)
                if lr is None:
                    return None
                rows, x = self.task_design(fo, task, names)
                s[rows] = lr.predict_proba(x)[:, 1]
            return out
        return None

    def fold_items(self, fo: Fold, task: str, s: np.ndarray) -> np.ndarray:
        """precision@k per item (those with a purchase) of scores ``s`` (one per row of the
        task) in fold ``fo``."""
        rows = self.task_rows(fo, task)
        if not len(rows) or not np.isfinite(s).any():
            return np.zeros(0)
        tie = np.random.default_rng(0).random(len(rows)) * 1e-9
        return ranking_metrics(fo.item[rows], fo.y[rows], s + tie, self.config.k)["per_item"]

    def evaluate(
        self, val: list[Fold], te: Fold, task: str, names: list[str], served: str
    ) -> list[dict]:
        """Test-fold metrics of every candidate and the blend (fitted on validation folds)."""
        rows = self.task_rows(te, task)
        tie = np.random.default_rng(0).random(len(rows)) * 1e-9
        out = []
        scores = {name: self.pct(te, task, name) for name in names}
        lr = self.fit_lr(val, task, names) if val else None
        if lr is not None:
            scores["blend"] = lr.predict_proba(self.task_design(te, task, names)[1])[:, 1]
        ref = None
        for name, s in scores.items():
            if not np.isfinite(s).all():
                continue
            m = ranking_metrics(te.item[rows], te.y[rows], s + tie, self.config.k)
            if name == "largest":
                ref = m["precision"]
            out.append(
                {
                    "task": task,
                    "ranker": name,
                    "precision_at_k": m["precision"],
                    "ndcg_at_k": m["ndcg"],
                    "items": m.get("items", 0),
                    "served": name == served,
                    "test_cutoff": te.cutoff,
                    "validation_cutoffs": ", ".join(str(v.cutoff) for v in val),
                }
            )
        for r in out:
            r["lift_vs_largest"] = (
                r["precision_at_k"] / ref if ref and np.isfinite(ref) and ref > 0 else np.nan
            )
        return out

    # ---------------------------------------------------------------- serving

    def validation_rows(self, val: list[Fold], served: dict[str, str]) -> list[dict]:
        """Leaderboard rows from the validation figures, for a history with no test fold."""
        rows = []
        for task, sc in self.validation_scores_.items():
            ref = sc.get("largest")
            for name, p in sc.items():
                rows.append(
                    {
                        "task": task,
                        "ranker": name,
                        "precision_at_k": p,
                        "ndcg_at_k": np.nan,
                        "items": self.n_items,
                        "served": name == served.get(task),
                        "test_cutoff": None,
                        "validation_cutoffs": ", ".join(str(v.cutoff) for v in val),
                        "lift_vs_largest": p / ref if ref else np.nan,
                    }
                )
        return rows
