"""The candidate pool: the client x item pairs the expensive rankers score.

Every candidate (the boosted model, peer rates, item-kNN, ALS, SAR, repeat frequency,
popularity, largest clients) names its ``pool_size`` best clients per item and task (first or
repeat purchase); the union is the pool. The blend is fitted, validated and served on the pool
only, and the clients outside it are ranked after it (see :func:`outside_probability`). A
precision@k measured inside the pool is therefore the precision@k of the list served (and of
each candidate alone: its own best are in the pool), and at 100k clients the pool is a few per
cent of the pairs, so the blend's inputs (within-item percentiles), its regressions and the
metrics cost a few per cent of what every pair would.
"""

from __future__ import annotations

import numpy as np

from kapot.models.engine.config import CANDIDATES
from kapot.models.engine.ranking import group_pct

__all__ = [
    "POOL_CANDIDATES",
    "pool_rows",
    "outside_counts",
    "outside_ratio",
    "outside_probability",
]

POOL_CANDIDATES = CANDIDATES  # every candidate names its best clients
FALLBACK = "peer_industry_region"  # orders the clients outside the pool


def pool_rows(cand: dict[str, np.ndarray], bought: np.ndarray, size: int) -> np.ndarray:
    """Flat row indices (``client * items + item``, sorted) of the pool: per item and task,
    the union of every cheap candidate's ``size`` best clients. Every row when ``size`` is 0
    or the pool would hold more than half of the pairs anyway.

    Parameters
    ----------
    cand : dict of (clients x items) arrays
        The candidates' raw scores, higher is likelier.
    bought : (clients x items) bool array
        Whether the client bought the item before (the repeat task) or not (first purchase).
    size : int
        Clients each candidate names per item and task (``EngineConfig.pool_size``).

    Returns
    -------
    numpy.ndarray
        The pool's flat row indices, sorted.
    """
    n, m = bought.shape
    names = [c for c in POOL_CANDIDATES if c in cand]
    if size <= 0 or size >= n // 2 or not names:
        return np.arange(n * m)
    # items x clients, each item's clients contiguous: selecting within a row is 3-4x faster
    # than within a column of clients x items, and picks the same clients (the same values in
    # the same order)
    keep = np.zeros((m, n), dtype=bool)
    rows = np.arange(m)[:, None]
    for task_mask in (bought.T, ~bought.T):
        for name in names:
            v = np.ascontiguousarray(np.where(task_mask, -cand[name].T, np.inf))
            keep[rows, np.argpartition(v, size - 1, axis=1)[:, :size]] = True
    if keep.mean() > 0.5:  # hardly smaller than every pair: score them all
        return np.arange(n * m)
    return np.flatnonzero(keep.T.ravel())


def outside_counts(
    rows: np.ndarray, y: np.ndarray, bought: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per task, (positives, pairs) outside the pool per item: what calibrates the outside
    clients' probability.

    Parameters
    ----------
    rows : numpy.ndarray
        The pool's flat rows (see :func:`pool_rows`).
    y : numpy.ndarray
        The fold's labels, bool, flat (row-major clients x items).
    bought : numpy.ndarray
        (clients x items) bool: bought before the cutoff (the repeat task).

    Returns
    -------
    dict
        Task (``'repeat'``, ``'new'``) -> (purchases, pairs) outside the pool, two float
        arrays with one value per item.
    """
    n, m = bought.shape
    inside = np.zeros(n * m, dtype=bool)
    inside[rows] = True
    item = np.tile(np.arange(m), n)
    out = {}
    for task, mask in (("repeat", bought.ravel()), ("new", ~bought.ravel())):
        o = mask & ~inside
        out[task] = (
            np.bincount(item[o & y], minlength=m).astype(float),
            np.bincount(item[o], minlength=m).astype(float),
        )
    return out


def outside_ratio(folds: list, task: str) -> float:
    """Purchases outside the pool per purchase expected there at the items' base rates, over
    labelled folds (see :func:`outside_counts`).

    Parameters
    ----------
    folds : list of Fold
        Labelled folds; their ``outside`` counts and ``item_popularity`` (a fold without
        counts is skipped).
    task : str
        ``'new'`` or ``'repeat'``.

    Returns
    -------
    float
        The ratio; 1 when no purchase was expected outside.
    """
    pos = sum(fo.outside[task][0].sum() for fo in folds if fo.outside)
    expected = sum((fo.outside[task][1] * fo.item_popularity).sum() for fo in folds if fo.outside)
    return float(pos / expected) if expected > 0 else 1.0


def outside_probability(
    base: np.ndarray,
    fallback: np.ndarray,
    item: np.ndarray,
    pool_p: np.ndarray,
    pool_item: np.ndarray,
    n_items: int,
) -> np.ndarray:
    """Probabilities of the task's rows outside the pool: the measured outside rate ``base``
    (per row), capped just under the pool's lowest probability for the same item (the pool is
    ranked first, as validation measured it), ordered by the ``fallback`` candidate's
    within-item percentile.

    Parameters
    ----------
    base : numpy.ndarray
        Per outside row, the item's base rate times the task's outside ratio.
    fallback : numpy.ndarray
        Per outside row, the :data:`FALLBACK` candidate's raw score.
    item : numpy.ndarray
        Per outside row, the item's position (0 to ``n_items`` - 1).
    pool_p : numpy.ndarray
        The served probabilities of the task's pooled rows.
    pool_item : numpy.ndarray
        Per pooled row, the item's position.
    n_items : int
        Items scored.

    Returns
    -------
    numpy.ndarray
        Per outside row: min(``base``, 0.999 x the item's lowest pooled probability) x
        (0.5 + 0.5 x the fallback's within-item percentile).
    """
    cap = np.full(n_items, np.inf)
    if len(pool_p):
        np.minimum.at(cap, pool_item, pool_p)
    cap = 0.999 * cap[item]
    pct = group_pct(fallback, item) if len(item) else np.zeros(0)
    return np.minimum(base, cap) * (0.5 + 0.5 * pct)
