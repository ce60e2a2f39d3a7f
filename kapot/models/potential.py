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
import os
import pickle
from concurrent.futures import ThreadPoolExecutor

import duckdb
import numpy as np
import pandas as pd

from kapot import runner
from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.models.engine import Engine, EngineConfig, History
from kapot.models.engine.als import BackgroundAls
from kapot.models.engine.config import ENGINE_STATE_VERSION
from kapot.models.engine.core import als_ahead
from kapot.store.warehouse import Warehouse

__all__ = ["score_warehouse", "start_scoring", "expected_values", "illiquid_skus"]


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

    Parameters
    ----------
    scored : pandas.DataFrame
        Scored pairs, as :meth:`kapot.models.engine.ServedRanker.score` returns them; the
        columns read are ``probability``, ``item_spend_12m`` and ``item_buyer_spend_12m``
        (money over the last 12 months).
    horizon_days : int
        The horizon the probability is for, in days (spend is scaled by it / 365).

    Returns
    -------
    numpy.ndarray
        The expected value per row of ``scored``, in the sales' currency, never negative.
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


def start_scoring(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    *,
    config: EngineConfig = EngineConfig(),
    levels: tuple[str, ...] = ("category", "sku"),
) -> tuple[History, dict[str, BackgroundAls]]:
    """Read the history and start the ALS fits that :func:`score_warehouse`'s engines will
    read, on one background thread, so that they run while the pipeline builds the profiles
    (at 100k clients: 16 fits, a minute of CPU, on the core the profiles leave idle).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection to the warehouse.
    as_of : datetime.date
        The scoring date.
    config : kapot.models.engine.EngineConfig
        The engine's settings.
    levels : tuple of str
        The levels that will be scored.

    Returns
    -------
    history : History
        The warehouse's history, for :func:`score_warehouse` (``started=``).
    ahead : dict
        Level -> its fits started (empty when :func:`score_warehouse` will refuse the
        history: no sales, or too little before ``as_of``).
    """
    history = History.from_con(con)
    ahead: dict[str, BackgroundAls] = {}
    if history.first_day is not None:
        first = (np.datetime64("1970-01-01") + np.timedelta64(history.first_day, "D")).astype(
            dt.date
        )
        if as_of > first + dt.timedelta(days=config.horizon_days):
            pool = ThreadPoolExecutor(1, thread_name_prefix="kapot-als")
            ahead = {lv: als_ahead(config, history, as_of, lv, pool) for lv in levels}
            pool.shutdown(wait=False)  # its queue runs to the end, then the thread stops
    return history, ahead


def _fit_level(
    history: History,
    as_of: dt.date,
    level: str,
    config: EngineConfig,
    top_skus: int,
    als: BackgroundAls | None,
) -> tuple[Engine, bytes, pd.DataFrame | None]:
    """One level's engine fitted, its served state pickled and (categories) its scores."""
    items = None if level == "category" else history.top_items(as_of, top_skus, "sku")
    eng = Engine(config).fit(history, as_of, level=level, items=items, als=als)
    ranker, snap = eng.ranker(), eng.snapshot()
    frame = None
    if level == "category":
        scored = ranker.score(snap, list(history.items("category")))
        frame = _stored_frame(scored, level, config.horizon_days)
    state = pickle.dumps((ENGINE_STATE_VERSION, ranker, snap.detached(config)), protocol=5)
    return eng, state, frame


