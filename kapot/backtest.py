"""Backtests: score as of a past cutoff with only earlier data, compare with what was bought.

kapot is compared with baselines computed on the same split and the same candidates:

* ``random``: a seeded shuffle;
* ``popularity``: most active clients first (orders in the last 12 months), the same for every
  item;
* ``rfm``: the sum of recency, frequency and monetary quintile scores;
* ``item_cf``: item-based collaborative filtering (cosine similarity of items over clients'
  purchases in the last 24 months);
* ``als``: implicit-feedback matrix factorisation (the ``implicit`` library's ALS, a benchmark
  extra: skipped with a note when it is not installed).

Both directions are measured: item → clients (the calculator: for each item, rank clients;
precision, recall, NDCG at K, ROC AUC, lift over random) and client → items (for each client
who bought something, rank the items).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from kapot.potential import PotentialConfig, PotentialModel, all_items

__all__ = ["backtest", "BacktestResult", "top_items", "METHODS"]

METHODS = ("kapot", "random", "popularity", "rfm", "item_cf", "als")


@dataclass
class BacktestResult:
    """Metrics per method, for both directions, and what the split held."""

    cutoff: dt.date
    horizon_days: int
    level: str
    new_buyers_only: bool
    items: int
    clients: int
    positives: int
    item_to_clients: pd.DataFrame  # index: method; columns: metric
    client_to_items: pd.DataFrame
    notes: list[str]

    def to_dict(self) -> dict:
        return {
            "cutoff": self.cutoff.isoformat(),
            "horizon_days": self.horizon_days,
            "level": self.level,
            "new_buyers_only": self.new_buyers_only,
            "items": self.items,
            "clients": self.clients,
            "positives": self.positives,
            "item_to_clients": self.item_to_clients.round(4).to_dict(orient="index"),
            "client_to_items": self.client_to_items.round(4).to_dict(orient="index"),
            "notes": self.notes,
        }


def top_items(
    con: duckdb.DuckDBPyConnection, cutoff: dt.date, n: int, level: str = "sku"
) -> list[str]:
    """The ``n`` best-selling items before ``cutoff``, by number of sales lines."""
    item = "s.sku" if level == "sku" else "coalesce(p.category, '?')"
    q = f"""
        SELECT {item} AS item, count(*) AS n FROM sales s LEFT JOIN products p USING (sku)
        WHERE s.date < $c AND NOT s.is_return GROUP BY 1 ORDER BY n DESC, item LIMIT $n
    """
    return [r[0] for r in con.execute(q, {"c": cutoff, "n": n}).fetchall()]


def _rfm_score(df: pd.DataFrame) -> np.ndarray:
    per_client = df.drop_duplicates("client_id").set_index("client_id")
    r = (-per_client["recency_days"]).rank(pct=True)
    f = per_client["log_orders_12m"].rank(pct=True)
    m = per_client["log_revenue_12m"].rank(pct=True)
    score = np.ceil(r * 5) + np.ceil(f * 5) + np.ceil(m * 5)
    return df["client_id"].map(score).to_numpy(dtype=float)


def _als_scores(con, cutoff: dt.date, level: str, df: pd.DataFrame, seed: int) -> np.ndarray | None:
    try:
        import implicit
    except ImportError:
        return None
    from scipy import sparse
    from threadpoolctl import threadpool_limits

    q = """
        SELECT s.client_id,
               CASE WHEN $level = 'sku' THEN s.sku ELSE coalesce(p.category, '?') END AS item,
               count(*) AS n
        FROM sales s LEFT JOIN products p USING (sku)
        WHERE s.date < $c AND s.date >= CAST($c AS DATE) - INTERVAL 24 MONTH AND NOT s.is_return
        GROUP BY ALL
    """
    inter = con.execute(q, {"level": level, "c": cutoff}).df()
    clients = pd.Index(df["client_id"].unique())
    items = pd.Index(sorted(set(inter["item"]) | set(df["item"])))
    r = clients.get_indexer(inter["client_id"])
    ok = r >= 0
    mat = sparse.csr_matrix(
        (
            np.log1p(inter["n"].to_numpy(dtype=float)[ok]) * 10.0,
            (r[ok], items.get_indexer(inter["item"][ok])),
        ),
        shape=(len(clients), len(items)),
    )
    factors = min(64, max(4, len(items) // 2))
    import warnings

    with threadpool_limits(1, "blas"), warnings.catch_warnings():
        # implicit checks the BLAS pool before our limit applies to it; the limit holds
        warnings.filterwarnings("ignore", message="OpenBLAS is configured")
        model = implicit.als.AlternatingLeastSquares(
            factors=factors, regularization=0.05, iterations=20, random_state=seed
        )
        model.fit(mat, show_progress=False)
    uf, itf = np.asarray(model.user_factors), np.asarray(model.item_factors)
    ci = clients.get_indexer(df["client_id"])
    ii = items.get_indexer(df["item"])
    return np.einsum("nk,nk->n", uf[ci], itf[ii])


def _ranking_metrics(
    groups: np.ndarray, y: np.ndarray, s: np.ndarray, ks: tuple[int, ...]
) -> dict[str, float]:
    """Mean over groups with at least one positive of precision/recall/NDCG@K and AUC."""
    from sklearn.metrics import roc_auc_score

    order = np.lexsort((-s, groups))
    g, yy, ss = groups[order], y[order], s[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    ends = np.r_[starts[1:], len(g)]
    res: dict[str, list[float]] = {
        f"{m}@{k}": [] for k in ks for m in ("precision", "recall", "ndcg")
    }
    res["auc"] = []
    res["base_rate"] = []
    for a, b in zip(starts, ends, strict=True):
        yg = yy[a:b]
        npos = yg.sum()
        if npos == 0:
            continue
        res["base_rate"].append(yg.mean())
        for k in ks:
            top = yg[:k]
            res[f"precision@{k}"].append(top.sum() / k)
            res[f"recall@{k}"].append(top.sum() / npos)
            disc = 1 / np.log2(np.arange(2, len(top) + 2))
            ideal = (1 / np.log2(np.arange(2, min(k, npos) + 2))).sum()
            res[f"ndcg@{k}"].append((top * disc).sum() / ideal)
        if npos < len(yg):
            res["auc"].append(roc_auc_score(yg, ss[a:b]))
    out = {k: float(np.mean(v)) if v else float("nan") for k, v in res.items()}
    for k in ks:
        out[f"lift@{k}"] = (
            out[f"precision@{k}"] / out["base_rate"] if out["base_rate"] > 0 else float("nan")
        )
    return out


def backtest(
    con: duckdb.DuckDBPyConnection,
    cutoff: dt.date,
    *,
    horizon_days: int = 90,
    level: str = "category",
    items: list[str] | None = None,
    new_buyers_only: bool = False,
    ks: tuple[int, ...] = (20, 50, 100),
    client_ks: tuple[int, ...] | None = None,
    seed: int = 0,
    config: PotentialConfig | None = None,
) -> BacktestResult:
    """Train on data before ``cutoff``, score at it, and compare with the horizon after it.

    ``new_buyers_only`` keeps as candidates only clients who never bought the item before the
    cutoff (white space); the metrics then measure finding new buyers.
    """
    items = list(items) if items is not None else all_items(con, level)
    cfg = config or PotentialConfig(horizon_days=horizon_days, level=level)
    model = PotentialModel(cfg).fit(con, cutoff, items=items)
    df = model.score(con, cutoff)
    notes = [f"kapot trained on {model.n_cutoffs_} cutoffs, {model.train_rows_:,} rows"]
    if new_buyers_only:
        df = df[df["has_bought"] == 0].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    tiny = rng.random(len(df)) * 1e-9  # breaks ties the same way for every method
    scores = {
        "kapot": df["probability"].to_numpy(),
        "random": rng.random(len(df)),
        "popularity": df["log_orders_12m"].to_numpy() + tiny,
        "rfm": _rfm_score(df) + tiny,
        "item_cf": df["cf_score"].to_numpy() + tiny,
    }
    als = _als_scores(con, cutoff, level, df, seed)
    if als is not None:
        scores["als"] = als + tiny
    else:
        notes.append(
            "als skipped: the 'implicit' package is not installed (pip install -e .[bench])"
        )
    y = df["bought"].to_numpy().astype(int)
    item_codes = pd.factorize(df["item"])[0]
    client_codes = pd.factorize(df["client_id"])[0]
    cks = client_ks or ((1, 3, 5) if len(items) <= 30 else (5, 10, 20))
    i2c = pd.DataFrame({m: _ranking_metrics(item_codes, y, s, ks) for m, s in scores.items()}).T
    c2i = pd.DataFrame({m: _ranking_metrics(client_codes, y, s, cks) for m, s in scores.items()}).T
    return BacktestResult(
        cutoff=cutoff,
        horizon_days=cfg.horizon_days,
        level=level,
        new_buyers_only=new_buyers_only,
        items=len(items),
        clients=int(df["client_id"].nunique()),
        positives=int(y.sum()),
        item_to_clients=i2c,
        client_to_items=c2i,
        notes=notes,
    )
