"""The one pipeline: everything derived from the warehouse's data, for a date, in one publish.

:func:`run` computes, from sales strictly before ``as_of``: client features and categories,
seasonality (per client, category and client x category, and the pairs' timing for the
engine's horizon), segments, optionally the potential
scores with their validation (:func:`kapot.models.potential.score_warehouse`), and the read tables
the faces show (``client_profile``, ``card_monthly``, ``card_categories``, ``card_payments``,
``product_stock``, and the weekly report's facts ``report_weeks``, ``report_clients``,
``report_order_mix``, ``report_span``: :func:`report_facts`; who buys each category and SKU,
``item_buyers``). All of it is written into one
private copy of the warehouse and published with one atomic rename
(:meth:`kapot.store.warehouse.Warehouse.write`), together with a row in ``runs`` (date, start,
end, steps with their seconds, row counts, code version). A reader sees
the previous run or this one, whole; a step that fails publishes nothing. Nothing else in kapot
orchestrates these steps: the CLI, the weekly report and the bench call :func:`run`, and the
faces read what it published through :mod:`kapot.pipeline.snapshot`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
from tqdm.auto import tqdm

from kapot import __version__, runner
from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.models.engine import EngineConfig
from kapot.models.features import (
    category_monthly,
    client_categories,
    client_category_monthly,
    client_features,
    client_industries,
    monthly_orders,
)
from kapot.models.potential import score_warehouse, start_scoring
from kapot.models.seasonality import (
    SeasonalityConfig,
    client_seasonality,
    pair_seasonality,
    profile_seasonality,
)
from kapot.models.segments import SegmentConfig, segment_clients
from kapot.models.timing import pair_timing
from kapot.pipeline.snapshot import PROFILE_TABLES, READ_TABLES
from kapot.store.warehouse import Warehouse

__all__ = [
    "PipelineConfig",
    "RunReport",
    "run",
    "run_plan",
    "PROFILE_TABLES",
    "READ_TABLES",
    "code_version",
    "report_facts",
]


@dataclass(frozen=True)
class PipelineConfig:
    """What a run computes. ``score`` False stops after the profiles and read tables (a
    backtest scores on its own); ``card_payments`` is how many invoices a client card lists;
    stock is illiquid when it arrived ``illiquid_days`` or more before the date.

    Parameters
    ----------
    seasonality, segments, engine : SeasonalityConfig, SegmentConfig, EngineConfig
        The models' settings (their defaults otherwise); ``engine.horizon_days`` is the
        scores' horizon and the pairs' timing's.
    score : bool, default True
        Score the potential (with its validation) in the same publish.
    top_skus : int, default 50
        The SKU level scores this many SKUs, those with the most sales lines before the date.
    card_payments : int, default 60
        Invoices listed per client card.
    illiquid_days : int, default 180
        Stock that arrived this many days or more before the date is illiquid.
    order_mix_weeks : int, default 13
        Weeks of the weekly report's order-taker facts.
    who_buys_months : int, default 24
        A category's or SKU's buyers bought it in these months before the date.
    """

    seasonality: SeasonalityConfig = SeasonalityConfig()
    segments: SegmentConfig = SegmentConfig()
    engine: EngineConfig = EngineConfig()
    score: bool = True
    top_skus: int = 50
    card_payments: int = 60
    illiquid_days: int = 180
    order_mix_weeks: int = 13  # weeks of order-taker facts (kapot.faces.report.ORDER_MIX_WEEKS)
    who_buys_months: int = 24  # a category's or SKU's buyers bought it in these months


@dataclass
class RunReport:
    """What a run published: its date, ``rows`` per table, ``seconds`` per step, the
    clustering's k and stability, the validation ``reports`` per level (when it scored).

    Attributes
    ----------
    as_of : datetime.date
        The date built.
    run_id : int or None
        Its row in ``runs`` (None until published).
    horizon_days : int or None
        The scores' horizon in days; None when not scored.
    rows : dict of str to int
        Rows published per table (``potential``: all levels' scores together).
    seconds : dict of str to float
        Wall seconds per step.
    cluster_k, cluster_stability : int or None, float or None
        The clustering's number of clusters and its stability (mean adjusted Rand index); None
        without a clustering.
    reports : dict of str to dict
        The validation report per level (``category``, ``sku``); empty when not scored.
    code_version : str
        :func:`code_version` of the code that ran.
    """

    as_of: dt.date
    run_id: int | None = None
    horizon_days: int | None = None
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cluster_k: int | None = None
    cluster_stability: float | None = None
    reports: dict[str, dict] = field(default_factory=dict)
    code_version: str = ""


@cache
def code_version() -> str:
    """kapot's version and a digest of its code and SQL, so a run names the code that made it.

    Returns
    -------
    str
        ``VERSION+DIGEST``: the package version and the first 12 hex digits of the SHA-256
        of every ``.py`` and ``.sql`` file's path and bytes under ``kapot/`` (computed once
        per process).
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.sql")]):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def publish(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, as_of: dt.date) -> int:
    """Store ``frame`` as table ``name``'s rows for ``as_of`` (rows of other dates stay; a
    table whose columns changed is recreated).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A writer's connection (inside :meth:`kapot.store.warehouse.Warehouse.write`).
    name : str
        The table, a plain lower-case name (:func:`kapot.runner.identifier`).
    frame : pandas.DataFrame
        The rows, any columns; an ``as_of`` column (the date, as a timestamp) is added, or
        overwritten. The frame itself is not changed.
    as_of : datetime.date
        The date whose rows are replaced.

    Returns
    -------
    int
        The rows stored.
    """
    table = runner.identifier(name)
    frame = frame.copy()
    frame["as_of"] = pd.Timestamp(as_of)
    con.register("_result", frame)
    try:
        exists = runner.has_table(con, name)
        if exists:
            cols = {r[0] for r in runner.execute(con, "store/columns", table=name)}
            if cols != set(frame.columns):  # the definition changed: rebuild the table
                con.execute(f"DROP TABLE {table}")
                exists = False
        if not exists:
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM _result LIMIT 0")
        con.execute(f"DELETE FROM {table} WHERE as_of = $a", {"a": as_of})
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _result")
    finally:
        con.unregister("_result")
    return len(frame)


