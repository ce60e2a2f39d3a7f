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
from dataclasses import dataclass

import duckdb
import pandas as pd

from kapot import runner
from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.models.timing import TIMING_COLUMNS, pair_timing
from kapot.pipeline.client_card import CardReads
from kapot.pipeline.items import ItemReads
from kapot.pipeline.scores import ScoreReads
from kapot.store.currency import read_currency
from kapot.store.warehouse import Warehouse

# Light on purpose: a served page's kernel imports this, and neither the engine nor the
# pipeline (scikit-learn, scipy) (the served rankers' pickle, kapot.pipeline.scores, imports the
# engine when first loaded).
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

    Parameters
    ----------
    db : str or os.PathLike, optional
        The warehouse file; None means :func:`kapot.config.default_db_path`.
    scored : bool, default False
        Only runs whose date has potential scores.
    before : datetime.date, optional
        The latest date that counts (itself included).

    Returns
    -------
    datetime.date
        The run's ``as_of``.

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
    """Every date a pipeline run was published for.

    Parameters
    ----------
    db : str or os.PathLike, optional
        The warehouse file; None means :func:`kapot.config.default_db_path`.

    Returns
    -------
    set of datetime.date
        Empty when nothing was published.
    """
    with Warehouse(db).read() as con:
        if not runner.has_table(con, "runs"):
            return set()
        return {_date(r[0]) for r in runner.execute(con, "store/run_dates")}


def runs(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every published run, newest first (by ``finished``).

    Parameters
    ----------
    db : str or os.PathLike, optional
        The warehouse file; None means :func:`kapot.config.default_db_path`.

    Returns
    -------
    pandas.DataFrame
        Columns run_id, as_of, horizon_days (empty when not scored), started, finished,
        steps (step -> seconds) and row_counts (table -> rows) as dicts, code_version; no
        rows when nothing was published.
    """
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


@dataclass(frozen=True)
class Snapshot(ItemReads, ScoreReads, CardReads):
    """The results published for one date. Open it with :meth:`open`.

    The products and who buys them come from :class:`~kapot.pipeline.items.ItemReads`, the
    scores from :class:`~kapot.pipeline.scores.ScoreReads`, the client card from
    :class:`~kapot.pipeline.client_card.CardReads`.

    Parameters
    ----------
    db : str or os.PathLike or None
        The warehouse file; None means :func:`kapot.config.default_db_path`.
    as_of : datetime.date
        The run's date. Constructed directly, it is not checked: :meth:`open` checks it.
    horizon_days : int, optional
        The scores' horizon in days that the score reads use; None reads no scores.
    """

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

        Parameters
        ----------
        db : str or os.PathLike, optional
            The warehouse file; None means :func:`kapot.config.default_db_path`.
        as_of : datetime.date, optional
            A date a run was published for; None means the latest.
        horizon_days : int, optional
            The scores' horizon (not checked against those stored); None means the longest
            scored for the date, or None when it has no scores.
        scored : bool, default False
            Require scores: the latest scored date when ``as_of`` is None, and an error when
            the date has none.

        Returns
        -------
        Snapshot

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

        Parameters
        ----------
        name : str
            A profile or read table, e.g. ``seasonality``, ``segments``, ``card_monthly``.

        Returns
        -------
        pandas.DataFrame
            The table's columns (``as_of`` included) and this date's rows, sorted by every
            column. A ``segments`` table published before clusters were codes has
            ``cluster_code`` None instead of its ``cluster_name``.

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
        """One row per client: identity (clients), features, segments and peak month.

        Returns
        -------
        pandas.DataFrame
            Ordered by client_id, without ``as_of``; columns as in
            ``kapot/sql/marts/client_profile.sql``: client_id, name, region, city, industry,
            manager, …, revenue_12m, pays_on_time, size_tier, rfm_segment, abc_xyz,
            cluster_code, peak_month, peak_pm, seasonal, peak_source, m01-m12.
        """
        return self.table("client_profile").drop(columns="as_of")

    def season_timing(self) -> pd.DataFrame:
        """The client x category pairs' season timing for this date and horizon: client_id,
        category, in_season, season_lift, peak_month, peak_pm (see
        :func:`kapot.models.timing.season_timing`). The published ``client_category_timing``
        where it was computed for this horizon, else computed from the published pairs'
        seasonality; empty where no pair had enough orders to be tested.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`kapot.models.timing.TIMING_COLUMNS`; no rows when no pair was tested.
        """

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

    def currency(self) -> str | None:
        """The company's currency code, or None.

        Returns
        -------
        str or None
            The ISO 4217 code stored in the warehouse (:func:`kapot.store.currency.read_currency`).
        """
        with Warehouse(self.db).read() as con:
            return read_currency(con)[0]
