"""The blend: a logistic regression of a task's labels on the candidates' within-item
percentiles (:func:`~kapot.models.engine.ranking.design`), fitted on labelled folds, and its
out-of-sample scores on the validation folds (cross-fitted over the items) that
:meth:`~kapot.models.engine.selection.Selection.choose` compares with the single candidates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from kapot.models.engine.ranking import Fold

if TYPE_CHECKING:
    from kapot.models.engine.selection import Selection

__all__ = ["fit_lr", "blend_cv"]


def fit_lr(
    sel: Selection,
    folds: list[Fold],
    task: str,
    names: list[str],
    items: np.ndarray | None = None,
) -> Pipeline | None:
    """Logistic regression of the fold labels on the blend inputs (only ``items``' rows
    when given).

    Every positive is kept; beyond ``max_blend_rows`` negatives a sample is drawn (``seed``)
    and reweighted.

    Parameters
    ----------
    sel : Selection
        The fit's selection: its blend inputs per fold and task, and the settings.
    folds : list of Fold
        Labelled folds.
    task : str
        ``'new'`` or ``'repeat'``.
    names : list of str
        The candidates blended (a subset of ``sel.blend_names_``).
    items : numpy.ndarray, optional
        Item positions whose rows are fitted on (default all).

    Returns
    -------
    sklearn.pipeline.Pipeline or None
        Standardisation then the regression; None when the labels cannot support one (fewer
        than 3 positives, or no negative).
    """
    xs, ys = [], []
    rng = np.random.default_rng(sel.config.seed)
    for fo in folds:
        rows, x = sel.task_design(fo, task, names)
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
    cap = sel.config.max_blend_rows
    neg = np.flatnonzero(~y)
    if len(neg) > cap:  # keep every positive, sample negatives and reweight them
        keep = np.sort(np.r_[np.flatnonzero(y), rng.choice(neg, cap, replace=False)])
        w = np.where(y[keep], 1.0, len(neg) / cap)
        x, y = x[keep], y[keep]
    # standardised inputs: lbfgs converges in a fraction of the iterations
    lr = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=500))
    return lr.fit(x, y, logisticregression__sample_weight=w)


def blend_cv(
    sel: Selection, val: list[Fold], task: str, names: list[str]
) -> list[np.ndarray] | None:
    """The blend's out-of-sample scores on the validation folds: cross-fitted over two
    halves of the items (each half scored by a blend fitted on the other), or leave one
    fold out when there is a single item.

    Parameters
    ----------
    sel : Selection
        The fit's selection (blend inputs, ``n_items``, ``seed``).
    val : list of Fold
        The validation folds.
    task : str
        ``'new'`` or ``'repeat'``.
    names : list of str
        The candidates blended.

    Returns
    -------
    list of numpy.ndarray or None
        Per fold, a score per row of its frame (-inf on the other task's rows); None when
        neither scheme can fit a regression.
    """
    n_items = sel.n_items
    out = [np.full(len(fo.frame["has_bought"]), -np.inf) for fo in val]
    if n_items >= 2:
        perm = np.random.default_rng(sel.config.seed).permutation(n_items)
        halves = (perm[: n_items // 2], perm[n_items // 2 :])
        for test_half, train_half in (halves, halves[::-1]):
            lr = fit_lr(sel, val, task, names, items=train_half)
            if lr is None:
                return None
            for fo, s in zip(val, out, strict=True):
                rows, x = sel.task_design(fo, task, names)
                keep = np.isin(fo.item[rows], test_half)
                if keep.any():
                    s[rows[keep]] = lr.predict_proba(x[keep])[:, 1]
        return out
    if len(val) >= 2:
        for i, (fo, s) in enumerate(zip(val, out, strict=True)):
            lr = fit_lr(sel, [v for j, v in enumerate(val) if j != i], task, names)
            if lr is None:
                return None
            rows, x = sel.task_design(fo, task, names)
            s[rows] = lr.predict_proba(x)[:, 1]
        return out
    return None
