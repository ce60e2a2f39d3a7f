"""Potential scores of a warehouse: who is likely to buy which item within a horizon.

:func:`score_warehouse` runs the self-validating engine (:mod:`kapot.models.engine`) on the
warehouse's history before a date, for categories and for SKUs, and stores what the faces read:
the served probability and expected value per client and category (``potential``), the served
SKU ranker with the snapshot it scores (``engine_state``: any SKU can be scored on demand), and
the validation report (``validation``: the leaderboard on the user's own history). Prospects
have no history: their scores come from peers (``scored_by`` = 'lookalike').
"""

from __future__ import annotations

import datetime as dt
import json
import pickle

import duckdb
import numpy as np
import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.models.engine import Engine, EngineConfig, History, ServedRanker, Snapshot

__all__ = [
    "score_warehouse",
    "expected_values",
    "read_validation",
    "read_engine_state",
    "illiquid_skus",
    "all_items",
    "horizon_months",
]


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


def expected_values(scored: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """Probability x what the client would spend on the item in the horizon if it buys: its
    own last-12-month spend on the item scaled to the horizon, or (first purchases) the median
    buyer's.

    ``scored`` needs probability, item_spend_12m and item_buyer_spend_12m (see
    :meth:`kapot.models.engine.ServedRanker.score`).

    Columns of ``scored``: probability, item_spend_12m, item_buyer_spend_12m.
    """
    own = scored["item_spend_12m"].to_numpy(dtype=float)
    typical = scored["item_buyer_spend_12m"].to_numpy(dtype=float)
    spend = np.where(own > 0, own, typical) * horizon_days / 365.0
    return scored["probability"].to_numpy(dtype=float) * np.clip(spend, 0, None)


def _stored_frame(scored: pd.DataFrame, level: str, horizon_days: int) -> pd.DataFrame:
    out = scored.copy()
    out["expected_value"] = expected_values(scored, horizon_days)
    out["expected_quantity"] = np.nan  # units need a SKU's price: Calculator.illiquid
    out["scored_by"] = np.where(out["is_prospect"] > 0, "lookalike", "history")
    return out[list(_STORED)].assign(level=level)


def score_warehouse(
    as_of: dt.date,
    *,
    db=None,
    config: EngineConfig = EngineConfig(),
    top_skus: int = 50,
    levels: tuple[str, ...] = ("category", "sku"),
) -> dict:
    """Validate the candidate rankers on the warehouse's history before ``as_of``, serve the
    best per task and level, and store:

    * ``potential``: one row per client and category (``level`` 'category') with the served
      probability, expected value and the reason inputs;
    * ``engine_state``: per level, the served ranker and the snapshot it scores (pickled), so
      the calculator can score any SKU a manager types without reading the sales;
    * ``validation``: per level, the validation report (JSON): folds, leaderboard on the test
      fold, the served ranker per task, the blend's weights, and notes on what could not be
      validated.

    Earlier results for the same date and horizon are replaced. Returns the rows stored per
    level, the reports and the fitted engines (``rows``, ``reports``, ``engines``). ``levels``
    limits the work to some levels (backtests of one level)."""
    from kapot.store.warehouse import Warehouse

    rows: dict[str, int] = {}
    reports: dict[str, dict] = {}
    engines: dict[str, Engine] = {}
    with Warehouse(db).write() as con:
        history = History.from_con(con)
        if history.first_day is None:
            raise KapotError(tr("potential.no_sales"))
        first = (np.datetime64("1970-01-01") + np.timedelta64(history.first_day, "D")).astype(
            dt.date
        )
        if as_of <= first + dt.timedelta(days=config.horizon_days):
            raise KapotError(tr("potential.too_little_history", days=config.horizon_days))
        states = []
        frames = []
        for level in levels:
            items = None if level == "category" else history.top_items(as_of, top_skus, "sku")
            eng = Engine(config).fit(history, as_of, level=level, items=items)
            reports[level] = eng.report() | {"has_categories": history.has_categories}
            if not con.execute("SELECT count(*) FROM invoices").fetchall()[0][0]:
                reports[level]["notes"].append("no_invoices")
            engines[level] = eng
            ranker = eng.ranker()
            snap = eng.snapshot()
            if level == "category":
                scored = ranker.score(snap, list(history.items("category")))
                frames.append(_stored_frame(scored, level, config.horizon_days))
                rows[level] = len(frames[-1])
            states.append(
                {"level": level, "state": pickle.dumps((ranker, snap.detached(config)), protocol=5)}
            )
        out = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=[*_STORED, "level"])
        )
        out["as_of"] = pd.Timestamp(as_of)
        out["horizon_days"] = config.horizon_days
        meta = {"as_of": as_of, "h": config.horizon_days}
        con.register("_scores", out)
        con.execute("CREATE TABLE IF NOT EXISTS potential AS SELECT * FROM _scores LIMIT 0")
        con.execute("DELETE FROM potential WHERE as_of = $as_of AND horizon_days = $h", meta)
        con.execute("INSERT INTO potential BY NAME SELECT * FROM _scores")
        con.unregister("_scores")
        con.execute(
            """CREATE TABLE IF NOT EXISTS engine_state
               (as_of DATE, horizon_days INTEGER, level VARCHAR, state BLOB)"""
        )
        con.execute(
            """CREATE TABLE IF NOT EXISTS validation
               (as_of DATE, horizon_days INTEGER, level VARCHAR, report JSON)"""
        )
        for table in ("engine_state", "validation"):
            con.execute(f"DELETE FROM {table} WHERE as_of = $as_of AND horizon_days = $h", meta)
        for st in states:
            con.execute("INSERT INTO engine_state VALUES ($as_of, $h, $level, $state)", meta | st)
        for level, rep in reports.items():
            con.execute(
                "INSERT INTO validation VALUES ($as_of, $h, $level, $report)",
                meta | {"level": level, "report": json.dumps(rep, default=str)},
            )
    return {"rows": rows, "reports": reports, "engines": engines}


def read_validation(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, horizon_days: int
) -> dict[str, dict]:
    """The stored validation reports per level for a scored date (empty if none)."""
    has = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "validation" not in has:
        return {}
    got = con.execute(
        "SELECT level, report FROM validation WHERE as_of = $a AND horizon_days = $h",
        {"a": as_of, "h": horizon_days},
    ).fetchall()
    return {lvl: json.loads(rep) for lvl, rep in got}


def read_engine_state(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, horizon_days: int, level: str
) -> tuple[ServedRanker, Snapshot] | None:
    """The served ranker and its snapshot for a level, as :func:`score_warehouse` stored them
    (the warehouse is written only by kapot's own pipeline, so its pickles are trusted)."""
    has = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "engine_state" not in has:
        return None
    got = con.execute(
        "SELECT state FROM engine_state WHERE as_of = $a AND horizon_days = $h AND level = $l",
        {"a": as_of, "h": horizon_days, "l": level},
    ).fetchall()
    return pickle.loads(got[0][0]) if got else None


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
