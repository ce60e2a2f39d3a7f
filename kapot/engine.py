"""The self-validating potential engine: candidate rankers, rolling-origin validation, a learned
blend and a guard against the obvious baseline.

Every company's history is different, so kapot does not trust one model. For a scoring date
``as_of`` and a horizon of ``h`` days it

1. builds in-memory snapshots of the history (sparse client x item matrices) at past cutoffs,
   each labelled with what clients bought in the ``h`` days after it;
2. scores every candidate ranker on them (:data:`CANDIDATES`): a boosted next-product-to-buy
   model, smoothed peer adoption rates (industry, region, size tier, industry x region),
   item-kNN over the client's basket, implicit-feedback ALS, time-decayed repeat frequency
   (TIFU-KNN / SAR style), SAR's decayed basket times item similarity, popularity and "largest
   clients first";
3. learns a blend of them (logistic regression on the candidates' within-item percentiles,
   per task: repeat purchases and first purchases) on the *validation* folds, and measures
   everything on the most recent fold, the *test* fold, which nothing was fitted on;
4. serves, per task, whichever of blend and single candidates did best on the validation folds,
   unless it does not beat the best peer-rate baseline there: then the peer baseline is served
   and the leaderboard says so. The served ranker is refitted on all labelled folds.

Folds (``h`` = horizon, ``s`` = ``step_days``): test at ``as_of - h``; validation at
``as_of - 2h``, ``as_of - 2h - s``, ...; the boosted model of a fold at cutoff ``c`` is trained on
cutoffs ``c - h``, ``c - h - s`` (labels known at ``c``). Nothing uses data on or after the
cutoff it is scored at.

Items are categories or SKUs (:class:`History` holds both axes), so the same code ranks both;
a single SKU can be scored on demand from a snapshot (:meth:`Engine.score_items`).
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

__all__ = [
    "CANDIDATES",
    "PEER_CANDIDATES",
    "EngineConfig",
    "History",
    "Snapshot",
    "Engine",
    "ranking_metrics",
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
    seed: int = 0


def _days(values) -> np.ndarray:
    return (np.asarray(values, dtype="datetime64[D]") - _DAY0).astype(np.int64)


class History:
    """A company's sales history in arrays, sorted by day, with both item axes.

    Parameters
    ----------
    lines : DataFrame
        One row per sales line (returns excluded): ``client_id``, ``sku``, ``category``
        (None where unknown), ``date``, ``amount``, ``order`` (invoice or client-day key).
    clients : DataFrame
        Every client, prospects included: ``client_id``, ``industry``, ``region``.
    """

    def __init__(self, lines: pd.DataFrame, clients: pd.DataFrame) -> None:
        ids = pd.Index(
            sorted(set(clients["client_id"].dropna()) | set(lines["client_id"].dropna()))
        )
        self.client_ids = ids
        lines = lines.sort_values("date", kind="stable")
        self.day = _days(lines["date"].to_numpy())
        self.client = ids.get_indexer(lines["client_id"]).astype(np.int64)
        self.amount = np.nan_to_num(lines["amount"].to_numpy(dtype=float), nan=0.0)
        self.sku_codes, self.skus = pd.factorize(lines["sku"], sort=True)
        cat = lines["category"].astype(object).where(lines["category"].notna(), None)
        self.has_categories = bool(pd.Series(cat).notna().any())
        self.cat_codes, self.categories = pd.factorize(pd.Series(cat).fillna("?"), sort=True)
        self.order = pd.factorize(lines["order"])[0]
        attrs = clients.drop_duplicates("client_id").set_index("client_id").reindex(ids)
        self.industry = pd.factorize(attrs["industry"].fillna("?"))[0]
        self.region = pd.factorize(attrs["region"].fillna("?"))[0]
        self.first_day = int(self.day.min()) if len(self.day) else None
        self.last_day = int(self.day.max()) if len(self.day) else None

    @classmethod
    def from_con(cls, con) -> History:
        """Read the warehouse's sales (returns excluded) and clients."""
        lines = con.execute(
            """
            SELECT s.client_id, s.sku, p.category, s.date, s.amount,
                   coalesce(s.invoice_id, s.client_id || '@' || CAST(s.date AS VARCHAR)) AS "order"
            FROM sales s LEFT JOIN products p USING (sku)
            WHERE NOT s.is_return AND s.client_id IS NOT NULL
            """
        ).df()
        clients = con.execute("SELECT client_id, industry, region FROM clients").df()
        return cls(lines, clients)

    @property
    def n_clients(self) -> int:
        return len(self.client_ids)

    def items(self, level: str) -> pd.Index:
        return pd.Index(self.skus if level == "sku" else self.categories)

    def codes(self, level: str) -> np.ndarray:
        return self.sku_codes if level == "sku" else self.cat_codes

    def span(self, lo: int, hi: int) -> slice:
        """The lines with ``lo <= day < hi`` (the arrays are sorted by day)."""
        return slice(
            int(np.searchsorted(self.day, lo, "left")), int(np.searchsorted(self.day, hi, "left"))
        )

    def snapshot(self, cutoff: dt.date, level: str, horizon_days: int, decay_days: float):
        return Snapshot(self, cutoff, level, horizon_days, decay_days)

    def top_items(self, cutoff: dt.date, n: int, level: str = "sku") -> list[str]:
        """The ``n`` items with the most lines before ``cutoff``."""
        sl = self.span(-(10**9), int(_days([cutoff])[0]))
        counts = np.bincount(self.codes(level)[sl], minlength=len(self.items(level)))
        order = np.lexsort((np.arange(len(counts)), -counts))
        return [self.items(level)[i] for i in order[:n] if counts[i] > 0]


