"""A company's sales history in arrays, and snapshots of it at a cutoff (sparse client x item
matrices obeying the as-of rule, labelled with what was bought in the horizon after)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from kapot import runner
from kapot.models.engine import candidates as _cand
from kapot.models.engine.config import DAY0, EngineConfig
from kapot.models.engine.windows import first_last, line_counts

if TYPE_CHECKING:
    import duckdb
    import numpy.typing as npt

__all__ = ["History", "Snapshot", "days", "item_clusters"]


def days(values: npt.ArrayLike) -> np.ndarray:
    """Dates as days since 1970-01-01 (int64).

    Parameters
    ----------
    values : array-like
        Dates (``datetime.date``, ``numpy.datetime64``, pandas timestamps or ISO text).

    Returns
    -------
    numpy.ndarray
        One int64 day number per value.
    """
    return (np.asarray(values, dtype="datetime64[D]") - DAY0).astype(np.int64)


class History:
    """A company's sales history in arrays, sorted by day, with both item axes.

    Parameters
    ----------
    lines : pandas.DataFrame
        One row per sales line (returns excluded): columns ``client_id``, ``sku``,
        ``category`` (None where unknown: it counts as ``'?'``), ``date``, ``amount``,
        ``order`` (invoice or client-day key).
    clients : pandas.DataFrame
        Every client, prospects included: columns ``client_id``, ``industry``, ``region``
        (a missing attribute counts as ``'?'``).
    """

    def __init__(self, lines: pd.DataFrame, clients: pd.DataFrame) -> None:
        # the distinct ids first (Arrow or numpy), then sorted as Python text: iterating 3M
        # Arrow strings into a set took 11 of History.from_con's 17 s of CPU at 100k clients
        both = pd.concat([clients["client_id"], lines["client_id"]], ignore_index=True)
        ids = pd.Index(sorted(set(pd.unique(both.dropna()).tolist())))
        self.client_ids = ids
        lines = lines.sort_values("date", kind="stable")
        self.day = days(lines["date"].to_numpy())
        self.client = ids.get_indexer(lines["client_id"]).astype(np.int64)
        self.amount = np.nan_to_num(lines["amount"].to_numpy(dtype=float), nan=0.0)
        self.sku_codes, self.skus = pd.factorize(lines["sku"], sort=True)
        self.has_categories = bool(lines["category"].notna().any())
        self.cat_codes, cats = pd.factorize(lines["category"].fillna("?"), sort=True)
        self.categories = pd.Index(list(cats), dtype=object)
        self.order = pd.factorize(lines["order"])[0]
        attrs = clients.drop_duplicates("client_id").set_index("client_id").reindex(ids)
        self.industry = pd.factorize(attrs["industry"].fillna("?"))[0]
        self.region = pd.factorize(attrs["region"].fillna("?"))[0]
        self.first_day = int(self.day.min()) if len(self.day) else None
        self.last_day = int(self.day.max()) if len(self.day) else None
        self._sku_groups: np.ndarray | None = None  # item_groups('sku'), once asked

    @classmethod
    def from_con(cls, con: duckdb.DuckDBPyConnection) -> History:
        """Read the warehouse's sales (returns excluded) and clients.

        Parameters
        ----------
        con : duckdb.DuckDBPyConnection
            An open connection to the warehouse.

        Returns
        -------
        History
            Of every sales line with a client (``staging/engine_lines``) and every client
            (``staging/engine_clients``).
        """
        lines = runner.query(con, "staging/engine_lines")
        clients = runner.query(con, "staging/engine_clients")
        return cls(lines, clients)

    @property
    def n_clients(self) -> int:
        """Clients in the history, prospects included."""
        return len(self.client_ids)

    def items(self, level: str) -> pd.Index:
        """The level's items, sorted; a line's code indexes them.

        Parameters
        ----------
        level : str
            ``'category'`` or ``'sku'`` (anything else: categories).

        Returns
        -------
        pandas.Index
            The items (``'?'`` among the categories where some are unknown).
        """
        return pd.Index(self.skus if level == "sku" else self.categories)

    def codes(self, level: str) -> np.ndarray:
        """Each line's item code at ``level``.

        Parameters
        ----------
        level : str
            ``'category'`` or ``'sku'``.

        Returns
        -------
        numpy.ndarray
            One position in :meth:`items` per line, in the lines' (day) order.
        """
        return self.sku_codes if level == "sku" else self.cat_codes

    def item_groups(self, level: str) -> np.ndarray:
        """Each item's group: a SKU's category (the one most of its lines name) where the
        history has categories; otherwise, and at the category level, one group for all.

        Parameters
        ----------
        level : str
            ``'category'`` or ``'sku'``.

        Returns
        -------
        numpy.ndarray
            One int64 group code from 0 per item of :meth:`items`.
        """
        m = len(self.items(level))
        if level != "sku" or not self.has_categories or not len(self.sku_codes):
            return np.zeros(m, dtype=np.int64)
        if self._sku_groups is not None:  # every snapshot asks: 0.2 s at 3M lines
            return self._sku_groups.copy()
        pairs = pd.DataFrame({"s": self.sku_codes, "c": self.cat_codes}).value_counts()
        top = pairs.reset_index().drop_duplicates("s")  # value_counts sorts by count, descending
        out = np.zeros(m, dtype=np.int64)
        out[top["s"].to_numpy()] = top["c"].to_numpy()
        self._sku_groups = out
        return out.copy()

    def span(self, lo: int, hi: int) -> slice:
        """The lines with ``lo <= day < hi`` (the arrays are sorted by day).

        Parameters
        ----------
        lo, hi : int
            Day numbers (see :func:`days`).

        Returns
        -------
        slice
            Into the line arrays.
        """
        return slice(
            int(np.searchsorted(self.day, lo, "left")), int(np.searchsorted(self.day, hi, "left"))
        )

    def snapshot(
        self, cutoff: dt.date, level: str, horizon_days: int, decay_days: float
    ) -> Snapshot:
        """The history before ``cutoff`` at ``level``, labelled with the ``horizon_days``
        after it.

        Parameters
        ----------
        cutoff, level, horizon_days, decay_days
            As :class:`Snapshot` takes them.

        Returns
        -------
        Snapshot
        """
        return Snapshot(self, cutoff, level, horizon_days, decay_days)

    def top_items(self, cutoff: dt.date, n: int, level: str = "sku") -> list[str]:
        """The ``n`` items with the most lines before ``cutoff``.

        Parameters
        ----------
        cutoff : datetime.date
            Only lines before it count.
        n : int
            How many items at most.
        level : str
            ``'sku'`` or ``'category'``.

        Returns
        -------
        list of str
            Most lines first, ties in the items' order; items without a line are left out.
        """
        sl = self.span(-(10**9), int(days([cutoff])[0]))
        counts = np.bincount(self.codes(level)[sl], minlength=len(self.items(level)))
        order = np.lexsort((np.arange(len(counts)), -counts))
        return [self.items(level)[i] for i in order[:n] if counts[i] > 0]


def item_clusters(basket: sparse.spmatrix, seed: int = 0) -> np.ndarray:
    """Groups of items bought by the same clients, for a history without categories: k-means
    (about the square root of the items' count of groups, at most as many as distinct items)
    on the items' unit-length 16-factor SVD embeddings of the clients' baskets.

    Parameters
    ----------
    basket : scipy.sparse matrix
        Clients x items, positive where the client bought the item (e.g. 24 months' lines).
    seed : int
        Seeds the SVD and k-means.

    Returns
    -------
    numpy.ndarray
        One int64 group code from 0 per item; items without a buyer form a group of their
        own; with two bought items or fewer there is one group.
    """
    # imports inside: only a history without categories is clustered (sklearn.cluster: 0.3 s)
    from sklearn.cluster import KMeans
    from sklearn.utils.extmath import randomized_svd

    b = (basket > 0).astype(np.float64).tocsc()
    m = b.shape[1]
    bought = np.asarray(b.sum(axis=0)).ravel() > 0
    out = np.zeros(m, dtype=np.int64)
    k = int(round(np.sqrt(bought.sum())))
    if k < 2 or min(b.shape) < 3:
        return out
    _, sv, vt = randomized_svd(b[:, bought], min(16, min(b.shape) - 1), random_state=seed)
    emb = vt.T * sv
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    k = min(k, len(np.unique(emb.round(6), axis=0)))  # never more groups than distinct items
    if k < 2:
        return out
    out[bought] = 1 + KMeans(k, n_init=3, random_state=seed).fit_predict(emb)
    return out


def _csr(rows, cols, vals, shape) -> sparse.csr_matrix:
    m = sparse.csr_matrix((vals, (rows, cols)), shape=shape)
    m.sum_duplicates()
    return m


def _since(client, item, day, c: int, shape) -> sparse.csr_matrix:
    """Days from each pair's last line (``day`` sorted) to day ``c``, plus one. The lines are in
    day order, so a pair's last line in a stable sort by pair is its latest (a third of a pandas
    groupby's max: 0.3 against 1.0 s at 3M lines)."""
    m = shape[1]
    key = client * m + item
    order = np.argsort(key, kind="stable")
    pair = key[order]
    end = np.r_[pair[1:] != pair[:-1], True] if len(pair) else np.zeros(0, dtype=bool)
    return _csr(pair[end] // m, pair[end] % m, c - day[order[end]] + 1, shape)


def _size_tiers(revenue12: np.ndarray) -> np.ndarray:
    """Size tier per client for the peer rates: 0 without revenue in 12 months, else 1, 2, 3 at
    the buyers' median and 85th percentile."""
    rev = np.where(revenue12 > 0, revenue12, 0)
    buyers = rev > 0
    if not buyers.any():
        return np.zeros(len(rev), dtype=np.int64)
    q1, q2 = np.quantile(rev[buyers], [0.5, 0.85])
    return np.where(buyers, 1 + (rev >= q1) + (rev >= q2), 0)


def _horizon_weights(cutoff: dt.date, horizon_days: int) -> np.ndarray:
    """Per calendar month (0 = January), the share of the horizon's days in it, times 12."""
    hmonths = pd.date_range(cutoff, periods=horizon_days, freq="D").month.to_numpy() - 1
    return np.bincount(hmonths, minlength=12) / horizon_days * 12


def _horizon_share(who: np.ndarray, month: np.ndarray, size: int, weights: np.ndarray):
    """Timing: the share of each client's (or item's) lines that fell in the horizon's months,
    per horizon month's weight (1: as many as an average month). ``who`` and ``month`` (1-12)
    per line of the last 24 months; 0 for one without a line."""
    # counted with bincount (np.add.at over (who, month) pairs took 0.4 s per snapshot)
    per = np.bincount(who * 12 + (month - 1), minlength=size * 12).reshape(size, 12).astype(float)
    tot = per.sum(axis=1, keepdims=True)
    return np.divide(per, tot, out=np.zeros_like(per), where=tot > 0) @ weights


class Snapshot:
    """What is known at ``cutoff`` (sparse client x item matrices) and, where the horizon has
    passed, what was bought in it (``label``).

    Parameters
    ----------
    h : History
        The history; only its lines before ``cutoff`` feed the matrices, those in the horizon
        the labels.
    cutoff : datetime.date
        The snapshot's date.
    level : str
        ``'category'`` or ``'sku'``: the item axis.
    horizon_days : int
        The horizon labelled, and the span of last year's same season.
    decay_days : float
        The time decay's scale for ``decayed`` (weights exp(-age / ``decay_days``)).
    """

    def __init__(
        self, h: History, cutoff: dt.date, level: str, horizon_days: int, decay_days: float
    ) -> None:
        self.history, self.cutoff, self.level, self.horizon_days = h, cutoff, level, horizon_days
        self.client_ids, self.industry, self.region = h.client_ids, h.industry, h.region
        self.c = c = int(days([cutoff])[0])
        self.items = items = h.items(level)
        n, m = shape = (h.n_clients, len(items))
        past = h.span(-(10**9), c)
        w24, w12, w3 = (h.span(c - back, c) for back in (730, 365, 91))
        cl, it = h.client, h.codes(level)
        self.ever = _csr(cl[past], it[past], np.ones(past.stop - past.start), shape)
        self.n24 = line_counts(h, c - 730, c, level)
        self.spend12 = _csr(cl[w12], it[w12], h.amount[w12], shape)
        self.n12 = _csr(cl[w12], it[w12], np.ones(w12.stop - w12.start), shape)
        self.n3 = _csr(cl[w3], it[w3], np.ones(w3.stop - w3.start), shape)
        age = (c - h.day[w24]).astype(float)
        self.decayed = _csr(cl[w24], it[w24], np.exp(-age / decay_days), shape)
        # the items' groups (a SKU's category, or without categories its cluster of SKUs
        # bought by the same clients): the client's lines in the item's group
        if level == "sku" and not h.has_categories:
            self.item_group = item_clusters(self.n24)
        else:
            self.item_group = h.item_groups(level)
        n_g = int(self.item_group.max()) + 1 if m else 1
        g = sparse.csr_matrix((np.ones(m), (np.arange(m), self.item_group)), shape=(m, n_g))
        self.group_decayed = (self.decayed @ g).tocsr()
        self.group_n12 = (self.n12 @ g).tocsr()
        self.group_n3 = (self.n3 @ g).tocsr()
        # days since the last purchase of the item, plus one (0: never bought)
        self.since = _since(cl[past], it[past], h.day[past], c, shape)
        month = (h.day[w12] // 30).astype(np.int64)
        key = pd.DataFrame({"c": cl[w12], "i": it[w12], "m": month}).drop_duplicates()
        self.months12 = _csr(
            key["c"].to_numpy(), key["i"].to_numpy(), np.ones(len(key)), shape
        ).minimum(12)
        ly = h.span(c - 365, c - 365 + horizon_days)
        self.same_season_ly = _csr(cl[ly], it[ly], h.amount[ly], shape)
        # per client
        self.revenue12 = np.bincount(cl[w12], weights=h.amount[w12], minlength=n)
        prev = h.span(c - 730, c - 365)
        self.revenue_prev12 = np.bincount(cl[prev], weights=h.amount[prev], minlength=n)
        ords = pd.DataFrame({"c": cl[w12], "o": h.order[w12]}).drop_duplicates()
        self.orders12 = np.bincount(ords["c"].to_numpy(), minlength=n).astype(float)
        firstc, lastc = first_last(h, c)
        self.prospect = lastc < -(10**5)
        self.recency = np.where(self.prospect, 9999, c - lastc).astype(float)
        self.tenure = np.where(self.prospect, 0, c - firstc).astype(float)
        self.breadth = np.asarray((self.n12 > 0).sum(axis=1)).ravel().astype(float)
        self.size_tier = _size_tiers(self.revenue12)
        month = pd.DatetimeIndex((h.day[w24] + DAY0).astype("datetime64[ns]")).month.to_numpy()
        weights = _horizon_weights(cutoff, horizon_days)
        self.client_horizon_share = _horizon_share(cl[w24], month, n, weights)
        self.item_horizon_share = _horizon_share(it[w24], month, m, weights)
        # labels, when the horizon has passed
        fut = h.span(c, c + horizon_days)
        self.labelled = h.last_day is not None and h.last_day >= c + horizon_days - 1
        self.label = _csr(cl[fut], it[fut], np.ones(fut.stop - fut.start), shape)
        self._cache: dict = {}

    def detached(self, cfg: EngineConfig) -> Snapshot:
        """A copy for serving: no history behind it, no labels, matrices in float32 (CSC), the
        ALS factors computed (so a page can score any item of the level without the sales).

        Parameters
        ----------
        cfg : EngineConfig
            The settings the ALS factors are fitted with.

        Returns
        -------
        Snapshot
        """
        _cand.als_factors(self, cfg)
        out = object.__new__(Snapshot)
        out.__dict__.update(self.__dict__)
        out.history = out.label = None
        out._cache = {"als": self._cache.get("als")}
        for name, v in list(out.__dict__.items()):
            if sparse.issparse(v):  # serving slices columns (items): CSC does that in O(nnz)
                setattr(out, name, v.astype(np.float32).tocsc())
        return out

    # ---------------------------------------------------------------- helpers
    def dense(
        self, mat: sparse.spmatrix, cols: np.ndarray, clients: slice | None = None
    ) -> np.ndarray:
        """Columns ``cols`` (target items) of a clients x items matrix, dense, in float64.

        Parameters
        ----------
        mat : scipy.sparse matrix
            One of the snapshot's clients x items matrices.
        cols : numpy.ndarray
            Item positions.
        clients : slice, optional
            Only these clients' rows (the cheaper cut first: rows of CSR, columns of CSC).

        Returns
        -------
        numpy.ndarray
            (clients x len(cols)).
        """
        if clients is None:
            return np.asarray(mat[:, cols].toarray(), dtype=float)
        part = mat[:, cols][clients] if mat.format == "csc" else mat[clients][:, cols]
        return np.asarray(part.toarray(), dtype=float)

    def days_since(self, cols: np.ndarray, clients: slice | None = None) -> np.ndarray:
        """Days since the client last bought each item (9999 if never).

        Parameters
        ----------
        cols : numpy.ndarray
            Item positions.
        clients : slice, optional
            Only these clients' rows (see :meth:`dense`).

        Returns
        -------
        numpy.ndarray
            (clients x len(cols)), float.
        """
        d = self.dense(self.since, cols, clients)
        return np.where(d > 0, d - 1, 9999.0)

    # ---------------------------------------------------------------- candidates
    def candidates(self, cols: np.ndarray, cfg: EngineConfig) -> dict[str, np.ndarray]:
        """Every candidate's raw score, (clients x target items), higher is likelier.

        Parameters
        ----------
        cols, cfg
            As :func:`kapot.models.engine.candidates.candidates` takes them.

        Returns
        -------
        dict of numpy.ndarray
        """
        return _cand.candidates(self, cols, cfg)

    def pair_frame(
        self,
        cols: np.ndarray,
        cfg: EngineConfig,
        *,
        rows: np.ndarray | None = None,
        cand: dict[str, np.ndarray] | None = None,
        columns: tuple[str, ...] | None = None,
    ) -> dict[str, np.ndarray]:
        """The boosted model's inputs and the candidates' raw scores for (clients x target
        items), as flat arrays, at ``rows`` when given.

        Parameters
        ----------
        cols, cfg, rows, cand, columns
            As :func:`kapot.models.engine.candidates.pair_frame` takes them.

        Returns
        -------
        dict of numpy.ndarray
            Column -> flat float32 array (see there for the columns).
        """
        return _cand.pair_frame(self, cols, cfg, rows=rows, cand=cand, columns=columns)

    def labels(self, cols: np.ndarray) -> np.ndarray:
        """Whether each client bought each of ``cols`` in the horizon, flat (row-major).

        Parameters
        ----------
        cols : numpy.ndarray
            Item positions.

        Returns
        -------
        numpy.ndarray
            Bool, clients x len(cols) values (all False before the horizon has passed).
        """
        return (self.dense(self.label, cols) > 0).ravel()
