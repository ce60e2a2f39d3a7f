"""The candidate rankers, computed from a snapshot: smoothed peer adoption rates, item-kNN,
SAR, time-decayed repeat frequency, implicit ALS, popularity, largest clients; and the pair
frame the boosted model reads (the candidates among its inputs)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse
from threadpoolctl import threadpool_limits

from kapot.models.engine.config import EngineConfig

__all__ = [
    "similarity",
    "als_model",
    "fit_als",
    "als_factors",
    "peer_rates",
    "candidates",
    "pair_frame",
]

if TYPE_CHECKING:
    from implicit.cpu.als import AlternatingLeastSquares

    from kapot.models.engine.history import Snapshot


def similarity(snap: Snapshot, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cosine, jaccard) similarity of every item to the target items over clients' 24-month
    baskets, an item never recommending itself.

    Parameters
    ----------
    snap : Snapshot
        The snapshot scored (its 24-month basket ``n24``).
    cols : numpy.ndarray
        Positions of the target items in the snapshot's item axis.

    Returns
    -------
    tuple of numpy.ndarray
        Cosine and Jaccard similarities, each (all items x target items); a target item's
        similarity to itself is 0.
    """
    b = (snap.n24 > 0).astype(float).tocsc()
    occ = np.asarray(b.sum(axis=0)).ravel()
    co = np.asarray((b.T @ b[:, cols]).toarray())
    norms = np.sqrt(np.maximum(occ, 1))
    cos = co / norms[:, None] / norms[cols][None, :]
    jac = co / np.maximum(occ[:, None] + occ[cols][None, :] - co, 1)
    cos[cols, np.arange(len(cols))] = 0
    jac[cols, np.arange(len(cols))] = 0
    return cos, jac


def als_model(
    cfg: EngineConfig, shape: tuple[int, int], threads: int = 0
) -> AlternatingLeastSquares | None:
    """implicit's ALS model for a clients x items matrix of ``shape``, not yet fitted (built
    where its warning about BLAS threads is silenced: the fit runs on one BLAS thread).

    Parameters
    ----------
    cfg : EngineConfig
        ``als_factors`` (capped below the matrix's smaller side), ``als_iterations``,
        ``als_regularization``, ``seed``.
    shape : tuple of int
        Clients and items.
    threads : int
        implicit's OpenMP threads (0: every core). The factors do not depend on it: each
        client's and item's solve is its own.

    Returns
    -------
    implicit.cpu.als.AlternatingLeastSquares or None
        None when the matrix has fewer than 3 clients or items.
    """
    if min(shape) < 3:
        return None
    import implicit  # 0.4 s: only when a snapshot is fitted, never on a served page

    factors = int(min(cfg.als_factors, max(2, min(shape) - 1)))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="OpenBLAS is configured")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        return implicit.cpu.als.AlternatingLeastSquares(
            factors=factors,
            regularization=cfg.als_regularization,
            iterations=cfg.als_iterations,
            random_state=cfg.seed,
            num_threads=threads,
        )


