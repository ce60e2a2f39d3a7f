"""The potential engine: who is likely to buy which item (category or SKU) within a horizon.

For every client (buyers and prospects) and item, :class:`PotentialModel` estimates the
probability of a purchase in the ``horizon_days`` after ``as_of`` and the expected value. It is
a next-product-to-buy model learned from the company's own history: gradient-boosted trees
(scikit-learn's ``HistGradientBoostingClassifier``) trained on several past cutoffs, each
labelled with what clients actually bought in the horizon after it. Its inputs, all computed
from data strictly before the cutoff:

* the client: size, frequency, recency, tenure, trend, breadth, payment discipline, prospect;
* the client and the item: past purchases of it, recency, months bought, share of spend, and
  what it bought of it in the same season last year;
* peers ("white space"): the share of clients of the same industry, region and size tier
  that buy the item; and item-to-item collaborative filtering (clients who buy what this
  client buys also buy this item);
* timing: the share of the client's and of the item's yearly orders that fall in the horizon
  months (a client whose peak falls in the horizon ranks higher for it);
* the item: how many clients bought it lately.

Prospects have no history: their scores come from the peer features alone (lookalikes by
industry, region and size), and ``scored_by`` says so. The expected value is the probability
times the expected spend when buying (a second boosted model on log spend).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from kapot.features import client_features, monthly_orders, run_sql

__all__ = [
    "PotentialConfig",
    "PotentialModel",
    "pair_features",
    "FEATURES",
    "all_items",
    "horizon_months",
]

FEATURES = (
    "is_prospect",
    "log_revenue_12m",
    "log_revenue_3m",
    "log_orders_12m",
    "recency_days",
    "tenure_days",
    "trend_12m",
    "distinct_categories",
    "off_assortment_share",
    "late_share",
    "pays_on_time",
    "has_bought",
    "log_item_revenue_12m",
    "log_item_revenue_3m",
    "item_months_12m",
    "item_days_since",
    "item_share_12m",
    "log_item_same_season_ly",
    "adopt_industry",
    "adopt_region",
    "adopt_size",
    "cf_score",
    "cf_recent",
    "svd_score",
    "cf_score_pct",
    "cf_recent_pct",
    "svd_score_pct",
    "new_items_90d",
    "items_90d",
    "client_horizon_share",
    "item_horizon_share",
    "item_popularity",
)


@dataclass(frozen=True)
class PotentialConfig:
    """``n_cutoffs`` past cutoffs make the training set: the latest one horizon before the
    scoring date (so its labels are known), the others ``cutoff_step_days`` apart before it."""

    horizon_days: int = 90
    level: str = "category"
    n_cutoffs: int = 6
    cutoff_step_days: int = 30
    # shallow, slow, heavily regularised trees: chosen on Online Retail II's 2010-06-01
    # validation cutoff (precision@50 0.142 vs 0.057 for 300 deeper trees); purchase labels
    # are rare and past cutoffs few, so a flexible model learns noise
    max_iter: int = 60
    learning_rate: float = 0.05
    max_depth: int = 3
    min_samples_leaf: int = 500
    random_state: int = 0


def all_items(con: duckdb.DuckDBPyConnection, level: str) -> list[str]:
    """Every category (or SKU) that appears in the sales."""
    if level == "sku":
        q = "SELECT DISTINCT sku FROM sales ORDER BY 1"
    else:
        q = "SELECT DISTINCT coalesce(p.category, '?') FROM sales s LEFT JOIN products p USING (sku) ORDER BY 1"
    return [r[0] for r in con.execute(q).fetchall()]


def horizon_months(as_of: dt.date, horizon_days: int) -> np.ndarray:
    """Weight of each calendar month (index 0 = January) in the horizon, summing to 1."""
    days = pd.date_range(as_of, periods=horizon_days, freq="D")
    return np.bincount(days.month.to_numpy() - 1, minlength=12) / horizon_days


def _profiles(monthly: pd.DataFrame, key: str) -> pd.DataFrame:
    """Share of each key's orders per calendar month (rows keys, columns 0..11)."""
    if monthly.empty:
        return pd.DataFrame(columns=range(12), dtype=float)
    m = monthly.assign(cal=pd.DatetimeIndex(monthly["month"]).month - 1)
    table = m.pivot_table(index=key, columns="cal", values="orders", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=range(12), fill_value=0)
    return table.div(table.sum(axis=1).replace(0, np.nan), axis=0).fillna(0)