def _csr(rows, cols, vals, shape) -> sparse.csr_matrix:
    m = sparse.csr_matrix((vals, (rows, cols)), shape=shape)
    m.sum_duplicates()
    return m


class Snapshot:
    """What is known at ``cutoff`` (sparse client x item matrices) and, where the horizon has
    passed, what was bought in it (``label``)."""

    def __init__(
        self, h: History, cutoff: dt.date, level: str, horizon_days: int, decay_days: float
    ) -> None:
        self.history, self.cutoff, self.level, self.horizon_days = h, cutoff, level, horizon_days
        self.client_ids, self.industry, self.region = h.client_ids, h.industry, h.region
        c = int(_days([cutoff])[0])
        self.c = c
        items = h.items(level)
        self.items = items
        n, m = h.n_clients, len(items)
        shape = (n, m)
        codes = h.codes(level)
        past = h.span(-(10**9), c)
        w24 = h.span(c - 730, c)
        w12 = h.span(c - 365, c)
        w3 = h.span(c - 91, c)
        cl, it = h.client, codes
        self.ever = _csr(cl[past], it[past], np.ones(past.stop - past.start), shape)
        self.n24 = _csr(cl[w24], it[w24], np.ones(w24.stop - w24.start), shape)
        self.spend12 = _csr(cl[w12], it[w12], h.amount[w12], shape)
        self.n12 = _csr(cl[w12], it[w12], np.ones(w12.stop - w12.start), shape)
        self.n3 = _csr(cl[w3], it[w3], np.ones(w3.stop - w3.start), shape)
        age = (c - h.day[w24]).astype(float)
        self.decayed = _csr(cl[w24], it[w24], np.exp(-age / decay_days), shape)
        # days since the last purchase of the item, plus one (0: never bought)
        last = pd.DataFrame({"c": cl[past], "i": it[past], "d": h.day[past]})
        last = last.groupby(["c", "i"], sort=False)["d"].max().reset_index()
        self.since = _csr(
            last["c"].to_numpy(), last["i"].to_numpy(), (c - last["d"].to_numpy() + 1), shape
        )
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
        lastc = np.full(n, -(10**6), dtype=np.int64)
        np.maximum.at(lastc, cl[past], h.day[past])
        firstc = np.full(n, 10**9, dtype=np.int64)
        np.minimum.at(firstc, cl[past], h.day[past])
        self.prospect = lastc < -(10**5)
        self.recency = np.where(self.prospect, 9999, c - lastc).astype(float)
        self.tenure = np.where(self.prospect, 0, c - firstc).astype(float)
        self.breadth = np.asarray((self.n12 > 0).sum(axis=1)).ravel().astype(float)
        rev = np.where(self.revenue12 > 0, self.revenue12, 0)
        buyers = rev > 0
        tier = np.zeros(n, dtype=np.int64)  # 0: no revenue this year
        if buyers.any():
            q1, q2 = np.quantile(rev[buyers], [0.5, 0.85])
            tier = np.where(buyers, 1 + (rev >= q1) + (rev >= q2), 0)
        self.size_tier = tier
        # timing: share of the client's / item's lines (24 months) in the horizon's months
        hmonths = pd.date_range(cutoff, periods=horizon_days, freq="D").month.to_numpy() - 1
        weights = np.bincount(hmonths, minlength=12) / horizon_days
        cal = pd.DatetimeIndex((h.day[w24] + _DAY0).astype("datetime64[ns]")).month.to_numpy() - 1
        per_client = np.zeros((n, 12))
        np.add.at(per_client, (cl[w24], cal), 1.0)
        tot = per_client.sum(axis=1, keepdims=True)
        self.client_horizon_share = np.divide(
            per_client, tot, out=np.zeros_like(per_client), where=tot > 0
        ) @ (weights * 12)
        per_item = np.zeros((m, 12))
        np.add.at(per_item, (it[w24], cal), 1.0)
        tot = per_item.sum(axis=1, keepdims=True)
        self.item_horizon_share = np.divide(
            per_item, tot, out=np.zeros_like(per_item), where=tot > 0
        ) @ (weights * 12)
        # labels, when the horizon has passed
        fut = h.span(c, c + horizon_days)
        self.labelled = h.last_day is not None and h.last_day >= c + horizon_days - 1
        self.label = _csr(cl[fut], it[fut], np.ones(fut.stop - fut.start), shape)
        self.label_amount = _csr(cl[fut], it[fut], h.amount[fut], shape)
        self._cache: dict = {}

    def detached(self, cfg: EngineConfig) -> Snapshot:
        """A copy for serving: no history behind it, no labels, matrices in float32, the ALS
        factors computed (so a page can score any item of the level without the sales)."""
        self._als(cfg)
        out = object.__new__(Snapshot)
        out.__dict__.update(self.__dict__)
        out.history = None
        out.label = out.label_amount = None
        out._cache = {"als": self._cache.get("als")}
        for name, v in list(out.__dict__.items()):
            if sparse.issparse(v):
                setattr(out, name, v.astype(np.float32))
        return out

    # ---------------------------------------------------------------- helpers
    def dense(self, mat: sparse.csr_matrix, cols: np.ndarray) -> np.ndarray:
        return np.asarray(mat[:, cols].toarray(), dtype=float)

    def days_since(self, cols: np.ndarray) -> np.ndarray:
        """Days since the client last bought each item (9999 if never)."""
        d = self.dense(self.since, cols)
        return np.where(d > 0, d - 1, 9999.0)

    def _similarity(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cosine, jaccard) similarity of every item to the target items over clients' 24-month
        baskets, an item never recommending itself."""
        b = (self.n24 > 0).astype(float).tocsc()
        occ = np.asarray(b.sum(axis=0)).ravel()
        co = np.asarray((b.T @ b[:, cols]).toarray())
        norms = np.sqrt(np.maximum(occ, 1))
        cos = co / norms[:, None] / norms[cols][None, :]
        jac = co / np.maximum(occ[:, None] + occ[cols][None, :] - co, 1)
        cos[cols, np.arange(len(cols))] = 0
        jac[cols, np.arange(len(cols))] = 0
        return cos, jac

    def _als(self, cfg: EngineConfig) -> tuple[np.ndarray, np.ndarray] | None:
        if "als" in self._cache:
            return self._cache["als"]
        x = self.n24.copy()
        x.data = np.log1p(x.data) * 10.0
        res = None
        if x.nnz > 0 and min(x.shape) >= 3:
            import implicit
            from threadpoolctl import threadpool_limits

            factors = int(min(cfg.als_factors, max(2, min(x.shape) - 1)))
            with threadpool_limits(1, "blas"), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="OpenBLAS is configured")
                warnings.filterwarnings("ignore", category=RuntimeWarning)
                model = implicit.cpu.als.AlternatingLeastSquares(
                    factors=factors,
                    regularization=cfg.als_regularization,
                    iterations=cfg.als_iterations,
                    random_state=cfg.seed,
                )
                model.fit(x.astype(np.float32), show_progress=False)
            res = (np.asarray(model.user_factors), np.asarray(model.item_factors))
        self._cache["als"] = res
        return res

    def _peer(self, adopt: np.ndarray, groups: np.ndarray, prior: float) -> np.ndarray:
        """Smoothed share of each client's peer group buying each item, the client left out."""
        n_g = int(groups.max()) + 1 if len(groups) else 1
        g = sparse.csr_matrix(
            (np.ones(len(groups)), (groups, np.arange(len(groups)))), shape=(n_g, len(groups))
        )
        sums = np.asarray(g @ adopt)
        sizes = np.bincount(groups, minlength=n_g).astype(float)
        overall = adopt.mean(axis=0, keepdims=True)
        own = sums[groups] - adopt
        return (own + prior * overall) / (sizes[groups][:, None] - 1 + prior)

    # ---------------------------------------------------------------- candidates
    def candidates(self, cols: np.ndarray, cfg: EngineConfig) -> dict[str, np.ndarray]:
        """Every candidate's raw score, (clients x target items), higher is likelier."""
        h = self
        n = len(self.client_ids)
        adopt = self.dense(self.n12 > 0, cols)
        out: dict[str, np.ndarray] = {}
        tier = self.size_tier
        ind_reg = h.industry * (int(h.region.max()) + 1) + h.region
        for name, groups in (
            ("peer_industry", h.industry),
            ("peer_region", h.region),
            ("peer_size", tier),
            ("peer_industry_region", pd.factorize(ind_reg)[0]),
        ):
            out[name] = self._peer(adopt, np.asarray(groups, dtype=np.int64), cfg.peer_prior)
        cos, jac = self._similarity(cols)
        b24 = (self.n24 > 0).astype(float)
        out["item_knn"] = np.asarray(b24 @ cos)
        out["sar"] = np.asarray(self.decayed @ jac)
        out["recency_frequency"] = self.dense(self.decayed, cols)
        als = self._als(cfg)
        if als is not None:
            uf, itf = als
            out["als"] = uf @ itf[cols].T
        else:
            out["als"] = np.zeros((n, len(cols)))
        out["popularity"] = np.repeat(self.orders12[:, None], len(cols), axis=1)
        out["largest"] = np.repeat(self.revenue12[:, None], len(cols), axis=1)
        return out

    def pair_frame(
        self, cols: np.ndarray, cfg: EngineConfig, *, cache: bool = True
    ) -> dict[str, np.ndarray]:
        """The boosted model's inputs for (clients x target items), as flat arrays
        (row-major: client, then item), plus the candidates' raw scores."""
        key = ("pairs", tuple(cols))
        if key in self._cache:
            return self._cache[key]
        n, m = len(self.client_ids), len(cols)
        cand = self.candidates(cols, cfg)
        rep = lambda v: np.repeat(v, m)  # noqa: E731
        tile = lambda v: np.tile(v, n)  # noqa: E731
        spend = self.dense(self.spend12, cols)
        total = np.maximum(self.revenue12, 0)[:, None]
        # each input cast to float32 as it is made: a frame is clients x items x ~40 columns
        # (100k x 50 SKUs: 0.8 GB at 32 bits, and twice that at 64 while it is built)
        spec = {
            "is_prospect": lambda: rep(self.prospect.astype(float)),
            "log_revenue_12m": lambda: rep(np.log1p(np.clip(self.revenue12, 0, None))),
            "log_orders_12m": lambda: rep(np.log1p(self.orders12)),
            "recency_days": lambda: rep(self.recency),
            "tenure_days": lambda: rep(self.tenure),
            "trend_12m": lambda: rep(
                np.clip(
                    np.divide(
                        self.revenue12 - self.revenue_prev12,
                        np.abs(self.revenue_prev12),
                        out=np.zeros(n),
                        where=self.revenue_prev12 > 0,
                    ),
                    -1,
                    3,
                )
            ),
            "breadth": lambda: rep(self.breadth),
            "has_bought": lambda: (self.dense(self.ever, cols) > 0).astype(float).ravel(),
            "log_item_lines_24m": lambda: np.log1p(self.dense(self.n24, cols)).ravel(),
            "log_item_lines_3m": lambda: np.log1p(self.dense(self.n3, cols)).ravel(),
            "item_months_12m": lambda: self.dense(self.months12, cols).ravel(),
            "log_item_spend_12m": lambda: np.log1p(np.clip(spend, 0, None)).ravel(),
            "item_share_12m": lambda: np.divide(
                spend, total, out=np.zeros_like(spend), where=total > 0
            ).ravel(),
            "item_days_since": lambda: self.days_since(cols).ravel(),
            "log_item_same_season_ly": lambda: np.log1p(
                np.clip(self.dense(self.same_season_ly, cols), 0, None)
            ).ravel(),
            "client_horizon_share": lambda: rep(self.client_horizon_share),
            "item_horizon_share": lambda: tile(self.item_horizon_share[cols]),
            "item_popularity": lambda: tile(
                np.asarray((self.n12[:, cols] > 0).mean(axis=0)).ravel()
            ),
        }
        f = {k: np.asarray(make(), dtype=np.float32) for k, make in spec.items()}
        for name in list(cand):
            f[f"cand_{name}"] = np.asarray(cand.pop(name), dtype=np.float32).ravel()
        if cache:
            self._cache[key] = f
        return f

    def labels(self, cols: np.ndarray) -> np.ndarray:
        return (self.dense(self.label, cols) > 0).ravel()


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
    "client_horizon_share",
    "item_horizon_share",
    "item_popularity",
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

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        z = self.model.decision_function(x) + self.log_rate
        p = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1 - p, p])


