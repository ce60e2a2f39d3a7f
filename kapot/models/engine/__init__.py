"""The self-validating potential engine: candidate rankers, rolling-origin validation, a learned
blend and a guard against the obvious baseline.

Every company's history is different, so kapot does not trust one model. For a scoring date
``as_of`` and a horizon of ``h`` days it

1. builds in-memory snapshots of the history (sparse client x item matrices) at past cutoffs,
   each labelled with what clients bought in the ``h`` days after it (:mod:`.history`);
2. scores every candidate ranker on them (:data:`CANDIDATES`, :mod:`.candidates`): a boosted
   next-product-to-buy model (:mod:`.boosted`), smoothed peer adoption rates (industry,
   region, size tier, industry x region), item-kNN over the client's basket, implicit-feedback
   ALS, time-decayed repeat frequency (TIFU-KNN / SAR style), SAR's decayed basket times item
   similarity, popularity and "largest clients first";
3. learns a blend of them (logistic regression on the candidates' within-item percentiles,
   per task: repeat purchases and first purchases) on the *validation* folds, and measures
   everything on the most recent fold, the *test* fold, which nothing was fitted on
   (:mod:`.selection`, :mod:`.blend`, :mod:`.leaderboard`, :mod:`.ranking`);
4. serves, per task, whichever of blend and single candidates did best on the validation folds,
   unless it does not beat the best peer-rate baseline there: then the peer baseline is served
   and the leaderboard says so. The served ranker is refitted on all labelled folds
   (:mod:`.core`, :mod:`.serving`).

Folds (:mod:`.folds`; ``h`` = horizon, ``s`` = ``step_days``): test at ``as_of - h``;
validation at ``as_of - 2h``, ``as_of - 2h - s``, ...; the boosted model of a fold at cutoff
``c`` is trained on cutoffs ``c - h``, ``c - h - s`` (labels known at ``c``). Nothing uses data
on or after the cutoff it is scored at.

Items are categories or SKUs (:class:`History` holds both axes), so the same code ranks both;
a single SKU can be scored on demand from a snapshot (:meth:`Engine.score_items`).
"""

from kapot.models.engine.boosted import BOOSTED_FEATURES, boosted_predict
from kapot.models.engine.config import CANDIDATES, PEER_CANDIDATES, TASKS, EngineConfig
from kapot.models.engine.core import Engine
from kapot.models.engine.history import History, Snapshot
from kapot.models.engine.ranking import ranking_metrics
from kapot.models.engine.serving import ServedRanker

__all__ = [
    "BOOSTED_FEATURES",
    "CANDIDATES",
    "PEER_CANDIDATES",
    "TASKS",
    "EngineConfig",
    "Engine",
    "History",
    "Snapshot",
    "ServedRanker",
    "boosted_predict",
    "ranking_metrics",
]