def _collaborative(con, as_of: dt.date, level: str, items: list[str], clients: pd.Index) -> dict:
    """Collaborative signals from clients' purchases of every item of the level:

    * ``cf_score``: item-based CF, the sum of cosine similarities between the target item and
      the items the client bought in the last 24 months;
    * ``cf_recent``: the same from the items bought in the last 90 days;
    * ``svd_score``: a low-rank reconstruction (truncated SVD of the log purchase counts) of the
      client's affinity to the item, the matrix-factorisation view of the same data;
    * ``new_items_90d`` / ``items_90d``: how many items the client bought for the first time, and
      at all, in the last 90 days (clients who explore are the likely new buyers).
    """
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD

    q = """
        SELECT s.client_id,
               CASE WHEN $level = 'sku' THEN s.sku ELSE coalesce(p.category, '?') END AS item,
               count(*) FILTER (WHERE s.date >= CAST($as_of AS DATE) - INTERVAL 24 MONTH) AS n24,
               count(*) FILTER (WHERE s.date >= CAST($as_of AS DATE) - INTERVAL 90 DAY) AS n90,
               min(s.date) >= CAST($as_of AS DATE) - INTERVAL 90 DAY AS new90
        FROM sales s LEFT JOIN products p USING (sku)
        WHERE s.date < $as_of AND NOT s.is_return
        GROUP BY ALL
    """
    bought = con.execute(q, {"level": level, "as_of": as_of}).df()
    n_c, n_t = len(clients), len(items)
    zeros = np.zeros((n_c, n_t))
    empty = {
        "cf_score": zeros,
        "cf_recent": zeros,
        "svd_score": zeros,
        "new_items_90d": np.zeros(n_c),
        "items_90d": np.zeros(n_c),
    }
    if bought.empty:
        return empty
    rows = clients.get_indexer(bought["client_id"])
    ok = rows >= 0
    bought, rows = bought[ok], rows[ok]
    per_client = pd.DataFrame(
        {"r": rows, "new": bought["new90"].to_numpy(), "recent": bought["n90"].to_numpy() > 0}
    )
    new_items = np.bincount(per_client["r"], weights=per_client["new"].astype(float), minlength=n_c)
    recent_items = np.bincount(
        per_client["r"], weights=per_client["recent"].astype(float), minlength=n_c
    )
    b24 = bought[bought["n24"] > 0]
    r24 = clients.get_indexer(b24["client_id"])
    all_it = pd.Index(sorted(set(b24["item"]) | set(items)))
    cols = all_it.get_indexer(b24["item"])
    x = sparse.csr_matrix((np.ones(len(b24)), (r24, cols)), shape=(n_c, len(all_it)))
    norms = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
    norms[norms == 0] = 1
    target = all_it.get_indexer(items)
    co = (x.T @ x[:, target]).toarray()  # (all items, targets)
    sim = co / norms[:, None] / norms[target][None, :]
    sim[target, np.arange(n_t)] = 0  # an item does not recommend itself
    cf = np.asarray(x @ sim)
    b90 = bought[bought["n90"] > 0]
    x90 = sparse.csr_matrix(
        (
            np.ones(len(b90)),
            (clients.get_indexer(b90["client_id"]), all_it.get_indexer(b90["item"])),
        ),
        shape=x.shape,
    )
    cf_recent = np.asarray(x90 @ sim)
    # binary purchases, 32 factors: chosen on Online Retail II's 2010-06-01 validation cutoff
    # (binary beat log counts there), not on the 2010-09-01 test cutoff
    k = min(32, len(all_it) - 1)
    if k >= 2 and x.nnz > k:
        svd = TruncatedSVD(n_components=k, random_state=0).fit(x)
        svd_score = svd.transform(x) @ svd.components_[:, target]
    else:
        svd_score = zeros
    return {
        "cf_score": cf,
        "cf_recent": cf_recent,
        "svd_score": svd_score,
        "new_items_90d": new_items,
        "items_90d": recent_items,
    }


