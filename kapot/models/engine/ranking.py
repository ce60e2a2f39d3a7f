"""Ranking metrics and the blend's inputs: precision@k and NDCG@k per item, within-item
percentiles, and the validation fold a blend is fitted and measured on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kapot.models.engine.config import PROBABILITIES

__all__ = ["Fold", "design", "design_columns", "design_labels", "group_pct", "ranking_metrics"]


@dataclass
class Fold:
    """One cutoff's rows (the candidate pool's client x item pairs) and what validation reads
    of them.

    Attributes
    ----------
    cutoff : datetime.date
        The cutoff: features from before it, labels from the horizon after it.
    role : str
        ``'test'``, ``'validation'`` or ``'serve'``.
    frame : dict of str to numpy.ndarray
        The pair frame, one value per row (``cand_<name>``, ``has_bought``,
        ``item_popularity``, ...); a labelled fold keeps only ``has_bought`` once its blend
        inputs are computed.
    y : numpy.ndarray or None
        Bool per row: bought the item in the horizon; None when serving.
    item, client : numpy.ndarray
        Per row, the item's position (column) and the client's (row of the history).
    designs : dict
        Task (``'new'``, ``'repeat'``) -> (its rows, their blend inputs), filled by
        :meth:`~kapot.models.engine.selection.Selection.task_design`.
    outside : dict
        Task -> (purchases, pairs) per item outside the candidate pool
        (:func:`~kapot.models.engine.pool.outside_counts`); empty when serving.
    item_popularity : numpy.ndarray or None
        Per item, the share (0..1) of clients who bought it in the 12 months before the
        cutoff; None when serving.
    stack : numpy.ndarray or None
        Per row, the stack's probability (boosted trees over the pair features and the
        candidates' scores, a learned blend); None without a boosted model.
    """

    cutoff: dt.date
    role: str
    frame: dict[str, np.ndarray]
    y: np.ndarray | None
    item: np.ndarray
    client: np.ndarray
    designs: dict = field(default_factory=dict)
    outside: dict = field(default_factory=dict)
    item_popularity: np.ndarray | None = None
    stack: np.ndarray | None = None


def design(fold: Fold, rows: np.ndarray, names: list[str]) -> np.ndarray:
    """Blend inputs: each candidate's percentile within the item (among the task's rows),
    plus the item's base rate (log-odds) so probabilities keep their scale.

    Parameters
    ----------
    fold : Fold
        Its frame holds ``cand_<name>`` for each of ``names`` and ``item_popularity``.
    rows : numpy.ndarray
        The fold's rows of one task (positions in its frame).
    names : list of str
        The candidates blended.

    Returns
    -------
    numpy.ndarray
        (rows x inputs), the columns :func:`design_labels` names: per candidate its
        within-item percentile (and, for a probability, its log-odds too), then the item's
        base rate as log-odds.
    """
    cols = []
    item = fold.item[rows]
    for name in names:
        v = fold.frame[f"cand_{name}"][rows]
        cols.append(group_pct(v, item))
        if name in PROBABILITIES:  # a probability keeps its scale, not only its rank
            v = np.clip(v, 1e-5, 1 - 1e-5)
            cols.append(np.log(v / (1 - v)))
    pop = np.clip(fold.frame["item_popularity"][rows], 1e-4, 1 - 1e-4)
    cols.append(np.log(pop / (1 - pop)))
    return np.column_stack(cols)


def design_labels(names: list[str]) -> list[str]:
    """Names of :func:`design`'s columns over ``names`` (a probability has a ``_logit`` column
    too), the item's base rate last.

    Parameters
    ----------
    names : list of str
        The candidates blended.

    Returns
    -------
    list of str
        The column names, ``item_base_rate`` last.
    """
    return [x for n in names for x in ([n, f"{n}_logit"] if n in PROBABILITIES else [n])] + [
        "item_base_rate"
    ]


def design_columns(full: list[str], names: list[str]) -> list[int]:
    """Columns of :func:`design` (over ``full``) holding ``names``' inputs, and the base rate.

    Parameters
    ----------
    full : list of str
        The candidates the design was made over.
    names : list of str
        A subset of ``full``.

    Returns
    -------
    list of int
        Column positions, in ``names``' order, the base rate's last.
    """
    at, j = {}, 0
    for n in full:
        at[n] = [j, j + 1] if n in PROBABILITIES else [j]
        j += len(at[n])
    return [c for n in names for c in at[n]] + [j]


def group_pct(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Percentile rank (0..1] of each value within its group (average ranks for ties).

    Parameters
    ----------
    values : numpy.ndarray
        The values ranked, higher ranks higher.
    groups : numpy.ndarray
        Each value's group (an item position), the same length.

    Returns
    -------
    numpy.ndarray
        Each value's percentile within its group.
    """
    s = pd.Series(values)
    if len(groups) and (groups == groups[0]).all():  # one item (a SKU typed on the page)
        return s.rank(pct=True).to_numpy()
    return s.groupby(groups).rank(pct=True).to_numpy()


def ranking_metrics(
    groups: np.ndarray, y: np.ndarray, s: np.ndarray, k: int = 50
) -> dict[str, float]:
    """Mean over groups (items) with at least one positive of precision@k and NDCG@k; ties
    broken by position (callers add their own tie-breaker).

    Parameters
    ----------
    groups : numpy.ndarray
        Each row's group (item).
    y : numpy.ndarray
        Each row's label, bool or 0/1.
    s : numpy.ndarray
        Each row's score, higher ranked first.
    k : int
        The list's length; precision@k divides by ``k`` even where a group has fewer rows.

    Returns
    -------
    dict
        ``precision`` and ``ndcg`` (means over the groups with a positive), ``base_rate``
        (their mean share of positives), ``per_item`` (each such group's precision@k, in
        group order) and ``items`` (how many); NaN means and an empty ``per_item`` (and no
        ``items``) when no group has a positive.
    """
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    ends = np.r_[starts[1:], len(g)]
    prec, ndcg, base = [], [], []
    disc = 1 / np.log2(np.arange(2, k + 2))
    for a, b in zip(starts, ends, strict=True):
        idx = order[a:b]
        yg = y[idx].astype(float)
        npos = yg.sum()
        if npos == 0:
            continue
        neg_s = -np.asarray(s[idx], dtype=float)
        if len(idx) > k:  # only the k best (ties at the edge included) need sorting
            kth = np.partition(neg_s, k - 1)[k - 1]
            cand = np.flatnonzero(neg_s <= kth)
        else:
            cand = np.arange(len(idx))
        top = yg[cand[np.argsort(neg_s[cand], kind="stable")][:k]]
        prec.append(top.sum() / k)
        ndcg.append((top * disc[: len(top)]).sum() / disc[: int(min(k, npos))].sum())
        base.append(yg.mean())
    if not prec:
        return {
            "precision": float("nan"),
            "ndcg": float("nan"),
            "base_rate": float("nan"),
            "per_item": np.zeros(0),
        }
    return {
        "precision": float(np.mean(prec)),
        "per_item": np.asarray(prec),
        "ndcg": float(np.mean(ndcg)),
        "base_rate": float(np.mean(base)),
        "items": len(prec),
    }