def _design(fold: _Fold, rows: np.ndarray, names: list[str]) -> np.ndarray:
    """Blend inputs: each candidate's percentile within the item (among the task's rows),
    plus the item's base rate (log-odds) so probabilities keep their scale."""
    cols = []
    item = fold.item[rows]
    for name in names:
        v = fold.frame[f"cand_{name}"][rows]
        cols.append(_group_pct(v, item))
        if name in _PROBABILITIES:  # a probability keeps its scale, not only its rank
            v = np.clip(v, 1e-5, 1 - 1e-5)
            cols.append(np.log(v / (1 - v)))
    pop = np.clip(fold.frame["item_popularity"][rows], 1e-4, 1 - 1e-4)
    cols.append(np.log(pop / (1 - pop)))
    return np.column_stack(cols)


def _design_columns(full: list[str], names: list[str]) -> list[int]:
    """Columns of :func:`_design` (over ``full``) holding ``names``' inputs, and the base rate."""
    at, j = {}, 0
    for n in full:
        at[n] = [j, j + 1] if n in _PROBABILITIES else [j]
        j += len(at[n])
    return [c for n in names for c in at[n]] + [j]


def boosted_predict(models: dict, frame: dict[str, np.ndarray]) -> np.ndarray:
    """The boosted model's probabilities for a pair frame (see :meth:`Snapshot.pair_frame`):
    one model for repeat purchases, one for first purchases (a constant where the history had
    too few purchases to learn from). Rows are stacked a million at a time (a 100k x 50 frame
    would need 0.5 GB at once), and predicted on every core: unlike training, prediction over
    that many rows gains from the second core."""
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
            x = np.column_stack([frame[c][r] for c in BOOSTED_FEATURES])
            out[r] = m.predict_proba(x)[:, 1]
    return out