def pair_features(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    *,
    horizon_days: int = 90,
    level: str = "category",
    items: list[str] | None = None,
) -> pd.DataFrame:
    """One row per client and item with the model's features (see the module docstring), the
    label columns ``future_amount`` / ``future_quantity`` (what was bought in the horizon; zero
    when the horizon is in the future) and ``bought`` (label)."""
    items = list(items) if items is not None else all_items(con, level)
    feats = client_features(con, as_of)
    attrs = con.execute("SELECT client_id, industry, region FROM clients").df()
    feats = feats.merge(attrs, on="client_id", how="left")
    from kapot.segments import size_tiers

    feats = feats.merge(size_tiers(feats), on="client_id", how="left")
    clients = pd.Index(feats["client_id"])
    n_c, n_i = len(clients), len(items)
    hist = run_sql(con, "pair_history", as_of, horizon=horizon_days, level=level, items=items)

    base = pd.DataFrame(
        {
            "client_id": np.repeat(clients.to_numpy(), n_i),
            "item": np.tile(np.array(items, dtype=object), n_c),
        }
    )
    df = base.merge(hist, on=["client_id", "item"], how="left")
    cf = feats.set_index("client_id")
    rep = lambda col: np.repeat(cf[col].to_numpy(), n_i)  # noqa: E731
    out = pd.DataFrame({"client_id": df["client_id"], "item": df["item"]})
    out["is_prospect"] = rep("is_prospect").astype(float)
    out["log_revenue_12m"] = np.log1p(np.clip(rep("revenue_12m").astype(float), 0, None))
    out["log_revenue_3m"] = np.log1p(np.clip(rep("revenue_3m").astype(float), 0, None))
    out["log_orders_12m"] = np.log1p(rep("orders_12m").astype(float))
    out["recency_days"] = (
        pd.to_numeric(pd.Series(rep("recency_days")), errors="coerce").fillna(9999).to_numpy()
    )
    out["tenure_days"] = (
        pd.to_numeric(pd.Series(rep("tenure_days")), errors="coerce").fillna(0).to_numpy()
    )
    out["trend_12m"] = np.clip(
        pd.to_numeric(pd.Series(rep("trend_12m")), errors="coerce").to_numpy(), -1, 3
    )
    out["distinct_categories"] = rep("distinct_categories").astype(float)
    out["off_assortment_share"] = rep("off_assortment_share").astype(float)
    out["late_share"] = pd.to_numeric(pd.Series(rep("late_share")), errors="coerce").to_numpy()
    pot = pd.Series(rep("pays_on_time"))
    out["pays_on_time"] = pot.map({True: 1.0, False: 0.0}).astype(float).to_numpy()
    lines = df["item_lines"].fillna(0).to_numpy()
    out["has_bought"] = (lines > 0).astype(float)
    rev12 = df["item_revenue_12m"].fillna(0).to_numpy(dtype=float)
    out["log_item_revenue_12m"] = np.log1p(np.clip(rev12, 0, None))
    out["log_item_revenue_3m"] = np.log1p(
        np.clip(df["item_revenue_3m"].fillna(0).to_numpy(dtype=float), 0, None)
    )
    out["item_months_12m"] = df["item_months_12m"].fillna(0).to_numpy(dtype=float)
    out["item_days_since"] = df["item_days_since"].fillna(9999).to_numpy(dtype=float)
    total12 = rep("revenue_12m").astype(float)
    out["item_share_12m"] = np.divide(rev12, total12, out=np.zeros_like(rev12), where=total12 > 0)
    ly = df["item_revenue_same_season_ly"].fillna(0).to_numpy(dtype=float)
    out["log_item_same_season_ly"] = np.log1p(np.clip(ly, 0, None))

    # peers: the share of the client's industry / region / size tier buying the item
    # (the client itself left out, so a client is not its own evidence)
    adopter = rev12 > 0
    for col, name in (
        ("industry", "adopt_industry"),
        ("region", "adopt_region"),
        ("size_tier", "adopt_size"),
    ):
        grp = pd.Series(rep(col)).astype("object").fillna("?").to_numpy()
        key = pd.DataFrame({"g": grp, "item": out["item"].to_numpy(), "a": adopter.astype(float)})
        sums = key.groupby(["g", "item"])["a"].transform("sum").to_numpy()
        sizes = key.groupby(["g", "item"])["a"].transform("size").to_numpy()
        out[name] = (sums - adopter) / np.maximum(sizes - 1, 1)

    collab = _collaborative(con, as_of, level, items, clients)
    out["cf_score"] = collab["cf_score"].ravel()
    out["cf_recent"] = collab["cf_recent"].ravel()
    out["svd_score"] = collab["svd_score"].ravel()
    # the same signals as percentiles among all clients for the item: rankings are per item,
    # and raw scores are on different scales from one item to the next
    for col in ("cf_score", "cf_recent", "svd_score"):
        out[f"{col}_pct"] = out.groupby("item")[col].rank(pct=True).to_numpy()
    out["new_items_90d"] = np.repeat(collab["new_items_90d"], n_i)
    out["items_90d"] = np.repeat(collab["items_90d"], n_i)

    # timing: the share of yearly orders in the horizon's months
    weights = horizon_months(as_of, horizon_days)
    prof = _profiles(monthly_orders(con, as_of), "client_id").reindex(clients).fillna(0)
    out["client_horizon_share"] = np.repeat(prof.to_numpy() @ weights, n_i)
    item_monthly = (
        run_sql(con, "category_monthly", as_of)
        if level != "sku"
        else _sku_monthly(con, as_of, items)
    )
    item_key = "category" if level != "sku" else "sku"
    iprof = _profiles(item_monthly, item_key).reindex(items).fillna(0)
    out["item_horizon_share"] = np.tile(iprof.to_numpy() @ weights, n_c)
    recent = (
        pd.Series(df["item_revenue_3m"].fillna(0).to_numpy() > 0)
        .groupby(out["item"].to_numpy())
        .mean()
    )
    out["item_popularity"] = out["item"].map(recent).to_numpy(dtype=float)
    out["future_amount"] = df["future_amount"].fillna(0).to_numpy(dtype=float)
    out["future_quantity"] = df["future_quantity"].fillna(0).to_numpy(dtype=float)
    out["bought"] = out["future_amount"] > 0
    return out