class _Steps:
    """Times each step and shows progress."""

    def __init__(self, report: RunReport, total: int, progress: bool) -> None:
        self.report = report
        self.bar = tqdm(total=total, disable=not progress, desc="kapot pipeline")

    def __call__(self, name, fn):
        t0 = time.perf_counter()
        out = fn()
        self.report.seconds[name] = round(time.perf_counter() - t0, 2)
        self.bar.update(1)
        return out


def _profiles(con, as_of: dt.date, config: PipelineConfig, step: _Steps) -> dict[str, pd.DataFrame]:
    """Features, categories, seasonality and segments as of ``as_of`` (nothing stored)."""
    feats = step("client_features", lambda: client_features(con, as_of))
    cats = step("client_categories", lambda: client_categories(con, as_of))
    clients = feats[["client_id"]].merge(client_industries(con), on="client_id", how="left")
    seas = step(
        "seasonality",
        lambda: client_seasonality(
            monthly_orders(con, as_of), clients, as_of, config=config.seasonality
        ),
    )
    cat_seas = step(
        "category_seasonality",
        lambda: profile_seasonality(
            category_monthly(con, as_of), "category", as_of, config.seasonality
        ),
    )
    pair_seas = step(
        "client_category_seasonality",
        lambda: pair_seasonality(
            client_category_monthly(con, as_of, months=config.seasonality.max_months),
            as_of,
            config.seasonality,
            clients=clients,
        ),
    )
    # the pairs' timing for the engine's horizon: the calculator's "bought in this season last
    # year" fires only for a pair in season (another horizon is computed from the pairs)
    timing = step(
        "client_category_timing",
        lambda: pair_timing(pair_seas, as_of, config.engine.horizon_days),
    )
    seg, clusterer = step("segments", lambda: segment_clients(feats, config.segments))
    if clusterer is not None:
        step.report.cluster_k = clusterer.k_
        step.report.cluster_stability = round(clusterer.stability_, 3)
    return {
        "client_features": feats,
        "client_categories": cats,
        "seasonality": seas,
        "category_seasonality": cat_seas,
        "client_category_seasonality": pair_seas,
        "client_category_timing": timing,
        "segments": seg,
    }


def _read_tables(con, as_of: dt.date, config: PipelineConfig) -> dict[str, pd.DataFrame]:
    """The faces' read tables, from the profiles just stored and the base tables."""
    return {
        "client_profile": runner.query(con, "marts/client_profile", as_of=as_of),
        "card_monthly": runner.query(con, "marts/card_monthly", as_of=as_of),
        "card_categories": runner.query(con, "marts/card_categories", as_of=as_of),
        "card_payments": runner.query(
            con, "marts/card_payments", as_of=as_of, per_client=config.card_payments
        ),
        "product_stock": runner.query(
            con, "marts/product_stock", as_of=as_of, min_age_days=config.illiquid_days
        ),
        "item_buyers": runner.query(
            con, "marts/item_buyers", as_of=as_of, months=config.who_buys_months
        ),
        **report_facts(con, as_of, config),
    }


