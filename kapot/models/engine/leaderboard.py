"""The engine's leaderboard: every candidate's and the learned blends' precision@k and NDCG@k
per task on the test fold (the logistic blend fitted on the validation folds only, the stack on
the cutoffs before the test fold's), or the validation figures
where a history has no test fold. One row per task and ranker, stored with the validation
report and shown by the faces."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kapot.models.engine.blend import fit_lr
from kapot.models.engine.ranking import Fold, ranking_metrics

if TYPE_CHECKING:
    from kapot.models.engine.selection import Selection

__all__ = ["leaderboard_rows", "validation_rows"]


def leaderboard_rows(
    sel: Selection, val: list[Fold], te: Fold, task: str, names: list[str], served: str
) -> list[dict]:
    """Test-fold metrics of every candidate, the blend (fitted on validation folds) and the
    stack (trained on the cutoffs before the test fold's).

    Parameters
    ----------
    sel : Selection
        The fit's selection (blend inputs, ``k``).
    val : list of Fold
        The validation folds the blend is fitted on.
    te : Fold
        The test fold.
    task : str
        ``'new'`` or ``'repeat'``.
    names : list of str
        The candidates (and the blend's inputs).
    served : str
        The ranker served for ``task``.

    Returns
    -------
    list of dict
        One per ranker with finite scores: ``task``, ``ranker``, ``precision_at_k``,
        ``ndcg_at_k``, ``items`` (items with a purchase), ``served``, ``test_cutoff``,
        ``validation_cutoffs`` (ISO dates, comma-separated) and ``lift_vs_largest``
        (precision over the largest-clients baseline's; NaN without it).
    """
    rows = sel.task_rows(te, task)
    tie = np.random.default_rng(0).random(len(rows)) * 1e-9
    out = []
    scores = {name: sel.pct(te, task, name) for name in names}
    lr = fit_lr(sel, val, task, names) if val else None
    if lr is not None:
        scores["blend"] = lr.predict_proba(sel.task_design(te, task, names)[1])[:, 1]
    if te.stack is not None:
        scores["stack"] = te.stack[rows]
    ref = None
    for name, s in scores.items():
        if not np.isfinite(s).all():
            continue
        m = ranking_metrics(te.item[rows], te.y[rows], s + tie, sel.config.k)
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


def validation_rows(sel: Selection, val: list[Fold], served: dict[str, str]) -> list[dict]:
    """Leaderboard rows from the validation figures, for a history with no test fold.

    Parameters
    ----------
    sel : Selection
        The fit's selection, after :meth:`~Selection.choose` ran for every task.
    val : list of Fold
        The validation folds.
    served : dict
        Task -> the ranker served.

    Returns
    -------
    list of dict
        As :func:`leaderboard_rows` gives them, with the mean validation precision@k,
        ``ndcg_at_k`` NaN, ``items`` every item validated and ``test_cutoff`` None.
    """
    rows = []
    for task, sc in sel.validation_scores_.items():
        ref = sc.get("largest")
        for name, p in sc.items():
            rows.append(
                {
                    "task": task,
                    "ranker": name,
                    "precision_at_k": p,
                    "ndcg_at_k": np.nan,
                    "items": sel.n_items,
                    "served": name == served.get(task),
                    "test_cutoff": None,
                    "validation_cutoffs": ", ".join(str(v.cutoff) for v in val),
                    "lift_vs_largest": p / ref if ref else np.nan,
                }
            )
    return rows
