"""The calculator's SKU scores: a SKU's probability is its category's times the client's share of it within the category, computed the first time the SKU is asked for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kapot.errors import KapotError, nearest
from kapot.i18n import tr
from kapot.pipeline.snapshot import Snapshot

__all__ = ["SkuScores"]


class SkuScores:
    """The calculator's SKU scores: a SKU's probability is its category's times the client's share of it within the category, computed the first time the SKU is asked for."""

    def _sku_state(self):
        """(ranker, snapshot, row of each client in the snapshot) or None if not scored."""
        if self._sku_engine is None and self._db is not False:
            snapshot = Snapshot(self._db, self.as_of, self.horizon_days)
            self._sku_engine = snapshot.engine_state("sku")
            self._db = False  # read once
        if self._sku_engine is None:
            return None
        ranker, snap = self._sku_engine
        if not hasattr(self, "_sku_rows"):
            self._sku_rows = pd.Index(snap.client_ids).get_indexer(self.clients["client_id"])
        return ranker, snap, self._sku_rows

    def skus(self) -> list[str]:
        """Every SKU the calculator can score (those sold in the history)."""
        state = self._sku_state()
        return [] if state is None else list(state[1].items)

    def sku_scores(self, sku: str) -> dict[str, np.ndarray]:
        """One SKU scored on demand by the served SKU ranker, aligned with ``self.clients``:
        probability, expected_value, has_bought and the reason inputs. Works with and without
        categories (every SKU its own item)."""
        if sku in self._sku_cache:
            return self._sku_cache[sku]
        state = self._sku_state()
        if state is None:
            raise KapotError(tr("calculator.not_scored"))
        ranker, snap, rows = state
        if sku not in set(snap.items):
            raise KapotError(
                tr("filters.unknown_sku", sku=sku, near=nearest(sku, list(snap.items)))
            )

        from kapot.models.potential import expected_values  # not at the top: see _sku_state

        scored = ranker.score(snap, [sku])
        scored["expected_value"] = expected_values(scored, self.horizon_days)
        out = {}
        for col in (
            "probability",
            "expected_value",
            "has_bought",
            "item_months_12m",
            "item_revenue_same_season_ly",
            "adopt_industry",
            "cf_score_pct",
            "svd_score_pct",
        ):
            v = scored[col].to_numpy(dtype=float)
            out[col] = np.where(rows >= 0, v[np.maximum(rows, 0)], 0.0)
        out |= self._sku_season(sku)
        if len(self._sku_cache) > 64:  # a page session types a few SKUs, not thousands
            self._sku_cache.pop(next(iter(self._sku_cache)))
        self._sku_cache[sku] = out
        return out

    def _sku_season(self, sku: str) -> dict[str, np.ndarray]:
        """A SKU's season timing per client: its category's pair (client x category) timing,
        none where the SKU's category is unknown or unscored."""
        cats = self.products.loc[self.products["sku"].astype(str) == sku, "category"]
        j = self._cat_index.get(str(cats.iloc[0])) if len(cats) and pd.notna(cats.iloc[0]) else None
        n = len(self.clients)
        if j is None or "in_season" not in self.scores:
            return {
                "in_season": np.zeros(n),
                "season_lift": np.ones(n),
                "pair_peak_month": np.full(n, np.nan),
                "pair_peak_pm": np.full(n, np.nan),
            }
        return {
            col: np.asarray(self.scores[col][:, j])
            for col in ("in_season", "season_lift", "pair_peak_month", "pair_peak_pm")
        }

    def slow_movers(self, min_age_days: int = 180) -> list[str]:
        """SKUs we can supply (in assortment, on stock) whose stock arrived ``min_age_days`` or
        more before the scores' date, from the products table already in memory: the same list
        as :func:`kapot.models.potential.illiquid_skus` on the warehouse, without opening it
        (the served page asks this on every visit)."""
        p = self.products
        in_assortment = p["in_assortment"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        qty = pd.to_numeric(p["stock_qty"], errors="coerce").fillna(0).to_numpy(dtype=float)
        since = pd.to_datetime(p["stock_since"], errors="coerce")
        cutoff = pd.Timestamp(self.as_of) - pd.Timedelta(days=int(min_age_days))
        old = (since <= cutoff).fillna(False).to_numpy(dtype=bool)
        return sorted(p.loc[in_assortment & (qty > 0) & old, "sku"].astype(str).tolist())
