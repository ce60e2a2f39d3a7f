"""The potential calculator: filter and rank clients for what we can supply now, with reasons.

The page, the CLI (``kapot find``) and the reports all call :meth:`Calculator.find`. A
:class:`Calculator` loads one scored date into memory once (NumPy arrays, one row per client,
one column per category), so a filter change costs a few vectorised operations: well under
100 ms at 100k clients.

Scores are never changed by filters: filters only decide who is shown. For several chosen
categories a client's probability is that of buying at least one of them, its expected value
the sum. A SKU is scored on demand by the served SKU ranker (the potential engine fitted on
SKUs; :mod:`kapot.faces.calculator.skus`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from kapot.server.access import Scope

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
    """The ``limit`` rows of ``cand`` with the highest ``key``, best first.

    Ties are broken by ``ids`` whatever the limit, so a list of 50 is the head of a list of 500.

    Parameters
    ----------
    key : numpy.ndarray
        The ranking key of every row (a probability or an expected value), higher first.
    cand : numpy.ndarray
        Indices into ``key`` of the rows that may be listed (those passing the filters).
    ids : numpy.ndarray
        The rows' client ids, aligned with ``key``: the tie-break, ascending.
    limit : int
        How many rows at most (0: none).

    Returns
    -------
    numpy.ndarray
        At most ``limit`` indices from ``cand``, best first.
    """
    if len(cand) > limit:
        kth = -np.partition(-key[cand], limit - 1)[limit - 1] if limit else np.inf
        cand = cand[key[cand] >= kth]  # the best and every row tied with the last of them
    return cand[np.lexsort((ids[cand], -key[cand]))][:limit]


class Calculator(Loading, Filtering, SkuScores, Reasons, Lookalikes):
    """One scored date of one warehouse, in memory.

    The score matrices are memory-mapped from a snapshot beside the warehouse, so the page's
    kernels share one copy. Build it with :meth:`load`; the constructor takes what that read.
    Its parts are in their own modules: loading (:class:`Loading`), checking a query and the
    filters' options (:class:`Filtering`), SKU scores and illiquid stock (:class:`SkuScores`),
    reasons (:class:`Reasons`) and lookalikes (:class:`Lookalikes`); here are the state, the
    scope's rows and the ranking.

    Parameters
    ----------
    clients : pandas.DataFrame
        One row per client (the snapshot's ``client_profile``); columns read: client_id, name,
        region, manager, industry, size_tier, rfm_segment, abc, cluster_code, seasonal,
        peak_month, peak_pm, is_prospect, pays_on_time, off_assortment_share, overdue_reorder,
        median_days_between_orders, trend_12m, revenue_12m, phone, email, contact_person.
    scores : dict of str to numpy.ndarray
        Client x category matrices (rows in ``clients``' order, columns in ``categories``'),
        keyed by :data:`~kapot.faces.calculator.cache.SCORE_COLUMNS` and
        :data:`~kapot.faces.calculator.cache.SEASON_COLUMNS`.
    categories : list of str
        The scored categories, sorted: the columns of every matrix in ``scores``.
    as_of : datetime.date
        The scores' date; "current" and "next" peak months are counted from it.
    horizon_days : int
        The horizon the scores are for, in days.
    products : pandas.DataFrame
        The products: columns sku, category, price, stock_qty, stock_since, in_assortment.
    sku_engine : tuple, optional
        (served SKU ranker, its history snapshot); None reads it from the warehouse at the
        first SKU query.
    currency : str, optional
        The warehouse's currency (ISO 4217); None: the language's default.
    """

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
        self._prepare_filters()

    # ------------------------------------------------------------------ access
    def visible(self, scope: Scope | None = None) -> np.ndarray:
        """The rows of ``clients`` an account may see.

        Parameters
        ----------
        scope : kapot.server.access.Scope, optional
            The account's scope; None (the CLI and notebooks, whose user holds the warehouse
            file anyway) sees every row.

        Returns
        -------
        numpy.ndarray
            A boolean mask aligned with ``clients`` (cached per scope).
        """
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

    # ------------------------------------------------------------------ ranking
    def find(self, q: Query = Query(), *, scope: Scope | None = None) -> pd.DataFrame:
        """Ranked clients for the query, best first, with the reasons' codes.

        Parameters
        ----------
        q : Query
            What to rank and filter by; at most ``q.limit`` rows are returned.
        scope : kapot.server.access.Scope, optional
            Only the clients that account may see; None: all.

        Returns
        -------
        pandas.DataFrame
            Columns rank, client_id, name, region, manager, industry, size_tier, segment,
            peak_month (NaN for a client without a season), peak_pm (its ±months),
            is_prospect, phone, email, contact_person, score (probability of buying the chosen
            assortment in the horizon), expected_value, reason_codes (a list of (catalogue
            key, figures), strongest first: :meth:`reason_codes`; the faces word them with
            :func:`kapot.faces.wording.with_reasons`). ``attrs`` holds ``matched`` (clients
            passing the filters) and ``total_expected_value`` (their sum).

        Raises
        ------
        KapotError
            for a filter value, category or SKU not in the data (see :meth:`check`).
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
        self, q: Query, *, scope: Scope | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """The ranking :meth:`find` shows, without the table.

        Backtests call this, so they measure exactly what managers get.

        Parameters
        ----------
        q : Query
            What to rank and filter by.
        scope : kapot.server.access.Scope, optional
            Only the clients that account may see; None: all.

        Returns
        -------
        top : numpy.ndarray
            Row indices of the listed clients, best first, at most ``q.limit``.
        probability, expected_value : numpy.ndarray
            Of every client, for the chosen items (any of them; their sum).
        matched : numpy.ndarray
            Row indices of the clients that pass the filters.
        items : list of str
            The chosen categories and SKUs.
        """
        c = self.clients
        self.check(q)
        p, v, before, names = self._item_arrays(q)
        keep = self._keep(q, v, before, self.visible(scope))
        key = p if q.rank_by == "probability" else v
        cand = np.flatnonzero(keep)
        top = top_rows(key, cand, c["client_id"].to_numpy(), max(int(q.limit), 0))
        return top, p, v, cand, names
