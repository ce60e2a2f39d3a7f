"""The calculator's SKU scores, computed by the served SKU ranker the first time a SKU is asked
for, and who would take a slow-moving SKU's stock (illiquid stock)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kapot.errors import KapotError, nearest
from kapot.faces.calculator.query import Query
from kapot.i18n import tr
from kapot.pipeline.snapshot import Snapshot

if TYPE_CHECKING:
    from kapot.server.access import Scope

__all__ = ["SkuScores"]


class SkuScores:
    """The calculator's SKU scores, computed by the served SKU ranker (the potential engine
    fitted on SKUs) the first time a SKU is asked for, and the clients most likely to take a
    slow-moving SKU's stock."""

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
        """Every SKU the calculator can score (those sold in the history).

        Returns
        -------
        list of str
            In the SKU ranker's order; empty where the date has no SKU scores.
        """
        state = self._sku_state()
        return [] if state is None else list(state[1].items)

    def sku_scores(self, sku: str) -> dict[str, np.ndarray]:
        """One SKU scored on demand by the served SKU ranker, aligned with ``self.clients``.

        Works with and without categories (every SKU its own item). The last 64 SKUs asked for
        are kept.

        Parameters
        ----------
        sku : str
            A SKU sold in the history (one of :meth:`skus`).

        Returns
        -------
        dict of str to numpy.ndarray
            One value per client (0 for a client the history lacks): probability,
            expected_value, has_bought, item_months_12m, item_revenue_same_season_ly,
            adopt_industry, cf_score_pct, svd_score_pct, and the SKU's category's season
            timing (in_season, season_lift, pair_peak_month, pair_peak_pm).

        Raises
        ------
        KapotError
            if the date has no SKU scores, or for an unknown SKU (naming the nearest ones).
        """
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
        """SKUs we can supply (in assortment, on stock) whose stock has not moved for a while.

        Read from the products table already in memory: the same list as
        :func:`kapot.models.potential.illiquid_skus` on the warehouse, without opening it (the
        served page asks this on every visit).

        Parameters
        ----------
        min_age_days : int, default 180
            How many days before the scores' date the stock must have arrived (``stock_since``).

        Returns
        -------
        list of str
            The SKUs, sorted.
        """
        p = self.products
        in_assortment = p["in_assortment"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        qty = pd.to_numeric(p["stock_qty"], errors="coerce").fillna(0).to_numpy(dtype=float)
        since = pd.to_datetime(p["stock_since"], errors="coerce")
        cutoff = pd.Timestamp(self.as_of) - pd.Timedelta(days=int(min_age_days))
        old = (since <= cutoff).fillna(False).to_numpy(dtype=bool)
        return sorted(p.loc[in_assortment & (qty > 0) & old, "sku"].astype(str).tolist())

    # ------------------------------------------------------------------ illiquid stock
    def illiquid(self, sku: str, *, limit: int = 50, scope: Scope | None = None) -> pd.DataFrame:
        """The clients across all regions most likely to buy ``sku``, with their expected
        quantity against the stock on hand.

        Parameters
        ----------
        sku : str
            The SKU to place (one of :meth:`skus`).
        limit : int, default 50
            How many clients at most.
        scope : kapot.server.access.Scope, optional
            Only the clients that account may see; None: all.

        Returns
        -------
        pandas.DataFrame
            :meth:`find`'s columns for ``Query(skus=(sku,))``, plus expected_quantity (units:
            expected value over the SKU's price; NaN without a price), stock_qty (the stock on
            hand, the same on every row) and cumulative_quantity (the running sum down the
            list).
        """
        res = self.find(Query(skus=(sku,), limit=limit), scope=scope)
        prods = self.products.set_index("sku")
        prod = (
            prods.loc[sku]
            if sku in prods.index
            else pd.Series({"price": np.nan, "stock_qty": np.nan})
        )
        price = float(prod["price"]) if pd.notna(prod["price"]) and prod["price"] else np.nan
        res["expected_quantity"] = res["expected_value"] / price if price == price else np.nan
        res["stock_qty"] = float(prod["stock_qty"]) if pd.notna(prod["stock_qty"]) else np.nan
        res["cumulative_quantity"] = res["expected_quantity"].cumsum()
        return res