def score_warehouse(
    as_of: dt.date,
    *,
    db: str | os.PathLike[str] | None = None,
    config: EngineConfig = EngineConfig(),
    top_skus: int = 50,
    levels: tuple[str, ...] = ("category", "sku"),
    started: tuple[History, dict[str, BackgroundAls]] | None = None,
) -> dict:
    """Validate the candidate rankers on the history before ``as_of``; store the best's scores.

    The candidates are validated per task and level, the best served, and stored:

    * ``potential``: one row per client and category (``level`` 'category') with the served
      probability, expected value and the reason inputs;
    * ``engine_state``: per level, the served ranker and the snapshot it scores (pickled), so
      the calculator can score any SKU a manager types without reading the sales;
    * ``validation``: per level, the validation report (JSON): folds, leaderboard on the test
      fold, the served ranker per task, the blend's weights, and notes on what could not be
      validated.

    Earlier results for the same date and horizon are replaced.

    Parameters
    ----------
    as_of : datetime.date
        The scoring date: only sales before it are read, and the horizon starts on it.
    db : str or os.PathLike, optional
        The warehouse file (default: ``KAPOT_DB`` or ``data/kapot.duckdb``).
    config : kapot.models.engine.EngineConfig
        The engine's settings; ``config.horizon_days`` is the horizon.
    top_skus : int
        The SKU level validates and serves the ``top_skus`` items with the most lines before
        ``as_of``.
    levels : tuple of str
        The levels to score, of ``'category'`` and ``'sku'`` (backtests of one level limit it).
    started : tuple, optional
        What :func:`start_scoring` returned for this warehouse, ``as_of``, ``config`` and
        ``levels`` (the history read and its ALS fits started); default read here.

    Returns
    -------
    dict
        ``rows`` (rows stored in ``potential`` per level: only the category level stores
        rows), ``reports`` (the validation report per level, as stored) and ``engines`` (the
        fitted :class:`~kapot.models.engine.Engine` per level).

    Raises
    ------
    KapotError
        When the warehouse holds no sales, or not more than ``config.horizon_days`` of history
        before ``as_of``.
    """
    rows: dict[str, int] = {}
    reports: dict[str, dict] = {}
    engines: dict[str, Engine] = {}
    with Warehouse(db).write() as con:
        history, ahead = started if started is not None else (History.from_con(con), {})
        if history.first_day is None:
            raise KapotError(tr("potential.no_sales"))
        first = (np.datetime64("1970-01-01") + np.timedelta64(history.first_day, "D")).astype(
            dt.date
        )
        if as_of <= first + dt.timedelta(days=config.horizon_days):
            raise KapotError(tr("potential.too_little_history", days=config.horizon_days))
        invoices = bool(runner.scalar(con, "potential/invoice_count"))
        # the levels are fitted side by side, the first on a thread of its own: each is one
        # long chain of steps, and most of them (trees, sparse products, numpy) release the
        # GIL, so the second core works while the other level waits on its own steps
        with ThreadPoolExecutor(1, thread_name_prefix="kapot-level") as ex:
            later = [
                ex.submit(_fit_level, history, as_of, lv, config, top_skus, ahead.get(lv))
                for lv in levels[:1]
            ]
            done = [
                _fit_level(history, as_of, lv, config, top_skus, ahead.get(lv)) for lv in levels[1:]
            ]
            done = [f.result() for f in later] + done
        states, frames = [], []
        for level, (eng, state, frame) in zip(levels, done, strict=True):
            engines[level] = eng
            reports[level] = eng.report() | {"has_categories": history.has_categories}
            if not invoices:
                reports[level]["notes"].append("no_invoices")
            states.append({"level": level, "state": state})
            if frame is not None:
                frames.append(frame)
                rows[level] = len(frame)
        out = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=[*_STORED, "level"])
        )
        out["as_of"] = pd.Timestamp(as_of)
        out["horizon_days"] = config.horizon_days
        meta = {"as_of": as_of, "h": config.horizon_days}
        con.register("_scores", out)
        runner.execute(con, "potential_schema")  # DDL, beside schema.sql
        for table in ("scores", "engine_state", "validation"):
            runner.execute(con, f"potential/delete_{table}", **meta)
        runner.execute(con, "potential/insert_scores")
        con.unregister("_scores")
        for st in states:
            runner.execute(con, "potential/insert_engine_state", **meta, **st)
        for level, rep in reports.items():
            report = json.dumps(rep, default=str)
            runner.execute(con, "potential/insert_validation", **meta, level=level, report=report)
    return {"rows": rows, "reports": reports, "engines": engines}


def illiquid_skus(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, *, min_age_days: int = 180
) -> list[str]:
    """SKUs we can supply (in assortment, on stock) whose stock arrived ``min_age_days`` or more
    before ``as_of``: the slow movers to find buyers for.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection to the warehouse (its ``products`` table).
    as_of : datetime.date
        The date the stock's age is measured at.
    min_age_days : int
        Days since ``stock_since`` from which a SKU counts as illiquid.

    Returns
    -------
    list of str
        The SKUs, sorted. A product with no ``in_assortment`` value counts as in assortment.
    """
    got = runner.execute(con, "potential/illiquid_by_age", as_of=as_of, min_age_days=min_age_days)
    return [r[0] for r in got]