def _group_pct(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Percentile rank (0..1] of each value within its group (average ranks for ties)."""
    s = pd.Series(values)
    return s.groupby(groups).rank(pct=True).to_numpy()


def ranking_metrics(
    groups: np.ndarray, y: np.ndarray, s: np.ndarray, k: int = 50
) -> dict[str, float]:
    """Mean over groups (items) with at least one positive of precision@k and NDCG@k; ties
    broken by position (callers add their own tie-breaker)."""
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    ends = np.r_[starts[1:], len(g)]
    prec, ndcg, base = [], [], []
    disc = 1 / np.log2(np.arange(2, k + 2))
    for a, b in zip(starts, ends, strict=True):
        idx = order[a:b]
        yg = y[idx].astype(float)
        npos = yg.sum()
        if npos == 0:
            continue
        neg_s = -np.asarray(s[idx], dtype=float)
        if len(idx) > k:  # only the k best (ties at the edge included) need sorting
            kth = np.partition(neg_s, k - 1)[k - 1]
            cand = np.flatnonzero(neg_s <= kth)
        else:
            cand = np.arange(len(idx))
        top = yg[cand[np.argsort(neg_s[cand], kind="stable")][:k]]
        prec.append(top.sum() / k)
        ndcg.append((top * disc[: len(top)]).sum() / disc[: int(min(k, npos))].sum())
        base.append(yg.mean())
    if not prec:
        return {"precision": float("nan"), "ndcg": float("nan"), "base_rate": float("nan")}
    return {
        "precision": float(np.mean(prec)),
        "ndcg": float(np.mean(ndcg)),
        "base_rate": float(np.mean(base)),
        "items": len(prec),
    }


@dataclass
class _Fold:
    cutoff: dt.date
    role: str  # test / validation / serve
    frame: dict[str, np.ndarray]
    y: np.ndarray | None
    item: np.ndarray  # item position of each row
    client: np.ndarray
    designs: dict = field(default_factory=dict)  # (task, names) -> (rows, blend inputs)


@dataclass
class Engine:
    """Validate the candidates on the history before ``as_of`` and serve the best ranker.

    After :meth:`fit`, ``leaderboard_`` holds the test-fold metrics per task and ranker,
    ``served_`` the ranker served per task (``blend`` or a candidate's name), ``weights_`` the
    blend's weights, ``notes_`` what could not be validated and why.
    """

    config: EngineConfig = field(default_factory=EngineConfig)

    # ---------------------------------------------------------------- folds
    def _dates(self, as_of: dt.date, first: dt.date) -> dict[str, list[dt.date]]:
        cfg = self.config
        h, s = cfg.horizon_days, cfg.step_days
        ok = lambda d: d >= first + dt.timedelta(days=cfg.min_history_days)  # noqa: E731
        test = as_of - dt.timedelta(days=h)
        vals = [as_of - dt.timedelta(days=2 * h + s * k) for k in range(cfg.validation_folds)]
        return {
            "test": [test] if ok(test) else [],
            "validation": [v for v in vals if ok(v)],
        }

    def _train_dates(self, cutoff: dt.date, first: dt.date) -> list[dt.date]:
        cfg = self.config
        out = [
            cutoff - dt.timedelta(days=cfg.horizon_days + cfg.step_days * k)
            for k in range(cfg.boosted_cutoffs)
        ]
        return [d for d in out if d >= first + dt.timedelta(days=cfg.min_history_days)]

    def _snap(self, cutoff: dt.date) -> Snapshot:
        if cutoff not in self._snaps:
            self._snaps[cutoff] = self.history_.snapshot(
                cutoff, self.level_, self.config.horizon_days, self.config.decay_days
            )
        return self._snaps[cutoff]

    def _boosted(self, cutoff: dt.date, cols: np.ndarray, frame: dict) -> np.ndarray | None:
        """The boosted model's probabilities on ``frame`` (the pairs at ``cutoff``), trained on
        earlier cutoffs, or None when the history has none before it."""
        if cutoff not in self._boost_models:
            dates = self._train_dates(cutoff, self.first_)
            if not dates:
                return None
            self._boost_models[cutoff] = self._fit_boosted(dates, cols)
        return boosted_predict(self._boost_models[cutoff], frame)

    def _frame(self, cutoff: dt.date, cols: np.ndarray) -> dict[str, np.ndarray]:
        """The pair frame at ``cutoff``, kept in its snapshot only while a later step of fit
        still needs it (``_uses``: its own fold, and each boosted model trained on it)."""
        left = self._uses.get(cutoff, 0) - 1
        self._uses[cutoff] = left
        sn = self._snap(cutoff)
        f = sn.pair_frame(cols, self.config, cache=left > 0)
        if left <= 0:
            sn._cache.pop(("pairs", tuple(cols)), None)
        return f

    def _fit_boosted(self, dates: list[dt.date], cols: np.ndarray) -> dict:
        """One boosted model per task on the pairs of the training cutoffs ``dates``: every
        positive and a sample of the negatives at one rate across the dates (so one prior
        correction holds), only the sampled rows ever stacked into a matrix."""
        cfg = self.config
        rng = np.random.default_rng(cfg.seed)
        snaps = [self._snap(d) for d in dates]
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
        xs: dict[str, list[np.ndarray]] = {t: [] for t in TASKS}
        for i, d in enumerate(dates):
            f = self._frame(d, cols)
            for task in TASKS:
                if picks[task]:
                    rows = picks[task][i]
                    xs[task].append(np.column_stack([f[c][rows] for c in BOOSTED_FEATURES]))
            del f
        models: dict = {}
        for task in TASKS:
            if not picks[task]:
                models[task] = rates[task]  # too few purchases to learn from: a constant
                continue
            x = np.vstack(xs[task])
            y = np.concatenate([yy[r] for yy, r in zip(ys, picks[task], strict=True)])
            with threadpool_limits(1, "openmp"):  # see _ONE_THREAD
                model = HistGradientBoostingClassifier(
                    max_iter=60,
                    learning_rate=0.08,
                    max_depth=4,
                    min_samples_leaf=200,
                    l2_regularization=1.0,
                    early_stopping=False,
                    random_state=cfg.seed,
                ).fit(x, y)
            models[task] = _Corrected(model, float(np.log(rates[task])))
        return models

    def _fold(self, cutoff: dt.date, cols: np.ndarray, role: str) -> _Fold:
        sn = self._snap(cutoff)
        full = self._frame(cutoff, cols)
        b = self._boosted(cutoff, cols, full) if self.use_boosted_ else None
        # what validation reads of a fold: the candidates, the task and the item's base rate
        f = {k: v for k, v in full.items() if k.startswith("cand_") or k in _FOLD_KEEP}
        del full
        f["cand_boosted"] = b if b is not None else np.full(len(f["has_bought"]), np.nan)
        fold = self._new_fold(cutoff, cols, role, f, sn.labels(cols))
        for task in TASKS:  # the blend's inputs, then the raw scores go
            self._task_design(fold, task)
        fold.frame = {"has_bought": f["has_bought"]}
        return fold

    def _new_fold(
        self, cutoff: dt.date, cols: np.ndarray, role: str, f: dict, y: np.ndarray
    ) -> _Fold:
        n, m = self.history_.n_clients, len(cols)
        return _Fold(
            cutoff=cutoff,
            role=role,
            frame=f,
            y=y,
            item=np.tile(np.arange(m), n),
            client=np.repeat(np.arange(n), m),
        )

    # ---------------------------------------------------------------- the blend
    def _task_rows(self, fold: _Fold, task: str) -> np.ndarray:
        rep = fold.frame["has_bought"] > 0
        return np.flatnonzero(rep if task == "repeat" else ~rep)

    def _task_design(self, fold: _Fold, task: str, names: list[str] | None = None):
        """(rows, blend inputs of ``names``) of ``task`` in ``fold``. The inputs of every
        blended candidate are computed once per fold and task (when the fold is made: its
        raw scores are dropped then); a row's percentiles are within its item, so any subset
        of items can be cut out of them, and any subset of candidates is a choice of columns."""
        if task not in fold.designs:
            rows = self._task_rows(fold, task)
            x = _design(fold, rows, self.blend_names_).astype(np.float32)
            fold.designs[task] = (rows, x)
        rows, x = fold.designs[task]
        if names is None or list(names) == list(self.blend_names_):
            return rows, x
        return rows, x[:, _design_columns(self.blend_names_, names)]

    def _pct(self, fold: _Fold, task: str, name: str) -> np.ndarray:
        """A candidate's within-item percentile on the task's rows: the same order as its raw
        score, so the same precision@k."""
        rows, x = self._task_design(fold, task)
        return x[:, _design_columns(self.blend_names_, [name])[0]]

    def _fit_lr(
        self, folds: list[_Fold], task: str, names: list[str], items: np.ndarray | None = None
    ):
        """Logistic regression of the fold labels on the blend inputs (only ``items``' rows
        when given); None when the labels cannot support one."""
        xs, ys = [], []
        rng = np.random.default_rng(self.config.seed)
        for fo in folds:
            rows, x = self._task_design(fo, task, names)
            y = fo.y[rows]
            if items is not None:
                keep = np.isin(fo.item[rows], items)
                x, y = x[keep], y[keep]
            xs.append(x)
            ys.append(y)
        x, y = np.vstack(xs), np.concatenate(ys)
        if y.sum() < 3 or y.all():
            return None
        w = np.ones(len(y))
        cap = self.config.max_blend_rows
        neg = np.flatnonzero(~y)
        if len(neg) > cap:  # keep every positive, sample negatives and reweight them
            keep = np.sort(np.r_[np.flatnonzero(y), rng.choice(neg, cap, replace=False)])
            w = np.where(y[keep], 1.0, len(neg) / cap)
            x, y = x[keep], y[keep]
        # standardised inputs: lbfgs converges in a fraction of the iterations
        lr = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=500))
        return lr.fit(x, y, logisticregression__sample_weight=w)

    # ---------------------------------------------------------------- fit
    def fit(
        self, history: History, as_of: dt.date, *, level: str, items: list[str] | None = None
    ) -> Engine:
        """Validate on the folds before ``as_of`` and choose the served ranker per task.

        ``items`` are the items validated (default: all of the level's items; at the SKU level
        pass the active ones, e.g. :meth:`History.top_items`)."""
        self.history_, self.level_, self.as_of_ = history, level, as_of
        self._snaps: dict[dt.date, Snapshot] = {}
        self._boost_models: dict = {}
        self.notes_: list[str] = []
        all_items = history.items(level)
        items = list(items) if items is not None else list(all_items)
        self.items_ = items
        cols = all_items.get_indexer(items)
        if (cols < 0).any():
            raise ValueError("unknown items")
        self.cols_ = cols
        self.first_ = (
            (_DAY0 + np.timedelta64(history.first_day, "D")).astype(dt.date)
            if history.first_day is not None
            else as_of
        )
        dates = self._dates(as_of, self.first_)
        self.use_boosted_ = True
        boostable = lambda d: bool(self._train_dates(d, self.first_))  # noqa: E731
        if dates["validation"] and not all(boostable(v) for v in dates["validation"]):
            if dates["test"] and boostable(dates["test"][0]):
                # a short history: the latest horizon is the only one the boosted model can be
                # checked on, so it chooses the ranker and no separate test figure exists
                dates = {"test": [], "validation": dates["test"]}
                self.notes_.append("short_history_no_test")
            else:
                self.use_boosted_ = False
                self.notes_.append("boosted_no_history")
        elif not dates["validation"]:
            self.use_boosted_ = False
            if dates["test"]:  # one labelled horizon: validate on it, test nothing
                dates = {"test": [], "validation": dates["test"]}
                self.notes_.append("short_history_no_test")
        self.fold_dates_ = dates
        # how many steps of fit read each cutoff's pair frame (see _frame)
        self._uses: dict[dt.date, int] = {}
        for d in [*dates["validation"], *dates["test"]]:
            self._uses[d] = self._uses.get(d, 0) + 1
        for d in [*dates["validation"], *dates["test"], as_of] if self.use_boosted_ else []:
            for t in self._train_dates(d, self.first_):
                self._uses[t] = self._uses.get(t, 0) + 1
        self.notes_ += self._warehouse_notes(history, as_of)
        names = [c for c in CANDIDATES if c != "boosted" or self.use_boosted_]
        # candidates that carry nothing in this warehouse (one region: every peer_region equal)
        self.blend_names_ = names
        val = [self._fold(d, cols, "validation") for d in dates["validation"]]
        test = [self._fold(d, cols, "test") for d in dates["test"]]
        self.leaderboard_ = pd.DataFrame()
        self.served_ = {}
        self.weights_ = {}
        self._lrs: dict = {}
        rows = []
        for task in TASKS:
            served, reason = self._choose(val, task, names)
            self.served_[task] = served
            if reason:
                self.notes_.append(f"{task}:{reason}")
            if test:
                rows += self._evaluate(val, test[0], task, names)
        if not test:  # no separate test fold: show the validation figures, marked as such
            for task in TASKS:
                sc = getattr(self, "validation_scores_", {}).get(task, {})
                ref = sc.get("largest")
                for name, p in sc.items():
                    rows.append(
                        {
                            "task": task,
                            "ranker": name,
                            "precision_at_k": p,
                            "ndcg_at_k": np.nan,
                            "items": len(cols),
                            "served": name == self.served_.get(task),
                            "test_cutoff": None,
                            "validation_cutoffs": ", ".join(str(v.cutoff) for v in val),
                            "lift_vs_largest": p / ref if ref else np.nan,
                        }
                    )
        self.leaderboard_ = pd.DataFrame(rows)
        # the served rankers are refitted on every labelled fold
        labelled = val + test
        for task in TASKS:
            served = self.served_[task]
            fit_names = names if served == "blend" else [served]
            self._lrs[task] = self._fit_lr(labelled, task, fit_names) if labelled else None
            lr = self._lrs[task]
            if served == "blend" and lr is not None:
                labels = [
                    x
                    for n in fit_names
                    for x in ([n, f"{n}_logit"] if n in _PROBABILITIES else [n])
                ]
                # weights of standardised inputs: comparable across inputs
                coef = lr[-1].coef_[0].round(3).tolist()
                self.weights_[task] = dict(zip([*labels, "item_base_rate"], coef, strict=True))
        if not dates["validation"]:
            self.notes_.append("no_validation_fold")
        if self.use_boosted_:  # the models serving uses, trained before the snapshots go
            self._train_serving_models()
        # what fit needed and serving does not: the folds' frames and the training snapshots
        for d, sn in list(self._snaps.items()):
            if d != as_of:
                del self._snaps[d]
            else:
                sn._cache = {k: v for k, v in sn._cache.items() if k == "als"}
        return self

    def _warehouse_notes(self, history: History, as_of: dt.date) -> list[str]:
        """What this warehouse cannot tell the rankers (shown to the user, never an error)."""
        out = []
        if len(self.cols_) == 1:
            out.append("one_item")
        if len(np.unique(history.region)) <= 1:
            out.append("one_region")
        if len(np.unique(history.industry)) <= 1:
            out.append("one_industry")
        c = int(_days([as_of])[0])
        active = np.zeros(history.n_clients, dtype=bool)
        active[history.client[history.span(-(10**9), c)]] = True
        if active.all():
            out.append("no_prospects")
        if history.first_day is not None and c - history.first_day < 183:
            out.append("short_history")
        return out

    def _choose(self, val: list[_Fold], task: str, names: list[str]) -> tuple[str, str | None]:
        """The served ranker for ``task`` on the validation folds only: the blend (scored
        leave-one-fold-out) or a single candidate, never worse than the best peer rate."""
        if not val:
            return "peer_industry_region", "no_validation"
        score: dict[str, float] = {}
        for name in names:
            ps = [self._fold_metric(fo, task, self._pct(fo, task, name)) for fo in val]
            score[name] = float(np.nanmean(ps)) if np.isfinite(ps).any() else float("nan")
        blend = self._blend_cv(val, task, names)
        if blend is not None:
            ps = [
                self._fold_metric(fo, task, s[self._task_rows(fo, task)])
                for fo, s in zip(val, blend, strict=True)
            ]
            score["blend"] = float(np.nanmean(ps)) if np.isfinite(ps).any() else float("nan")
        self.validation_scores_ = getattr(self, "validation_scores_", {})
        self.validation_scores_[task] = score
        finite = {k: v for k, v in score.items() if np.isfinite(v)}
        if not finite:
            return "peer_industry_region", "nothing_to_validate"
        best = max(finite, key=lambda k: (finite[k], k == "blend"))
        peers = {k: v for k, v in finite.items() if k in PEER_CANDIDATES}
        if peers:
            best_peer = max(peers, key=peers.get)
            if finite[best] <= peers[best_peer]:
                return best_peer, "peer_baseline_served"
        return best, None

    def _blend_cv(self, val: list[_Fold], task: str, names: list[str]) -> list[np.ndarray] | None:
        """The blend's out-of-sample scores on the validation folds: cross-fitted over two
        halves of the items (each half scored by a blend fitted on the other), or leave one
        fold out when there is a single item. None when neither is possible."""
        n_items = len(self.cols_)
        out = [np.full(len(fo.frame["has_bought"]), -np.inf) for fo in val]
        if n_items >= 2:
            perm = np.random.default_rng(self.config.seed).permutation(n_items)
            halves = (perm[: n_items // 2], perm[n_items // 2 :])
            for test_half, train_half in (halves, halves[::-1]):
                lr = self._fit_lr(val, task, names, items=train_half)
                if lr is None:
                    return None
                for fo, s in zip(val, out, strict=True):
                    rows, x = self._task_design(fo, task, names)
                    keep = np.isin(fo.item[rows], test_half)
                    if keep.any():
                        s[rows[keep]] = lr.predict_proba(x[keep])[:, 1]
            return out
        if len(val) >= 2:
            for i, (fo, s) in enumerate(zip(val, out, strict=True)):
                lr = self._fit_lr([v for j, v in enumerate(val) if j != i], task, names)
                if lr is None:
                    return None
                rows, x = self._task_design(fo, task, names)
                s[rows] = lr.predict_proba(x)[:, 1]
            return out
        return None

    def _fold_metric(self, fo: _Fold, task: str, s: np.ndarray) -> float:
        """precision@k of scores ``s`` (one per row of the task) in fold ``fo``."""
        rows = self._task_rows(fo, task)
        if not len(rows) or not np.isfinite(s).any():
            return float("nan")
        tie = np.random.default_rng(0).random(len(rows)) * 1e-9
        return ranking_metrics(fo.item[rows], fo.y[rows], s + tie, self.config.k)["precision"]

    def _evaluate(self, val: list[_Fold], te: _Fold, task: str, names: list[str]) -> list[dict]:
        """Test-fold metrics of every candidate and the blend (fitted on validation folds)."""
        rows = self._task_rows(te, task)
        tie = np.random.default_rng(0).random(len(rows)) * 1e-9
        out = []
        scores = {name: self._pct(te, task, name) for name in names}
        lr = self._fit_lr(val, task, names) if val else None
        if lr is not None:
            scores["blend"] = lr.predict_proba(self._task_design(te, task, names)[1])[:, 1]
        ref = None
        for name, s in scores.items():
            if not np.isfinite(s).all():
                continue
            m = ranking_metrics(te.item[rows], te.y[rows], s + tie, self.config.k)
            if name == "largest":
                ref = m["precision"]
            out.append(
                {
                    "task": task,
                    "ranker": name,
                    "precision_at_k": m["precision"],
                    "ndcg_at_k": m["ndcg"],
                    "items": m.get("items", 0),
                    "served": name == self.served_.get(task),
                    "test_cutoff": te.cutoff,
                    "validation_cutoffs": ", ".join(str(v.cutoff) for v in val),
                }
            )
        for r in out:
            r["lift_vs_largest"] = (
                r["precision_at_k"] / ref if ref and np.isfinite(ref) and ref > 0 else np.nan
            )
        return out

    # ---------------------------------------------------------------- serving
    def _train_serving_models(self) -> None:
        """The boosted models for ``as_of`` (trained on the latest labelled cutoffs); serving
        predicts with them, so nothing is predicted here."""
        dates = self._train_dates(self.as_of_, self.first_)
        if dates and self.as_of_ not in self._boost_models:
            self._boost_models[self.as_of_] = self._fit_boosted(dates, self.cols_)

    def ranker(self) -> ServedRanker:
        """What :meth:`fit` chose, ready to score any item of the level at ``as_of`` (pickle
        it with a detached snapshot to serve without the history)."""
        uses_boosted = any(
            self.served_[t] == "boosted"
            or (self.served_[t] == "blend" and "boosted" in self.blend_names_)
            for t in TASKS
        )
        if uses_boosted and self.as_of_ not in self._boost_models:
            self._train_serving_models()
        return ServedRanker(
            config=self.config,
            served=dict(self.served_),
            blend_names=list(self.blend_names_),
            lrs=dict(self._lrs),
            boosted=self._boost_models.get(self.as_of_) if uses_boosted else None,
        )

    def boosted_scores(self, items: list[str]) -> np.ndarray | None:
        """The boosted candidate's probabilities at ``as_of`` for every client x item of
        ``items`` (row-major), or None when it had no history to train on."""
        if not self.use_boosted_:
            return None
        self._train_serving_models()
        cols = self.history_.items(self.level_).get_indexer(items)
        frame = self.snapshot().pair_frame(cols, self.config, cache=False)
        return self._boosted(self.as_of_, cols, frame)

    def snapshot(self) -> Snapshot:
        """The snapshot at ``as_of`` that the ranker scores."""
        return self._snap(self.as_of_)

    def score_items(self, items: list[str] | None = None) -> pd.DataFrame:
        """Scores at ``as_of`` for every client and item (default: the validated items); see
        :meth:`ServedRanker.score`."""
        items = list(items) if items is not None else self.items_
        return self.ranker().score(self.snapshot(), items)

    def report(self) -> dict:
        """What the validation found, ready to store as JSON."""
        lb = self.leaderboard_.copy()
        if len(lb):
            lb["test_cutoff"] = lb["test_cutoff"].map(lambda d: None if d is None else str(d))
        return {
            "level": self.level_,
            "as_of": str(self.as_of_),
            "horizon_days": self.config.horizon_days,
            "k": self.config.k,
            "items": len(self.items_),
            "served": self.served_,
            "weights": self.weights_,
            "validation": getattr(self, "validation_scores_", {}),
            "folds": {k: [str(d) for d in v] for k, v in self.fold_dates_.items()},
            "notes": self.notes_,
            "leaderboard": lb.round(4).to_dict(orient="records"),
        }


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

    def frame(self, snap: Snapshot, cols: np.ndarray) -> _Fold:
        f = dict(snap.pair_frame(cols, self.config))
        n, m = len(snap.client_ids), len(cols)
        f["cand_boosted"] = (
            boosted_predict(self.boosted, f) if self.boosted is not None else np.full(n * m, np.nan)
        )
        return _Fold(
            cutoff=snap.cutoff,
            role="serve",
            frame=f,
            y=None,
            item=np.tile(np.arange(m), n),
            client=np.repeat(np.arange(n), m),
        )

    def probability(self, fold: _Fold) -> np.ndarray:
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
                p[rows] = base + 1e-6 * _group_pct(
                    fold.frame[f"cand_{names[0]}"][rows], fold.item[rows]
                )
            else:
                p[rows] = lr.predict_proba(_design(fold, rows, names))[:, 1]
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
                "cf_score_pct": _group_pct(f["cand_item_knn"], fold.item),
                "svd_score_pct": _group_pct(f["cand_als"], fold.item),
                "client_horizon_share": f["client_horizon_share"],
            }
        )