def fit_als(
    n24: sparse.spmatrix, model: AlternatingLeastSquares | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """ALS client and item factors of a clients x items matrix of 24-month line counts:
    implicit feedback on 10 log(1 + lines).

    Parameters
    ----------
    n24 : scipy.sparse matrix
        Line counts, clients x items (:attr:`Snapshot.n24`, or :func:`~kapot.models.engine.windows.line_counts` over the
        730 days before a cutoff).
    model : implicit.cpu.als.AlternatingLeastSquares or None
        As :func:`als_model` makes it for ``n24``'s shape; fitted here.

    Returns
    -------
    tuple of numpy.ndarray or None
        Client factors (clients x factors) and item factors (items x factors); None when the
        history is too small to factorise (no line, or fewer than 3 clients or items).
    """
    if model is None or n24.nnz == 0:
        return None
    x = n24.copy()
    x.data = np.log1p(x.data) * 10.0
    model.fit(x.astype(np.float32), show_progress=False)
    return np.asarray(model.user_factors), np.asarray(model.item_factors)


def als_factors(snap: Snapshot, cfg: EngineConfig) -> tuple[np.ndarray, np.ndarray] | None:
    """The snapshot's ALS client and item factors (:func:`fit_als` on its ``n24``, one BLAS
    thread), cached on the snapshot; when a fit is already under way for it (``_cache['als_pending']``, a future
    that :class:`~kapot.models.engine.folds.FoldBuilder` started), its result.

    Parameters
    ----------
    snap : Snapshot
        The snapshot factorised; the result is kept in its cache (a detached snapshot carries
        it, so a served page never fits ALS).
    cfg : EngineConfig
        The ALS settings (see :func:`als_model`).

    Returns
    -------
    tuple of numpy.ndarray or None
        As :func:`fit_als` returns them.
    """
    if "als" in snap._cache:
        return snap._cache["als"]
    pending = snap._cache.pop("als_pending", None)
    if pending is not None:
        res = pending.result()
    else:
        with threadpool_limits(1, "blas"):
            res = fit_als(snap.n24, als_model(cfg, snap.n24.shape))
    snap._cache["als"] = res
    return res


def peer_rates(adopt: np.ndarray, groups: np.ndarray, prior: float) -> np.ndarray:
    """Smoothed share of each client's peer group buying each item, the client left out.

    Parameters
    ----------
    adopt : numpy.ndarray
        (clients x items), 1 where the client bought the item (in the last 12 months), else 0.
    groups : numpy.ndarray
        Each client's peer group, an int code from 0.
    prior : float
        Pseudo-clients at the overall rate added to each group (``EngineConfig.peer_prior``).

    Returns
    -------
    numpy.ndarray
        (clients x items): (buyers among the client's peers + ``prior`` x the overall rate)
        / (peers + ``prior``), the client itself not counted among its peers.
    """
    n_g = int(groups.max()) + 1 if len(groups) else 1
    g = sparse.csr_matrix(
        (np.ones(len(groups)), (groups, np.arange(len(groups)))), shape=(n_g, len(groups))
    )
    sums = np.asarray(g @ adopt)
    sizes = np.bincount(groups, minlength=n_g).astype(float)
    overall = adopt.mean(axis=0, keepdims=True)
    own = sums[groups] - adopt
    return (own + prior * overall) / (sizes[groups][:, None] - 1 + prior)


def candidates(snap: Snapshot, cols: np.ndarray, cfg: EngineConfig) -> dict[str, np.ndarray]:
    """Every candidate's raw score, (clients x target items) in float32, higher is likelier.

    Parameters
    ----------
    snap : Snapshot
        The snapshot scored.
    cols : numpy.ndarray
        Positions of the target items in the snapshot's item axis.
    cfg : EngineConfig
        ``peer_prior`` and the ALS settings.

    Returns
    -------
    dict of numpy.ndarray
        Name -> scores for every candidate of :data:`CANDIDATES` except ``boosted``:
        ``peer_industry``, ``peer_region``, ``peer_size``, ``peer_industry_region`` (smoothed
        adoption rates, see :func:`peer_rates`), ``item_knn``, ``sar``,
        ``recency_frequency``, ``als`` (zeros when ALS cannot be fitted), ``popularity``
        (the client's orders in 12 months) and ``largest`` (its 12-month revenue).
    """
    h = snap
    n = len(snap.client_ids)
    adopt = snap.dense(snap.n12 > 0, cols)
    out: dict[str, np.ndarray] = {}
    tier = snap.size_tier
    ind_reg = h.industry * (int(h.region.max()) + 1) + h.region
    for name, groups in (
        ("peer_industry", h.industry),
        ("peer_region", h.region),
        ("peer_size", tier),
        ("peer_industry_region", pd.factorize(ind_reg)[0]),
    ):
        out[name] = peer_rates(adopt, np.asarray(groups, dtype=np.int64), cfg.peer_prior)
    cos, jac = similarity(snap, cols)
    b24 = (snap.n24 > 0).astype(float)
    out["item_knn"] = np.asarray(b24 @ cos)
    out["sar"] = np.asarray(snap.decayed @ jac)
    out["recency_frequency"] = snap.dense(snap.decayed, cols)
    als = als_factors(snap, cfg)
    if als is not None:
        uf, itf = als
        out["als"] = uf @ itf[cols].T
    else:
        out["als"] = np.zeros((n, len(cols)))
    out["popularity"] = np.repeat(snap.orders12[:, None], len(cols), axis=1)
    out["largest"] = np.repeat(snap.revenue12[:, None], len(cols), axis=1)
    # float32, as the pair frame holds them: 100k clients x 50 SKUs is 20 MB a candidate
    return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}


