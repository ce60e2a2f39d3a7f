"""The engine's settings and names: candidates, tasks, the config."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# the layout of a stored engine state (the served ranker and the snapshot it scores, pickled by
# kapot score): bumped whenever either gains an attribute the scoring code reads, so a state an
# older kapot stored is refused with a message instead of failing inside the engine
# (2: the items' groups, which the boosted model's inputs read since session 8; 3: the boosted
# candidate on its own inputs beside the stack, session 9)
ENGINE_STATE_VERSION = 3

__all__ = [
    "PEER_CANDIDATES",
    "CANDIDATES",
    "TASKS",
    "PROBABILITIES",
    "FOLD_KEEP",
    "DAY0",
    "EngineConfig",
]

PEER_CANDIDATES = ("peer_industry", "peer_region", "peer_size", "peer_industry_region")
CANDIDATES = (
    "boosted",
    *PEER_CANDIDATES,
    "item_knn",
    "als",
    "recency_frequency",
    "sar",
    "popularity",
    "largest",
)
TASKS = ("new", "repeat")
# the candidates whose scores are probabilities: the blend reads their log-odds too, not only
# their rank within the item (kapot.models.engine.ranking.design)
PROBABILITIES = ("boosted", "stack", *PEER_CANDIDATES)
# the pair-frame columns a fold (and the served pool) keeps beside the candidates' scores: the
# task (bought before) and the item's base rate
FOLD_KEEP = ("has_bought", "item_popularity")
# day 0 of the engine's integer days: the history stores dates as days since it
DAY0 = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class EngineConfig:
    """Settings of the engine. Defaults were chosen on several synthetic worlds and Online
    Retail II at once (see the README), never on one.

    Parameters
    ----------
    horizon_days : int
        The horizon, in days: a score is the probability of buying in the next this many days.
    validation_folds : int
        Validation cutoffs, ``2 * horizon_days`` and then ``step_days`` earlier each before the
        scoring date (the test cutoff is ``horizon_days`` before it).
    step_days : int
        Days between validation cutoffs, and between the boosted model's training cutoffs.
    min_history_days : int
        A cutoff needs at least this many days of history before it.
    peer_prior : float
        Pseudo-clients at the overall rate added to each peer group (industry, region, size).
    decay_days : float
        The time decay's scale (TIFU, SAR): a line ``age`` days old weighs
        ``exp(-age / decay_days)``.
    als_factors, als_iterations, als_regularization : int, int, float
        The implicit ALS candidate: latent factors (at most one less than the clients' or
        items' count), sweeps and L2 regularisation.
    als_warm_iterations : int
        Sweeps of each ALS fit after a fit's first cutoff, warm-started from the factors of
        the cutoff before (:class:`~kapot.models.engine.als.BackgroundAls`); 0 fits every
        cutoff from random factors with ``als_iterations`` sweeps. Off: measured in session
        11, 5 warm sweeps took kapot score at 100k clients from 142–149 to 119–123 s (208–216
        against 245–259 s of CPU), up to 4.1 GB, and Online Retail II's list fell from 0.129 to
        0.122 (0.124 with 8 or 10 sweeps), under its target of 0.126; over seeds 0-4 from a
        mean of 0.131 to 0.1265, lower on every seed (see the README).
    boosted_cutoffs : int
        The boosted model's training cutoffs: ``horizon_days``, then ``step_days`` earlier each,
        before the cutoff it scores (those with ``min_history_days`` of history).
    k : int
        The list length the validation measures (precision@k, NDCG@k).
    max_blend_rows : int
        Negatives per task the blend's logistic regression fits on (every positive kept, the
        negatives sampled and reweighted).
    max_boost_rows : int
        Negatives per task the boosted model trains on over all its cutoffs (every positive
        kept, the negatives sampled; its log-odds corrected for it); few enough that one
        OpenMP thread trains it fastest (``_ONE_THREAD`` in ``kapot.models.engine.boosted``).
    boost_iterations, boost_depth, boost_min_leaf, boost_learning_rate : int, int, int, float
        The boosted trees' rounds, depth, smallest leaf (rows) and learning rate.
    pool_size : int
        The candidate pool (:mod:`kapot.models.engine.pool`): clients each cheap candidate
        names per item and task, the pairs the boosted model and the blend score; 0 scores
        every pair.
    blend_reads_stack : bool
        Whether the logistic blend reads the stack's probability (its within-item percentile
        and log-odds) among its inputs. Off: measured in session 9, its gains were within one
        run's noise and Online Retail II fell under its target (see the README).
    seed : int
        Seeds the ALS factors, the trees and the negatives' samples.
    """

    horizon_days: int = 90
    validation_folds: int = 2
    step_days: int = 30
    min_history_days: int = 90
    peer_prior: float = 10.0
    decay_days: float = 60.0
    als_factors: int = 32
    als_iterations: int = 15
    als_regularization: float = 0.05
    als_warm_iterations: int = 0
    boosted_cutoffs: int = 2
    k: int = 50
    max_blend_rows: int = 100_000
    max_boost_rows: int = 60_000
    boost_iterations: int = 60
    boost_depth: int = 4
    boost_min_leaf: int = 200
    boost_learning_rate: float = 0.08
    pool_size: int = 300
    blend_reads_stack: bool = False
    seed: int = 0
