"""The read model: what the faces read, one published pipeline run (a date) at a time.

The page, the calculator, the weekly report, the segment explorer and the CLI read only the
tables :func:`kapot.pipeline.run` published, through a :class:`Snapshot`; none of them reads
``sales`` or ``invoices`` or writes the warehouse. Every read opens the published file
read-only for the moment it takes (a load is never blocked and never seen half-done), and
:func:`latest_as_of` is the one answer to "which date was built".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
from dataclasses import dataclass, replace

import duckdb
import pandas as pd

from kapot import runner
from kapot.errors import KapotError, nearest
from kapot.i18n import tr
from kapot.models.timing import TIMING_COLUMNS, pair_timing
from kapot.store.currency import read_currency
from kapot.store.warehouse import Warehouse

# Light on purpose: a served page's kernel imports this, and neither the engine nor the
# pipeline (scikit-learn, scipy) (the SKU engine's pickle imports the engine when first used).
__all__ = [
    "Snapshot",
    "latest_as_of",
    "published_dates",
    "runs",
    "PROFILE_TABLES",
    "READ_TABLES",
    "RESULT_TABLES",
]

# the client profiles, one set per date (kapot build)
PROFILE_TABLES = (
    "client_features",
    "client_categories",
    "seasonality",
    "category_seasonality",
    "client_category_seasonality",
    "client_category_timing",
    "segments",
)
# what the faces read besides the profiles and scores, one set per date
READ_TABLES = (
    "client_profile",
    "card_monthly",
    "card_categories",
    "card_payments",
    "product_stock",
    # the weekly report's facts (kapot.pipeline.pipeline.report_facts)
    "report_weeks",
    "report_clients",
    "report_order_mix",
    "report_span",
    # who buys each category and SKU (Snapshot.who_buys)
    "item_buyers",
)
RESULT_TABLES = PROFILE_TABLES + READ_TABLES


def _date(value) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date | str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _latest(con: duckdb.DuckDBPyConnection, *, scored: bool, before: dt.date | None):
    if not runner.has_table(con, "runs"):
        return None
    if scored:
        if not runner.has_table(con, "potential"):
            return None
        return _date(runner.scalar(con, "store/latest_scored", before=before))
    return _date(runner.scalar(con, "store/latest_run", before=before, scored=False))


def latest_as_of(
    db: str | os.PathLike[str] | None = None,
    *,
    scored: bool = False,
    before: dt.date | None = None,
) -> dt.date:
    """The date of the latest published run (with scores when ``scored``; on or before
    ``before`` when given).

    Raises
    ------
    KapotError
        if no run was published (or none scored, with ``scored``).
    """
    with Warehouse(db).read() as con:
        got = _latest(con, scored=scored, before=before)
    if got is None:
        raise KapotError(tr("calculator.not_scored" if scored else "build.not_built", as_of=""))
    return got


def published_dates(db: str | os.PathLike[str] | None = None) -> set[dt.date]:
    """Every date a pipeline run was published for."""
    with Warehouse(db).read() as con:
        if not runner.has_table(con, "runs"):
            return set()
        return {_date(r[0]) for r in runner.execute(con, "store/run_dates")}


def runs(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every published run, newest first: run_id, as_of, horizon_days (empty when not
    scored), started, finished, steps and row_counts (dicts), code_version."""
    with Warehouse(db).read() as con:
        if not runner.has_table(con, "runs"):
            return pd.DataFrame(
                columns=["run_id", "as_of", "horizon_days", "started", "finished", "steps"]
                + ["row_counts", "code_version"]
            )
        df = runner.query(con, "store/runs")
    for col in ("steps", "row_counts"):
        df[col] = [json.loads(v) for v in df[col]]
    return df


def _known_item(products: pd.DataFrame, category: str | None, sku: str | None):
    """(kind, item) of exactly one of ``category`` and ``sku``, checked against ``products``
    (columns sku, category): a typo must not look like "nobody buys it"."""
    if (category is None) == (sku is None):
        raise KapotError(tr("segments.who_buys_args"))
    if category is not None:
        known = products["category"].dropna().astype(str).unique().tolist()
        if category not in set(known):
            near = nearest(category, known)
            raise KapotError(tr("calculator.unknown_category", name=category, known=near))
        return "category", category
    skus = products["sku"].astype(str).tolist()
    if sku not in set(skus):
        raise KapotError(tr("filters.unknown_sku", sku=sku, near=nearest(sku, skus)))
    return "sku", sku