def pair_frame(
    snap: Snapshot,
    cols: np.ndarray,
    cfg: EngineConfig,
    *,
    rows: np.ndarray | None = None,
    cand: dict[str, np.ndarray] | None = None,
    columns: tuple[str, ...] | None = None,
) -> dict[str, np.ndarray]:
    """The boosted model's inputs for (clients x target items), as flat arrays (row-major:
    client, then item), plus the candidates' raw scores (``cand_<name>``).

    Parameters
    ----------
    snap : Snapshot
        The snapshot scored.
    cols : numpy.ndarray
        Positions of the target items in the snapshot's item axis.
    cfg : EngineConfig
        The settings :func:`candidates` uses when ``cand`` is None.
    rows : numpy.ndarray, optional
        Only these flat rows (``client * len(cols) + item``, e.g. the candidate pool, see
        :mod:`kapot.models.engine.pool`); default every pair.
    cand : dict of numpy.ndarray, optional
        Candidates already computed for ``cols`` (see :func:`candidates`); default computed
        here.
    columns : tuple of str, optional
        Compute only these columns (unknown names are skipped); default all.

    Returns
    -------
    dict of numpy.ndarray
        Column -> float32 array, one value per row: the client's ``is_prospect``,
        ``log_revenue_12m``, ``log_orders_12m``, ``recency_days``, ``tenure_days``,
        ``trend_12m`` (clipped to -1..3), ``breadth`` and ``client_horizon_share``; the
        pair's ``has_bought``, ``log_item_lines_24m``, ``log_item_lines_3m``,
        ``item_months_12m``, ``log_item_spend_12m``, ``item_share_12m``, ``item_days_since``
        and ``log_item_same_season_ly``; the item's ``item_horizon_share`` and
        ``item_popularity`` (share of clients buying it in 12 months); and ``cand_<name>``
        per candidate.
    """
    n, m = len(snap.client_ids), len(cols)
    if cand is None:
        cand = candidates(snap, cols, cfg)
    if rows is None:
        lo, hi = 0, n
        rep = lambda v: np.repeat(v, m)  # noqa: E731
        tile = lambda v: np.tile(v, n)  # noqa: E731
        take = lambda v: np.asarray(v).ravel()  # noqa: E731
        local = take
    else:
        client, item = rows // m, rows % m
        # the clients the rows fall in: a batch of a million rows is a tenth of the clients,
        # so only their rows of the matrices are made dense (the same values)
        lo, hi = (int(client.min()), int(client.max()) + 1) if len(rows) else (0, 0)
        rep = lambda v: np.asarray(v)[client]  # noqa: E731
        tile = lambda v: np.asarray(v)[item]  # noqa: E731
        take = lambda v: np.asarray(v).ravel()[rows]  # noqa: E731  every client's values
        local = lambda v: np.asarray(v).ravel()[rows - lo * m]  # noqa: E731  clients lo:hi's
    span = None if rows is None else slice(lo, hi)  # the clients whose rows are made dense
    dense = lambda mat, c=cols: snap.dense(mat, c, span)  # noqa: E731
    spend = lambda: dense(snap.spend12)  # noqa: E731
    total = np.maximum(snap.revenue12[lo:hi], 0)[:, None]
    gcols = snap.item_group[cols]
    group = lambda mat: dense(mat, gcols)  # noqa: E731  the item's group's column
    decayed_total = np.asarray(snap.group_decayed[lo:hi].sum(axis=1)).ravel()

    def group_share() -> np.ndarray:  # the item's share of its group's lines in 12 months
        lines = np.asarray(snap.n12[:, cols].sum(axis=0)).ravel()
        glines = np.asarray(snap.group_n12.sum(axis=0)).ravel()[gcols]
        return np.divide(lines, glines, out=np.zeros(len(cols)), where=glines > 0)

    # each input cast to float32 as it is made: a frame is clients x items x ~40 columns
    # (100k x 50 SKUs: 0.8 GB at 32 bits, and twice that at 64 while it is built)
    spec = {
        "is_prospect": lambda: rep(snap.prospect.astype(float)),
        "log_revenue_12m": lambda: rep(np.log1p(np.clip(snap.revenue12, 0, None))),
        "log_orders_12m": lambda: rep(np.log1p(snap.orders12)),
        "recency_days": lambda: rep(snap.recency),
        "tenure_days": lambda: rep(snap.tenure),
        "trend_12m": lambda: rep(
            np.clip(
                np.divide(
                    snap.revenue12 - snap.revenue_prev12,
                    np.abs(snap.revenue_prev12),
                    out=np.zeros(n),
                    where=snap.revenue_prev12 > 0,
                ),
                -1,
                3,
            )
        ),
        "breadth": lambda: rep(snap.breadth),
        "has_bought": lambda: local((dense(snap.ever) > 0).astype(float)),
        "log_item_lines_24m": lambda: local(np.log1p(dense(snap.n24))),
        "log_item_lines_3m": lambda: local(np.log1p(dense(snap.n3))),
        "item_months_12m": lambda: local(dense(snap.months12)),
        "log_item_spend_12m": lambda: local(np.log1p(np.clip(spend(), 0, None))),
        "item_share_12m": lambda: local(
            np.divide(s := spend(), total, out=np.zeros_like(s), where=total > 0)
        ),
        "item_days_since": lambda: local(snap.days_since(cols, span)),
        "log_item_same_season_ly": lambda: local(
            np.log1p(np.clip(dense(snap.same_season_ly), 0, None))
        ),
        "log_group_lines_12m": lambda: local(np.log1p(group(snap.group_n12))),
        "log_group_lines_3m": lambda: local(np.log1p(group(snap.group_n3))),
        "group_decayed": lambda: local(group(snap.group_decayed)),
        "group_client_share": lambda: local(
            np.divide(
                g := group(snap.group_decayed),
                decayed_total[:, None],
                out=np.zeros_like(g),
                where=decayed_total[:, None] > 0,
            )
        ),
        "item_group_share": lambda: tile(group_share()),
        "client_horizon_share": lambda: rep(snap.client_horizon_share),
        "item_horizon_share": lambda: tile(snap.item_horizon_share[cols]),
        "item_popularity": lambda: tile(np.asarray((snap.n12[:, cols] > 0).mean(axis=0)).ravel()),
    }
    for name, v in cand.items():
        spec[f"cand_{name}"] = lambda v=v: take(v)
    keys = list(spec) if columns is None else [k for k in columns if k in spec]
    return {k: np.asarray(spec[k](), dtype=np.float32) for k in keys}
