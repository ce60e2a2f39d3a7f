"""``kapot build``: materialise client features, seasonality and segments for a date.

All results are computed from sales strictly before ``as_of`` and published atomically with the
warehouse's single-writer copy-and-rename, so readers see the old build or the new one. Each
result table carries ``as_of``; rebuilding a date replaces that date's rows and keeps others
(so movements between segments can be compared across dates).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field

import pandas as pd
from tqdm.auto import tqdm

from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.models.features import (
    client_categories,
    client_category_monthly,
    client_features,
    monthly_orders,
    run_sql,
)
from kapot.models.seasonality import SeasonalityConfig, client_seasonality, profile_seasonality
from kapot.models.segments import SegmentConfig, segment_clients
from kapot.store.warehouse import Warehouse

__all__ = ["has_table", "build", "BuildReport", "RESULT_TABLES", "read_result", "latest_as_of"]

RESULT_TABLES = (
    "client_features",
    "client_categories",
    "seasonality",
    "category_seasonality",
    "client_category_seasonality",
    "segments",
)


@dataclass
class BuildReport:
    """What one build stored: the date, the rows and seconds per result table, the clusters and
    their stability."""

    as_of: dt.date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cluster_k: int | None = None
    cluster_stability: float | None = None


def _publish(con, name: str, frame: pd.DataFrame, as_of: dt.date) -> None:
    frame = frame.copy()
    frame["as_of"] = pd.Timestamp(as_of)
    con.register("_result", frame)
    try:
        exists = has_table(con, name)
        if exists:
            cols = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall()]
            if set(cols) != set(frame.columns):  # the definition changed: rebuild the table
                con.execute(f'DROP TABLE "{name}"')
                exists = 0
        if not exists:
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _result LIMIT 0')
        con.execute(f'DELETE FROM "{name}" WHERE as_of = $a', {"a": as_of})
        con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM _result')
    finally:
        con.unregister("_result")


def build(
    as_of: dt.date,
    *,
    db: str | os.PathLike[str] | None = None,
    seasonality: SeasonalityConfig = SeasonalityConfig(),
    segments: SegmentConfig = SegmentConfig(),
    progress: bool = False,
) -> BuildReport:
    """Compute and store client_features, client_categories, seasonality (per client),
    category_seasonality, client_category_seasonality (pairs with enough orders) and segments
    as of ``as_of``.

    Raises
    ------
    KapotError
        if the warehouse holds no sales before ``as_of``.
    """
    wh = Warehouse(db)
    if not wh.exists():
        raise KapotError(tr("warehouse.missing", path=str(wh.path)))
    report = BuildReport(as_of=as_of)
    steps = tqdm(total=6, disable=not progress, desc="kapot build")
    with wh.write() as con:
        n = con.execute("SELECT count(*) FROM sales WHERE date < $d", {"d": as_of}).fetchall()[0][0]
        if n == 0:
            raise KapotError(tr("build.no_sales", as_of=as_of.isoformat()))

        def step(name, fn):
            t0 = time.perf_counter()
            out = fn()
            report.seconds[name] = round(time.perf_counter() - t0, 2)
            steps.update(1)
            return out

        feats = step("client_features", lambda: client_features(con, as_of))
        cats = step("client_categories", lambda: client_categories(con, as_of))
        clients = con.execute("SELECT client_id, industry FROM clients").df()
        clients = feats[["client_id"]].merge(clients, on="client_id", how="left")
        monthly = monthly_orders(con, as_of)
        seas = step(
            "seasonality", lambda: client_seasonality(monthly, clients, as_of, config=seasonality)
        )
        cat_monthly = run_sql(con, "category_monthly", as_of)
        cat_seas = step(
            "category_seasonality",
            lambda: profile_seasonality(cat_monthly, "category", as_of, seasonality),
        )
        pair_monthly = client_category_monthly(con, as_of, months=seasonality.max_months)
        pair_seas = step(
            "client_category_seasonality",
            lambda: profile_seasonality(
                pair_monthly,
                ["client_id", "category"],
                as_of,
                seasonality,
                moderate=True,
                prior_by="client_id",
            ),
        )
        seg, clusterer = step("segments", lambda: segment_clients(feats, segments))
        if clusterer is not None:
            report.cluster_k, report.cluster_stability = (
                clusterer.k_,
                round(clusterer.stability_, 3),
            )
        for name, frame in (
            ("client_features", feats),
            ("client_categories", cats),
            ("seasonality", seas),
            ("category_seasonality", cat_seas),
            ("client_category_seasonality", pair_seas),
            ("segments", seg),
        ):
            _publish(con, name, frame, as_of)
            report.rows[name] = len(frame)
    steps.close()
    return report


def has_table(con, name: str) -> bool:
    """Whether the warehouse behind ``con`` holds a table called ``name``."""
    q = "SELECT count(*) FROM duckdb_tables() WHERE table_name = $t"
    return bool(con.execute(q, {"t": name}).fetchall()[0][0])


def latest_as_of(table: str = "segments", *, db: str | os.PathLike[str] | None = None) -> dt.date:
    """The date of the latest build of ``table``."""
    with Warehouse(db).read() as con:
        q = f'SELECT max(as_of) FROM "{table}"'
        latest = con.execute(q).fetchall()[0][0] if has_table(con, table) else None
    if latest is None:
        raise KapotError(tr("build.not_built", as_of=""))
    return latest.date() if hasattr(latest, "date") else latest


def read_result(
    table: str, as_of: dt.date | None = None, *, db: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """A materialised result for ``as_of`` (default: the latest build)."""
    if table not in RESULT_TABLES:
        raise KapotError(tr("build.unknown_table", table=table))
    if as_of is None:
        as_of = latest_as_of(table, db=db)
    with Warehouse(db).read() as con:
        q = f'SELECT * FROM "{table}" WHERE as_of = $a ORDER BY ALL'
        df = con.execute(q, {"a": as_of}).df() if has_table(con, table) else pd.DataFrame()
    if df.empty:
        raise KapotError(tr("build.not_built", as_of=str(as_of)))
    return df