@dataclass(frozen=True)
class Snapshot:
    """The results published for one date. Open it with :meth:`open`."""

    db: str | os.PathLike[str] | None
    as_of: dt.date
    horizon_days: int | None = None

    @classmethod
    def open(
        cls,
        db: str | os.PathLike[str] | None = None,
        as_of: dt.date | None = None,
        *,
        horizon_days: int | None = None,
        scored: bool = False,
    ) -> Snapshot:
        """The snapshot of ``as_of`` (default: the latest run, the latest scored one with
        ``scored``). ``horizon_days`` defaults to the longest horizon scored for the date.

        Raises
        ------
        KapotError
            if no run was published for that date (or it has no scores, with ``scored``).
        """
        with Warehouse(db).read() as con:
            if as_of is None:
                as_of = _latest(con, scored=scored, before=None)
                if as_of is None:
                    key = "calculator.not_scored" if scored else "build.not_built"
                    raise KapotError(tr(key, as_of=""))
            elif _latest(con, scored=False, before=as_of) != as_of:
                raise KapotError(tr("build.not_built", as_of=str(as_of)))
            if horizon_days is None and runner.has_table(con, "potential"):
                got = runner.execute(con, "store/horizons", as_of=as_of)
                horizon_days = int(got[0][0]) if got else None
        if scored and horizon_days is None:
            raise KapotError(tr("calculator.not_scored_for", as_of=str(as_of)))
        return cls(db, as_of, horizon_days)

    # ------------------------------------------------------------------ tables
    def table(self, name: str) -> pd.DataFrame:
        """Result table ``name`` (one of :data:`RESULT_TABLES`) for this date.

        Raises
        ------
        KapotError
            for an unknown table, or one this date has no rows in.
        """
        if name not in RESULT_TABLES:
            raise KapotError(tr("build.unknown_table", table=name))
        with Warehouse(self.db).read() as con:
            df = (
                con.execute(
                    f"SELECT * FROM {runner.identifier(name)} WHERE as_of = $a ORDER BY ALL",
                    {"a": self.as_of},
                ).df()
                if runner.has_table(con, name)
                else pd.DataFrame()
            )
        if df.empty:
            raise KapotError(tr("build.not_built", as_of=str(self.as_of)))
        if "cluster_name" in df and "cluster_code" not in df:
            # published before clusters were stored as codes (a name in one language): no
            # cluster until the date's next run
            df = df.drop(columns="cluster_name").assign(cluster_code=None)
        return df

    def client_profile(self) -> pd.DataFrame:
        """One row per client: identity (clients), features, segments and peak month (see
        ``kapot/sql/marts/client_profile.sql``), ordered by client_id, without ``as_of``."""
        return self.table("client_profile").drop(columns="as_of")

    def products(self) -> pd.DataFrame:
        """sku, name, category, price, in_assortment, stock_qty, stock_since, illiquid."""
        return self.table("product_stock").drop(columns="as_of")

    def illiquid_skus(self) -> list[str]:
        """SKUs we can supply whose stock has lain long: the slow movers to find buyers for."""
        prods = self.products()
        return prods.loc[prods["illiquid"].astype(bool), "sku"].tolist()

    def who_buys(self, *, category: str | None = None, sku: str | None = None) -> pd.DataFrame:
        """Who buys a category or SKU (exactly one): the profile of its buyers next to all
        clients, from the published ``item_buyers`` (buyers: clients with purchases of it in
        the run's ``who_buys_months`` before the date). Columns: dimension (industry, region,
        size_tier, peak_month), value, buyers, share_of_buyers, share_of_all and lift (how
        over-represented the value is among buyers).

        Raises
        ------
        KapotError
            without exactly one of them, or for a category or SKU the products do not name
            (with the nearest names).
        """
        kind, item = _known_item(self.products(), category, sku)
        with Warehouse(self.db).read() as con:
            out = (
                runner.query(con, "read/who_buys", as_of=self.as_of, kind=kind, item=item)
                if runner.has_table(con, "item_buyers")
                else pd.DataFrame()
            )
        if out.empty:  # every client is in the 'all' rows: none means this date published none
            raise KapotError(tr("build.not_built", as_of=str(self.as_of)))
        return out

    def season_timing(self) -> pd.DataFrame:
        """The client x category pairs' season timing for this date and horizon: client_id,
        category, in_season, season_lift, peak_month, peak_pm (see
        :func:`kapot.models.timing.season_timing`). The published ``client_category_timing``
        where it was computed for this horizon, else computed from the published pairs'
        seasonality; empty where no pair had enough orders to be tested."""

        def published(name: str) -> pd.DataFrame:
            try:
                return self.table(name).drop(columns="as_of")
            except KapotError:  # no pair had enough orders (or built before the table)
                return pd.DataFrame()

        timing = published("client_category_timing")
        if self.horizon_days is None or (
            not timing.empty and (timing["horizon_days"] == self.horizon_days).all()
        ):
            return timing.reindex(columns=list(TIMING_COLUMNS))
        return pair_timing(
            published("client_category_seasonality"), self.as_of, int(self.horizon_days)
        )

    # ------------------------------------------------------------------ scores
    def potential(self) -> pd.DataFrame:
        """The stored category scores for this date and horizon (empty if none)."""
        with Warehouse(self.db).read() as con:
            if not runner.has_table(con, "potential") or self.horizon_days is None:
                return pd.DataFrame()
            return runner.query(
                con, "read/potential", as_of=self.as_of, horizon_days=self.horizon_days
            )

    def validation(self) -> dict[str, dict]:
        """The validation reports per level for this date and horizon (empty if none)."""
        if self.horizon_days is None:
            return {}
        with Warehouse(self.db).read() as con:
            if not runner.has_table(con, "validation"):
                return {}
            got = runner.execute(
                con, "read/validation", as_of=self.as_of, horizon_days=self.horizon_days
            )
        return {level: json.loads(report) for level, report in got}

    def engine_state(self, level: str):
        """(served ranker, snapshot) for ``level``, or None if not scored. The warehouse is
        written only by kapot's own pipeline, so its pickles are trusted."""
        if self.horizon_days is None:
            return None
        with Warehouse(self.db).read() as con:
            if not runner.has_table(con, "engine_state"):
                return None
            got = runner.execute(
                con,
                "read/engine_state",
                as_of=self.as_of,
                horizon_days=self.horizon_days,
                level=level,
            )
        return pickle.loads(got[0][0]) if got else None

    def currency(self) -> str | None:
        """The company's currency code, or None."""
        with Warehouse(self.db).read() as con:
            return read_currency(con)[0]

    # ------------------------------------------------------------------ client card
    def card(self, client_id: str, *, scope=None) -> dict[str, pd.DataFrame]:
        """What a manager sees on a client's card: ``monthly`` (month, revenue, orders over
        the 24 months before the date, zero months included), ``categories`` (category,
        revenue, share), ``payments`` (invoice_id, issued, due, paid, amount, days_late; the
        last ones, oldest first). With ``scope``, a client that account may not see is
        refused as if it did not exist.

        Raises
        ------
        KapotError
            for a client the scope may not see.
        """
        params = {"client": client_id, "as_of": self.as_of}
        with Warehouse(self.db).read() as con:
            if scope is not None and not scope.sees_all:
                row = runner.query(con, "read/client_scope", **params)
                if not len(row) or not _card_allowed(scope, row, con, self.as_of):
                    raise KapotError(tr("calculator.unknown_client", client=client_id))
            monthly = runner.query(con, "read/card_monthly", **params)
            categories = runner.query(con, "read/card_categories", **params)
            payments = runner.query(con, "read/card_payments", **params)
        total = categories["revenue"].sum()
        categories["share"] = categories["revenue"] / total if len(categories) else []
        return {"monthly": monthly, "categories": categories, "payments": payments}


def _card_allowed(scope, row: pd.DataFrame, con, as_of: dt.date) -> bool:
    """May ``scope`` see the client in ``row``? The regions of a manager without a region list
    are those of their own clients, as in :meth:`kapot.server.access.Scope.mask`."""
    if scope.regions or row["manager"].iloc[0] == scope.manager:
        return bool(scope.mask(row)[0])
    got = runner.execute(con, "read/manager_regions", manager=scope.manager, as_of=as_of)
    regions = tuple(r[0] for r in got)
    return bool(replace(scope, regions=regions or ("\x00",)).mask(row)[0])
