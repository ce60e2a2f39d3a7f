"""The boosted next-product-to-buy model and the stack: gradient-boosted trees on the pair frame,
one per task (repeat and first purchases), trained on earlier cutoffs' labelled pairs with the
negatives sampled. The boosted candidate reads its own inputs only (:data:`BOOSTED_FEATURES`:
the client's and the client x item history, the item's group); the stack, one of kapot's
learned blends, reads them and every other candidate's score too (:data:`STACK_FEATURES`).
Both are trained on the same sampled rows. Until session 9 the candidate called boosted was
the stack."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from kapot.models.engine.config import TASKS, EngineConfig

__all__ = [
    "BOOSTED_FEATURES",
    "STACK_FEATURES",
    "boosted_predict",
    "boosted_predict_all",
    "distinct_rows",
    "fit_boosted",
    "fit_boosted_sets",
]

if TYPE_CHECKING:
    from kapot.models.engine.history import Snapshot

# _ONE_THREAD: the boosted models train and predict on one OpenMP thread. Training sees at most
# max_boost_rows rows (negatives sampled), where thread start-up and spin-waits cost more than
# a second core gains (2-core machine: 700 clients, 61 s of CPU for 133 s of wall time with
# two threads); prediction on a busy machine spins too (one SKU at 100k clients: 2 s with two
# OpenMP threads), and the served page shares the server with other kernels. A batch's second
# core comes from a second Python thread predicting chunks of its own (_decision).

BOOSTED_FEATURES = (
    "is_prospect",
    "log_revenue_12m",
    "log_orders_12m",
    "recency_days",
    "tenure_days",
    "trend_12m",
    "breadth",
    "has_bought",
    "log_item_lines_24m",
    "log_item_lines_3m",
    "item_months_12m",
    "log_item_spend_12m",
    "item_share_12m",
    "item_days_since",
    "log_item_same_season_ly",
    "log_group_lines_12m",
    "log_group_lines_3m",
    "group_decayed",
    "group_client_share",
    "item_group_share",
    "client_horizon_share",
    "item_horizon_share",
    "item_popularity",
)
# the stack: the boosted model's inputs and every other candidate's score (not the boosted
# candidate's own: it is a function of inputs the stack reads itself)
STACK_FEATURES = (
    *BOOSTED_FEATURES,
    "cand_peer_industry",
    "cand_peer_region",
    "cand_peer_size",
    "cand_peer_industry_region",
    "cand_item_knn",
    "cand_als",
    "cand_sar",
    "cand_recency_frequency",
)


@dataclass
class _Corrected:
    """A binary classifier fitted on subsampled negatives, its log-odds shifted back by the
    sampling rate. (Fitting unweighted is 5x faster than with sample weights: scikit-learn
    bins weighted features with a weighted percentile per bin, measured 80 of 94 s.)"""

    model: HistGradientBoostingClassifier
    log_rate: float
    features: tuple[str, ...] = STACK_FEATURES

    def predict_proba(self, x: np.ndarray, threads: int = 1) -> np.ndarray:
        z = _decision(self.model, x, threads) + self.log_rate
        p = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1 - p, p])


# _CHUNK: rows a tree pass reads at once. scikit-learn predicts tree by tree over the rows it is
# given, so a million rows (26 float64 inputs: 208 MB) stream through memory once per tree; 4,096
# rows (0.9 MB) stay in cache over all of them: 3.5 instead of 5.5 s of CPU per million rows, the
# same values bit for bit (one thread, 60 trees of depth 4).
_CHUNK = 4096


def _row_keys(x: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's bits: identical rows get identical keys (others may too)."""
    bits = x.view(np.uint32)
    key = np.zeros(len(x), dtype=np.uint64)
    for j in range(x.shape[1]):
        key *= np.uint64(1_000_003)
        key ^= bits[:, j]
    return key


