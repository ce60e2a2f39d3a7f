"""The rankers the engine served, ready to score a snapshot without the history."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kapot.models.engine.boosted import boosted_predict
from kapot.models.engine.config import TASKS, EngineConfig
from kapot.models.engine.history import Snapshot
from kapot.models.engine.ranking import Fold, design, group_pct

__all__ = ["ServedRanker"]


@dataclass
class ServedRanker:
    """The rankers :class:`Engine` chose per task, with what they need to score a snapshot:
    the blend's logistic regressions (or one candidate's calibration), and the boosted models
    fitted for the scoring date when the served ranker uses them."""

    config: EngineConfig
    served: dict[str, str]
    blend_names: list[str]
    lrs: dict
    boosted: dict | None

    def frame(self, snap: Snapshot, cols: np.ndarray) -> Fold:
        f = dict(snap.pair_frame(cols, self.config))
        n, m = len(snap.client_ids), len(cols)
        f["cand_boosted"] = (
            boosted_predict(self.boosted, f) if self.boosted is not None else np.full(n * m, np.nan)
        )
        return Fold(
            cutoff=snap.cutoff,
            role="serve",
            frame=f,
            y=None,
            item=np.tile(np.arange(m), n),
            client=np.repeat(np.arange(n), m),
        )

    def probability(self, fold: Fold) -> np.ndarray:
        p = np.zeros(len(fold.frame["has_bought"]))
        rep = fold.frame["has_bought"] > 0
        for task in TASKS:
            rows = np.flatnonzero(rep if task == "repeat" else ~rep)
            if not len(rows):
                continue
            served = self.served[task]
            names = self.blend_names if served == "blend" else [served]
            lr = self.lrs.get(task)
            if lr is None:
                base = fold.frame["item_popularity"][rows]
                p[rows] = base + 1e-6 * group_pct(
                    fold.frame[f"cand_{names[0]}"][rows], fold.item[rows]
                )
            else:
                p[rows] = lr.predict_proba(design(fold, rows, names))[:, 1]
        return p

    def score(self, snap: Snapshot, items: list[str]) -> pd.DataFrame:
        """Probability for every client and item of ``items`` at the snapshot's date.

        Returns a frame with client_id, item, probability, task ('new' or 'repeat'),
        has_bought, is_prospect, expected spend inputs (item_spend_12m, item_buyer_spend_12m)
        and the reason inputs (item_months_12m, item_revenue_same_season_ly, adopt_industry,
        adopt_region, cf_score_pct, svd_score_pct, client_horizon_share)."""
        cols = snap.items.get_indexer(items)
        if (cols < 0).any():
            raise KeyError([i for i, c in zip(items, cols, strict=True) if c < 0])
        fold = self.frame(snap, cols)
        f = fold.frame
        spend = np.expm1(f["log_item_spend_12m"]).reshape(len(snap.client_ids), len(cols))
        buyers = spend > 0
        typical = np.array(
            [
                np.median(spend[buyers[:, j], j]) if buyers[:, j].any() else 0.0
                for j in range(len(cols))
            ]
        )
        return pd.DataFrame(
            {
                "client_id": snap.client_ids.to_numpy()[fold.client],
                "item": np.asarray(items, dtype=object)[fold.item],
                "probability": self.probability(fold),
                "task": np.where(f["has_bought"] > 0, "repeat", "new"),
                "has_bought": f["has_bought"],
                "is_prospect": f["is_prospect"],
                "item_spend_12m": spend.ravel(),
                "item_buyer_spend_12m": np.tile(typical, len(snap.client_ids)),
                "item_months_12m": f["item_months_12m"],
                "item_revenue_same_season_ly": np.expm1(f["log_item_same_season_ly"]),
                "adopt_industry": f["cand_peer_industry"],
                "adopt_region": f["cand_peer_region"],
                "cf_score_pct": group_pct(f["cand_item_knn"], fold.item),
                "svd_score_pct": group_pct(f["cand_als"], fold.item),
                "client_horizon_share": f["client_horizon_share"],
            }
        )
