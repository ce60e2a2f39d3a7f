"""The engine's settings and names: candidates, tasks, the config."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PEER_CANDIDATES", "CANDIDATES", "TASKS", "EngineConfig"]

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
_PROBABILITIES = ("boosted", *PEER_CANDIDATES)
_FOLD_KEEP = ("has_bought", "item_popularity")
_DAY0 = np.datetime64("1970-01-01", "D")
# _ONE_THREAD: the boosted models train on at most max_boost_rows rows (negatives subsampled),
# where OpenMP's thread start-up and spin-waits cost more than a second core gains; measured
# on a 2-core machine: 700 clients 61 s of CPU for 133 s of wall time with two threads.


@dataclass(frozen=True)
class EngineConfig:
    """Settings of the engine. Defaults were chosen on several synthetic worlds and Online
    Retail II at once (see the README), never on one."""

    horizon_days: int = 90
    validation_folds: int = 2
    step_days: int = 30
    min_history_days: int = 90
    peer_prior: float = 10.0  # pseudo-clients of the overall rate in each peer group
    decay_days: float = 60.0  # half-life-like scale of the time decay (TIFU / SAR)
    als_factors: int = 32
    als_iterations: int = 15
    als_regularization: float = 0.05
    boosted_cutoffs: int = 2
    k: int = 50  # the list length the validation measures (precision@k, NDCG@k)
    max_blend_rows: int = 100_000
    max_boost_rows: int = 60_000
    boost_iterations: int = 60  # the boosted trees: rounds, depth, smallest leaf, rate
    boost_depth: int = 4
    boost_min_leaf: int = 200
    boost_learning_rate: float = 0.08
    # the candidate pool (see kapot.models.engine.pool): clients each cheap candidate names per
    # item and task, the pairs the boosted model and the blend score; 0 scores every pair
    pool_size: int = 300
    seed: int = 0