def _sku_monthly(con, as_of: dt.date, items: list[str]) -> pd.DataFrame:
    q = """
        SELECT sku, date_trunc('month', date) AS month,
               count(DISTINCT coalesce(invoice_id, client_id || '@' || CAST(date AS VARCHAR))) AS orders
        FROM sales
        WHERE date < $as_of AND NOT is_return AND sku IN (SELECT unnest(CAST($items AS VARCHAR[])))
        GROUP BY ALL
    """
    return con.execute(q, {"as_of": as_of, "items": items}).df()


@dataclass
class PotentialModel:
    """Fit on past cutoffs before ``as_of``, then score every client and item at ``as_of``."""

    config: PotentialConfig = field(default_factory=PotentialConfig)

    def fit(
        self, con: duckdb.DuckDBPyConnection, as_of: dt.date, *, items: list[str] | None = None
    ) -> PotentialModel:
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        cfg = self.config
        self.items_ = list(items) if items is not None else all_items(con, cfg.level)
        frames = []
        first_sale = con.execute("SELECT min(date) FROM sales").fetchall()[0][0]
        for k in range(1, cfg.n_cutoffs + 1):
            cutoff = as_of - dt.timedelta(days=cfg.horizon_days + cfg.cutoff_step_days * (k - 1))
            if first_sale is None or cutoff <= first_sale + dt.timedelta(days=cfg.horizon_days):
                break
            frames.append(
                pair_features(
                    con, cutoff, horizon_days=cfg.horizon_days, level=cfg.level, items=self.items_
                )
            )
        if not frames:
            from kapot.errors import KapotError
            from kapot.i18n import tr

            raise KapotError(tr("potential.too_little_history", days=cfg.horizon_days))
        train = pd.concat(frames, ignore_index=True)
        self.n_cutoffs_ = len(frames)
        self.train_rows_ = len(train)
        self.base_rate_ = float(train["bought"].mean())
        x = train[list(FEATURES)].to_numpy(dtype=float)
        # a feature the data never has (no invoices: no payment discipline) carries nothing
        self.empty_features_ = np.isnan(x).all(axis=0)
        x[:, self.empty_features_] = 0.0
        # two models: repeat purchases of an item the client already buys, and first purchases
        # (white space); their base rates differ by an order of magnitude and so do their drivers
        y = train["bought"].to_numpy()
        repeat = train["has_bought"].to_numpy() > 0
        self.classifiers_ = {}
        for name, rows in (("repeat", repeat), ("new", ~repeat)):
            if y[rows].any() and not y[rows].all():
                self.classifiers_[name] = HistGradientBoostingClassifier(
                    max_iter=cfg.max_iter,
                    learning_rate=cfg.learning_rate,
                    max_depth=cfg.max_depth,
                    min_samples_leaf=cfg.min_samples_leaf,
                    l2_regularization=1.0,
                    early_stopping=False,
                    random_state=cfg.random_state,
                ).fit(x[rows], y[rows])
            else:
                self.classifiers_[name] = float(y[rows].mean()) if rows.any() else 0.0
        pos = train["bought"].to_numpy()
        self.regressor_ = HistGradientBoostingRegressor(
            max_iter=150,
            learning_rate=0.08,
            min_samples_leaf=50,
            random_state=cfg.random_state,
        ).fit(x[pos], np.log1p(train.loc[pos, "future_amount"].clip(lower=0)).to_numpy())
        self.unit_value_ = (
            train.loc[pos].groupby("item")["future_amount"].sum()
            / train.loc[pos].groupby("item")["future_quantity"].sum()
        ).replace([np.inf, -np.inf], np.nan)
        return self

    def score(self, con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
        """Probability and expected value for every client and item at ``as_of``."""
        cfg = self.config
        feats = pair_features(
            con, as_of, horizon_days=cfg.horizon_days, level=cfg.level, items=self.items_
        )
        return self._predict(feats)

    def _predict(self, feats: pd.DataFrame) -> pd.DataFrame:
        x = feats[list(FEATURES)].to_numpy(dtype=float)
        x[:, self.empty_features_] = 0.0
        repeat = feats["has_bought"].to_numpy() > 0
        p = np.zeros(len(x))
        for name, rows in (("repeat", repeat), ("new", ~repeat)):
            model = self.classifiers_[name]
            if not rows.any():
                continue
            p[rows] = (
                model.predict_proba(x[rows])[:, 1] if hasattr(model, "predict_proba") else model
            )
        spend = np.expm1(self.regressor_.predict(x)).clip(min=0)
        out = feats.drop(columns=["future_amount", "future_quantity", "bought"]).copy()
        out["probability"] = p
        out["expected_value"] = p * spend
        unit = feats["item"].map(self.unit_value_).to_numpy(dtype=float)
        out["expected_quantity"] = np.where(
            np.isfinite(unit) & (unit > 0), p * spend / np.where(unit > 0, unit, 1), np.nan
        )
        out["scored_by"] = np.where(feats["is_prospect"] > 0, "lookalike", "history")
        for col in ("future_amount", "future_quantity", "bought"):
            out[col] = feats[col].to_numpy()
        return out


_STORED = (
    "client_id",
    "item",
    "probability",
    "expected_value",
    "expected_quantity",
    "scored_by",
    "has_bought",
    "item_months_12m",
    "item_revenue_same_season_ly",
    "adopt_industry",
    "adopt_region",
    "cf_score_pct",
    "svd_score_pct",
    "client_horizon_share",
)


def score_warehouse(
    as_of: dt.date,
    *,
    db=None,
    config: PotentialConfig = PotentialConfig(),
    skus: list[str] | None = None,
) -> dict[str, int]:
    """Fit on the warehouse's history before ``as_of`` and store the scores in ``potential``
    (one row per client and category, ``level`` 'category'; plus one per client and SKU for
    ``skus``, level 'sku'), replacing earlier scores for the same date and horizon."""
    from kapot.warehouse import Warehouse

    rows: dict[str, int] = {}
    with Warehouse(db).write() as con:
        frames = []
        for level, items in (("category", None), ("sku", skus)):
            if level == "sku" and not items:
                continue
            cfg = PotentialConfig(**{**config.__dict__, "level": level})
            model = PotentialModel(cfg).fit(con, as_of, items=items)
            scored = model.score(con, as_of)
            scored["item_revenue_same_season_ly"] = np.expm1(scored["log_item_same_season_ly"])
            frame = scored[list(_STORED)].assign(level=level)
            frames.append(frame)
            rows[level] = len(frame)
        out = pd.concat(frames, ignore_index=True)
        out["as_of"] = pd.Timestamp(as_of)
        out["horizon_days"] = config.horizon_days
        con.register("_scores", out)
        con.execute("CREATE TABLE IF NOT EXISTS potential AS SELECT * FROM _scores LIMIT 0")
        con.execute(
            "DELETE FROM potential WHERE as_of = $a AND horizon_days = $h",
            {"a": as_of, "h": config.horizon_days},
        )
        con.execute("INSERT INTO potential BY NAME SELECT * FROM _scores")
        con.unregister("_scores")
    return rows


def illiquid_skus(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, *, min_age_days: int = 180
) -> list[str]:
    """SKUs we can supply (in assortment, on stock) whose stock arrived ``min_age_days`` or more
    before ``as_of``: the slow movers to find buyers for."""
    q = """
        SELECT sku FROM products
        WHERE coalesce(in_assortment, true) AND stock_qty > 0
          AND stock_since <= CAST($a AS DATE) - to_days(CAST($d AS INTEGER))
        ORDER BY sku
    """
    return [r[0] for r in con.execute(q, {"a": as_of, "d": min_age_days}).fetchall()]
