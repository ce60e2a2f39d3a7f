"""The potential calculator: filter and rank clients for what we can supply now, with reasons.

The page, the CLI (``kapot find``) and the reports all call :meth:`Calculator.find`. A
:class:`Calculator` loads one scored date into memory once (NumPy arrays, one row per client,
one column per category), so a filter change costs a few vectorised operations: well under
100 ms at 100k clients.

Scores are never changed by filters: filters only decide who is shown. For several chosen
categories a client's probability is that of buying at least one of them, its expected value
the sum. For a SKU, the probability is the category's times the client's share of that SKU
within the category (its own purchases, smoothed toward all clients' share).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kapot.errors import KapotError, nearest
from kapot.faces.calculator.card import client_card
from kapot.faces.calculator.filtering import Filtering
from kapot.faces.calculator.loading import Loading
from kapot.faces.calculator.lookalikes import Lookalikes
from kapot.faces.calculator.query import REASON_KEYS, Query
from kapot.faces.calculator.reasons import Reasons
from kapot.faces.calculator.skus import SkuScores
from kapot.i18n import tr

__all__ = ["Calculator", "Query", "REASON_KEYS", "client_card", "nearest"]


_REASON_COLUMNS = (
    "peak_month",
    "seasonal",
    "industry",
    "is_prospect",
    "overdue_reorder",
    "median_days_between_orders",
    "trend_12m",
    "pays_on_time",
)


def top_rows(key: np.ndarray, cand: np.ndarray, ids: np.ndarray, limit: int) -> np.ndarray:
    """The ``limit`` rows of ``cand`` with the highest ``key``, best first, ties by ``ids``
    whatever the limit (a list of 50 is the head of a list of 500)."""
    if len(cand) > limit:
        kth = -np.partition(-key[cand], limit - 1)[limit - 1] if limit else np.inf
        cand = cand[key[cand] >= kth]  # the best and every row tied with the last of them
    return cand[np.lexsort((ids[cand], -key[cand]))][:limit]


class Calculator(Loading, Filtering, SkuScores, Reasons, Lookalikes):
    """One scored date of one warehouse, in memory; the score matrices are memory-mapped from
    a snapshot beside the warehouse, so the page's kernels share one copy.

    Its parts are in their own modules: loading (:class:`Loading`), checking a query
    (:class:`Filtering`), SKU scores (:class:`SkuScores`), reasons (:class:`Reasons`) and
    lookalikes (:class:`Lookalikes`); here are the state and the ranking."""

    def __init__(
        self,
        clients: pd.DataFrame,
        scores: dict[str, np.ndarray],
        categories: list[str],
        as_of: dt.date,
        horizon_days: int,
        products: pd.DataFrame,
        sku_engine: tuple | None = None,
        currency: str | None = None,
    ) -> None:
        self.clients = clients.reset_index(drop=True)
        self.currency = currency  # the warehouse's (ISO 4217), None: the language's default
        self.scores = scores
        self.categories = categories
        self.as_of = as_of
        self.horizon_days = horizon_days
        self._cat_index = {c: i for i, c in enumerate(categories)}
        self.products = products
        # the served SKU ranker and the snapshot it scores (any SKU is scored on demand), read
        # from the warehouse at the first SKU query: most page visits never type one, and the
        # snapshot is the largest thing a kernel would hold
        self._sku_engine = sku_engine
        self._sku_cache: dict[str, dict[str, np.ndarray]] = {}
        self._db: object = False  # the warehouse to read the SKU engine from (load sets it)
        self.validation: dict = {}
        self._scope_masks: dict = {}
        # plain arrays for the per-row reasons (no pandas row access on the hot path); only the
        # columns the reasons read: at 100k clients each object column costs ~3 MB per kernel
        self._arr = {col: self.clients[col].to_numpy(dtype=object) for col in _REASON_COLUMNS}
        # filter columns prepared once: a query is then only NumPy comparisons
        c = self.clients

        def flag(col: str) -> np.ndarray:
            return c[col].astype("boolean").fillna(False).to_numpy(dtype=bool)

        self._pays = flag("pays_on_time")
        self._prospect = flag("is_prospect")
        self._peak = np.where(
            flag("seasonal"), pd.to_numeric(c["peak_month"], errors="coerce").fillna(0), 0
        ).astype(int)
        self._off = (
            pd.to_numeric(c["off_assortment_share"], errors="coerce")
            .fillna(0)
            .to_numpy(dtype=float)
        )
        self._codes = {
            col: pd.Categorical(c[col])
            for col in ("region", "manager", "size_tier", "rfm_segment", "abc", "cluster_code")
        }

    # ------------------------------------------------------------------ access
    def visible(self, scope=None) -> np.ndarray:
        """Rows the account's :class:`kapot.server.access.Scope` may see (all rows without a scope:
        the CLI and notebooks, whose user holds the warehouse file anyway)."""
        if scope is None:
            return np.ones(len(self.clients), dtype=bool)
        if scope not in self._scope_masks:
            self._scope_masks[scope] = scope.mask(self.clients)
        return self._scope_masks[scope]

    def _check_visible(self, client_id: str, scope) -> np.ndarray:
        ids = self.clients["client_id"].to_numpy()
        hit = np.flatnonzero((ids == client_id) & self.visible(scope))
        if not len(hit):  # the same answer as for an id that does not exist
            raise KapotError(tr("calculator.unknown_client", client=client_id))
        return hit

    # ------------------------------------------------------------------ options
    def regions(self, scope=None) -> list[str]:
        """The regions of the clients ``scope`` sees (everyone's without one), sorted."""
        return sorted(self.clients.loc[self.visible(scope), "region"].dropna().unique().tolist())

    def managers(self, scope=None) -> list[str]:
        """The managers of the clients ``scope`` sees (everyone's without one), sorted."""
        return sorted(self.clients.loc[self.visible(scope), "manager"].dropna().unique().tolist())

    def find(self, q: Query = Query(), *, scope=None) -> pd.DataFrame:
        """Ranked clients for the query, best first, at most ``q.limit``, with the reasons'
        codes. With ``scope`` (a :class:`kapot.server.access.Scope`), only the clients that
        account may see.

        Columns: rank, client_id, name, region, manager, score (probability of buying the
        chosen assortment in the horizon), expected_value, peak_month, peak_pm (its ±months),
        size_tier, segment, is_prospect, phone, email, contact_person, reason_codes (a list of
        (catalogue key, figures), strongest first: :meth:`reason_codes`; the faces word them
        with :func:`kapot.faces.wording.with_reasons`).
        """
        c = self.clients
        top, p, v, cand, _ = self.rank(q, scope=scope)
        out = c.iloc[top][
            [
                "client_id",
                "name",
                "region",
                "manager",
                "industry",
                "size_tier",
                "rfm_segment",
                "peak_month",
                "peak_pm",
                "is_prospect",
                "phone",
                "email",
                "contact_person",
            ]
        ].copy()
        out.insert(0, "rank", np.arange(1, len(top) + 1))
        out["score"] = p[top]
        out["expected_value"] = v[top]
        out["peak_month"] = out["peak_month"].where(
            c["seasonal"].fillna(False).astype(bool).to_numpy()[top] & (out["peak_month"] > 0)
        )
        out["peak_pm"] = out["peak_pm"].where(out["peak_month"].notna())
        out = out.rename(columns={"rfm_segment": "segment"})
        out["reason_codes"] = [self.reason_codes(i, q) for i in top]
        out.attrs["matched"] = int(len(cand))
        out.attrs["total_expected_value"] = float(v[cand].sum())
        return out.reset_index(drop=True)

    def rank(
        self, q: Query, *, scope=None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """The ranking :meth:`find` shows, without the table: (row indices of the listed
        clients best first, probability and expected value of every client, rows that pass the
        filters, item names). Backtests call this, so they measure exactly what managers get."""
        c = self.clients
        self.check(q)
        p, v, before, names = self._item_arrays(q)
        keep = self.visible(scope).copy()
        if q.regions:
            keep &= self._isin("region", q.regions)
        if q.managers:
            keep &= self._isin("manager", q.managers)
        if q.pays_on_time:
            keep &= self._pays
        if q.peak_month not in (None, "", "any"):
            keep &= self._peak == self._month(q.peak_month)
        if q.exclude_off_assortment:
            keep &= ~(self._off > q.off_assortment_threshold)
        if q.new_buyers_only:
            keep &= ~before
        if q.who == "existing":
            keep &= ~self._prospect
        elif q.who == "prospects":
            keep &= self._prospect
        if q.size_tiers:
            keep &= self._isin("size_tier", q.size_tiers)
        if q.segments:
            keep &= (
                self._isin("rfm_segment", q.segments)
                | self._isin("abc", q.segments)
                | self._isin("cluster_code", q.segments)
            )
        if q.min_expected_value:
            keep &= v >= q.min_expected_value
        key = p if q.rank_by == "probability" else v
        cand = np.flatnonzero(keep)
        top = top_rows(key, cand, c["client_id"].to_numpy(), max(int(q.limit), 0))
        return top, p, v, cand, names

    # ------------------------------------------------------------------ illiquid stock
    def illiquid(self, sku: str, *, limit: int = 50, scope=None) -> pd.DataFrame:
        """The clients across all regions most likely to buy ``sku``, with their expected
        quantity against the stock on hand."""
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