def report_facts(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, config: PipelineConfig = PipelineConfig()
) -> dict[str, pd.DataFrame]:
    """The weekly report's facts as of ``as_of`` (published by :func:`run`; the report reads
    them, never ``sales``): ``report_weeks`` (revenue, orders and active clients per ISO week
    and (region, manager), two years back), ``report_clients`` (first and last purchase and
    12-month revenue per client), ``report_order_mix`` (the last ``order_mix_weeks`` weeks'
    revenue by routine / new category / new client) and ``report_span`` (the first sale).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse, holding ``sales`` (and ``clients``, ``products``).
    as_of : datetime.date
        From sales strictly before it, returns left out.
    config : PipelineConfig, optional
        Only ``order_mix_weeks`` is read.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``report_weeks``: columns week_start, region, manager, revenue, orders,
        active_clients. ``report_clients``: client_id, first_purchase, last_purchase,
        revenue_12m. ``report_order_mix``: weeks_ago (0: the 7 days before ``as_of``),
        first_weeks_ago (weeks since the client's first purchase, capped at
        ``order_mix_weeks``), region, manager, routine (bool), revenue. ``report_span``:
        first_sale (one row; of every date, not only before ``as_of``).
    """
    return {
        "report_weeks": runner.query(con, "marts/report_weeks", as_of=as_of),
        "report_clients": runner.query(con, "marts/report_clients", as_of=as_of),
        "report_order_mix": runner.query(
            con, "marts/report_order_mix", as_of=as_of, weeks=config.order_mix_weeks
        ),
        "report_span": runner.query(con, "marts/report_span"),
    }


def run(
    as_of: dt.date,
    *,
    db: str | os.PathLike[str] | None = None,
    config: PipelineConfig = PipelineConfig(),
    progress: bool = False,
) -> RunReport:
    """Run the pipeline for ``as_of`` and publish everything it computed at once.

    Rerunning a date replaces that date's rows (and, for the scores, that date and horizon's)
    and keeps other dates, so segment movements can be compared across dates.

    Parameters
    ----------
    as_of : datetime.date
        The date built, from sales strictly before it.
    db : str or os.PathLike, optional
        The warehouse file; None means :func:`kapot.config.default_db_path`.
    config : PipelineConfig, optional
        What to compute (by default everything, scores with a 90-day horizon).
    progress : bool, default False
        Show a tqdm bar over the steps.

    Returns
    -------
    RunReport
        What was published, with its ``run_id``.

    Raises
    ------
    KapotError
        if there is no warehouse, no sales before ``as_of``, or (when scoring) too little
        history to learn from; nothing is published then.
    """
    wh = Warehouse(db)
    if not wh.exists():
        raise KapotError(tr("warehouse.missing", path=str(wh.path)))
    report = RunReport(as_of=as_of, code_version=code_version())
    started = dt.datetime.now()
    step = _Steps(report, 8 + 2 * config.score, progress)
    with wh.write() as con:
        if not runner.scalar(con, "staging/sales_before", as_of=as_of):
            raise KapotError(tr("build.no_sales", as_of=as_of.isoformat()))
        # the engine's ALS fits start now, on a background thread, beside the profiles
        scoring = (
            step("potential_start", lambda: start_scoring(con, as_of, config=config.engine))
            if config.score
            else None
        )
        try:
            for name, frame in _profiles(con, as_of, config, step).items():
                report.rows[name] = publish(con, name, frame, as_of)
        except BaseException:
            for als in (scoring[1] if scoring else {}).values():
                als.cancel()
            raise
        if config.score:
            res = step(
                "potential",
                lambda: score_warehouse(
                    as_of,
                    db=wh.path,
                    config=config.engine,
                    top_skus=config.top_skus,
                    started=scoring,
                ),
            )  # joins this write: the scores are published with everything else
            report.horizon_days = config.engine.horizon_days
            report.reports = res["reports"]
            report.rows["potential"] = sum(res["rows"].values())
        for name, frame in step("read_tables", lambda: _read_tables(con, as_of, config)).items():
            report.rows[name] = publish(con, name, frame, as_of)
        report.run_id = runner.scalar(
            con,
            "store/insert_run",
            as_of=as_of,
            horizon_days=report.horizon_days,
            started=started,
            finished=dt.datetime.now(),
            steps=json.dumps(report.seconds),
            row_counts=json.dumps(report.rows),
            code_version=report.code_version,
        )
    step.bar.close()
    return report


def run_plan(
    plan: Iterable[tuple[dt.date, bool]],
    *,
    db: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> list[str]:
    """:func:`run` for each (date, score) of ``plan`` (e.g. :func:`kapot.faces.weekly.needed_runs`),
    one publish per date, in order, with the default :class:`PipelineConfig` otherwise.

    Parameters
    ----------
    plan : iterable of tuple of (datetime.date, bool)
        The (date, score) pairs, as :func:`kapot.pipeline.plan.report_runs` returns them.
    db : str or os.PathLike, optional
        The warehouse file; None means :func:`kapot.config.default_db_path`.
    progress : bool, default False
        Show a tqdm bar over each run's steps.

    Returns
    -------
    list of str
        What was run, as ``"build DATE"`` or ``"score DATE"`` (ISO dates), in order.
    """
    done = []
    for day, score in plan:
        run(day, db=db, config=replace(PipelineConfig(), score=score), progress=progress)
        done.append(f"{'score' if score else 'build'} {day.isoformat()}")
    return done