def distinct_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``x`` to predict and, per row, the one whose prediction it takes: rows equal
    in every input share one (prospects with no history are equal on every input but their peer
    rates: 28 % of the pairs at 100k clients x 50 SKUs).

    Parameters
    ----------
    x : numpy.ndarray
        float32 (rows x inputs), C-contiguous.

    Returns
    -------
    todo : numpy.ndarray
        Sorted positions of the rows to predict.
    source : numpy.ndarray
        Per row, a position in ``todo`` whose row is equal to it in every input (checked
        value by value: two rows with the same hash but another value, or a NaN, are both
        predicted).
    """
    n = len(x)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # a hash table, not a sort (np.unique): codes in the order keys first appear, so each
    # code's first row is where the codes' running maximum grows (1.9 -> 0.6 s per 1M rows)
    codes = pd.factorize(_row_keys(x))[0]
    top = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.r_[True, top[1:] > top[:-1]])
    rep = first[codes]
    later = np.flatnonzero(rep != np.arange(n))  # rows sharing a first row's key: checked
    bad = later[~(x[later] == x[rep[later]]).all(axis=1)]
    predict = np.zeros(n, dtype=bool)
    predict[first] = True
    predict[bad] = True
    rep[bad] = bad
    return np.flatnonzero(predict), (np.cumsum(predict) - 1)[rep]


def _decision(model, x: np.ndarray, threads: int) -> np.ndarray:
    """``model.decision_function(x)`` in chunks of :data:`_CHUNK` rows, ``threads`` Python
    threads taking every other chunk (scikit-learn's prediction releases the GIL), each on
    one OpenMP thread: no thread waits at an OpenMP barrier on a busy machine (see
    _ONE_THREAD), and every row's value is the one a single call gives."""
    out = np.empty(len(x))
    bounds = [(lo, min(lo + _CHUNK, len(x))) for lo in range(0, len(x), _CHUNK)]

    def work(part: list[tuple[int, int]]) -> None:
        with threadpool_limits(1, "openmp"):  # see _ONE_THREAD
            for lo, hi in part:
                out[lo:hi] = model.decision_function(x[lo:hi])

    threads = max(1, min(threads, len(bounds)))
    if threads == 1:
        work(bounds)
    else:
        with ThreadPoolExecutor(threads) as ex:
            list(ex.map(work, [bounds[i::threads] for i in range(threads)]))
    return out


def boosted_predict(models: dict, frame: dict[str, np.ndarray], threads: int = 1) -> np.ndarray:
    """The boosted model's probabilities for a pair frame (see :meth:`Snapshot.pair_frame`):
    one model for repeat purchases, one for first purchases (a constant where the history had
    too few purchases to learn from). Rows are stacked a million at a time (a 100k x 50 frame
    would need 0.5 GB at once); rows equal in every input are predicted once
    (:func:`distinct_rows`).

    Parameters
    ----------
    models : dict
        Task (``'new'``, ``'repeat'``) -> a fitted model or a constant probability, as
        :func:`fit_boosted` returns it; a missing task scores 0.
    frame : dict of numpy.ndarray
        The pair frame, flat arrays of one length: ``has_bought`` (which model scores a row)
        and every column the models read (their ``features``: :data:`BOOSTED_FEATURES` or
        :data:`STACK_FEATURES`).
    threads : int
        Threads for prediction, each on one OpenMP thread and its own chunks of rows. One by
        default (a page's SKU: 100k rows, where starting threads costs more than it gains);
        more for batches of a million rows, where a second thread halves the time.

    Returns
    -------
    numpy.ndarray
        The probability of each row (float64).
    """
    rep = frame["has_bought"] > 0
    out = np.zeros(len(rep))
    for task, mask in (("repeat", rep), ("new", ~rep)):
        m = models.get(task, 0.0)
        rows = np.flatnonzero(mask)
        if not len(rows):
            continue
        if not hasattr(m, "predict_proba"):
            out[rows] = m
            continue
        for lo in range(0, len(rows), 1_000_000):
            r = rows[lo : lo + 1_000_000]
            x = np.column_stack([frame[c][r] for c in m.features])
            todo, source = distinct_rows(x)
            out[r] = m.predict_proba(x[todo], threads)[source, 1]
    return out


def boosted_predict_all(
    models: dict | None, frame_at: Callable[[np.ndarray], dict], n_rows: int
) -> np.ndarray:
    """The boosted model's probabilities for every one of ``n_rows`` pairs, the pair frame
    made a million rows at a time (a 100k x 50 frame at once would hold 1 GB).

    Parameters
    ----------
    models : dict or None
        As :func:`boosted_predict` takes them; None when no model could be trained.
    frame_at : callable
        ``frame_at(rows)`` gives the pair frame (see :func:`boosted_predict`) at the flat
        ``rows``, an increasing range.
    n_rows : int
        Pairs to score (clients x items).

    Returns
    -------
    numpy.ndarray
        float32, one per pair; NaN everywhere without a model. Batches of a million rows use
        every core, smaller ones one (see _ONE_THREAD).
    """
    if models is None:
        return np.full(n_rows, np.nan, dtype=np.float32)
    out = np.empty(n_rows, dtype=np.float32)
    step = 1_000_000
    # every core for a batch (kapot score); one for a page's SKU (see _ONE_THREAD)
    threads = (os.cpu_count() or 1) if n_rows >= step else 1
    for lo in range(0, n_rows, step):
        rows = np.arange(lo, min(lo + step, n_rows))
        out[rows] = boosted_predict(models, frame_at(rows), threads)
    return out


def fit_boosted(
    snaps: list[Snapshot],
    frames: Callable[[int, np.ndarray], dict],
    cols: np.ndarray,
    cfg: EngineConfig,
) -> dict:
    """The boosted candidate's models (its own inputs, :data:`BOOSTED_FEATURES`) on the pairs
    of the training snapshots ``snaps``; see :func:`fit_boosted_sets`.

    Parameters
    ----------
    snaps, frames, cols, cfg
        As :func:`fit_boosted_sets` takes them.

    Returns
    -------
    dict
        Task -> a classifier or a base rate, as :func:`fit_boosted_sets` gives one set.
    """
    return fit_boosted_sets(snaps, frames, cols, cfg, {"boosted": BOOSTED_FEATURES})["boosted"]


def fit_boosted_sets(
    snaps: list[Snapshot],
    frames: Callable[[int, np.ndarray], dict],
    cols: np.ndarray,
    cfg: EngineConfig,
    sets: dict[str, tuple[str, ...]],
) -> dict[str, dict]:
    """One boosted model per task and input set on the pairs of the training snapshots
    ``snaps``: every positive and a sample of the negatives at one rate across the snapshots
    (so one prior correction holds), the same sampled rows for every set.

    Parameters
    ----------
    snaps : list of Snapshot
        Labelled snapshots (their horizon has passed), earlier cutoffs than the one scored.
    frames : callable
        ``frames(i, rows)`` gives the i-th snapshot's pair frame at the flat ``rows``, with
        every column of ``sets``: only the sampled rows are ever made.
    cols : numpy.ndarray
        Positions of the target items in the snapshots' item axis.
    cfg : EngineConfig
        ``max_boost_rows`` (negatives kept per task), the trees' ``boost_*`` settings, ``seed``.
    sets : dict
        Name -> the pair-frame columns its models read (e.g. ``{"boosted":
        BOOSTED_FEATURES, "stack": STACK_FEATURES}``).

    Returns
    -------
    dict
        Name -> task (``'new'``, ``'repeat'``) -> a classifier with ``predict_proba`` (its
        log-odds corrected for the negatives' sampling, its input columns in ``features``), or
        the task's base rate where fewer than 5 purchases were seen.
    """
    rng = np.random.default_rng(cfg.seed)
    ys = [sn.labels(cols) for sn in snaps]
    reps = [(sn.dense(sn.ever, cols) > 0).ravel() for sn in snaps]
    picks: dict[str, list[np.ndarray]] = {t: [] for t in TASKS}
    rates: dict[str, float] = {}
    for task in TASKS:
        masks = [r if task == "repeat" else ~r for r in reps]
        pos = sum(int(y[m].sum()) for y, m in zip(ys, masks, strict=True))
        neg = sum(int((~y[m]).sum()) for y, m in zip(ys, masks, strict=True))
        if pos < 5 or neg == 0:
            rates[task] = float(pos / (pos + neg)) if pos + neg else 0.0
            continue
        rate = min(1.0, cfg.max_boost_rows / neg)
        rates[task] = rate
        for y, m in zip(ys, masks, strict=True):
            negs = np.flatnonzero(m & ~y)
            take = rng.choice(negs, int(round(rate * len(negs))), replace=False)
            picks[task].append(np.sort(np.r_[np.flatnonzero(m & y), take]))
    columns = tuple(dict.fromkeys(c for feats in sets.values() for c in feats))
    xs: dict[str, list[np.ndarray]] = {t: [] for t in TASKS}
    for i in range(len(snaps)):
        if not any(picks[t] for t in TASKS):
            break
        union = np.unique(np.concatenate([picks[t][i] for t in TASKS if picks[t]]))
        f = frames(i, union)  # the i-th snapshot's pair frame at the sampled rows
        for task in TASKS:
            if picks[task]:
                at = np.searchsorted(union, picks[task][i])
                xs[task].append(np.column_stack([f[c][at] for c in columns]))
        del f
    models: dict[str, dict] = {name: {} for name in sets}
    for task in TASKS:
        if not picks[task]:
            for name in sets:  # too few purchases to learn from: a constant
                models[name][task] = rates[task]
            continue
        x = np.vstack(xs[task])
        y = np.concatenate([yy[r] for yy, r in zip(ys, picks[task], strict=True)])
        for name, feats in sets.items():
            at = [columns.index(c) for c in feats]
            with threadpool_limits(1, "openmp"):  # see _ONE_THREAD
                model = HistGradientBoostingClassifier(
                    max_iter=cfg.boost_iterations,
                    learning_rate=cfg.boost_learning_rate,
                    max_depth=cfg.boost_depth,
                    min_samples_leaf=cfg.boost_min_leaf,
                    l2_regularization=1.0,
                    early_stopping=False,
                    random_state=cfg.seed,
                ).fit(np.ascontiguousarray(x[:, at]), y)
            models[name][task] = _Corrected(model, float(np.log(rates[task])), tuple(feats))
    return models
