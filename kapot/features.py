"""Per-client features as of a date, computed by DuckDB from ``kapot/sql``."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from kapot import runner

__all__ = [
    "client_features",
    "client_categories",
    "monthly_orders",
    "client_category_monthly",
    "category_monthly",
    "client_industries",
    "run_sql",
]


def run_sql(
    con: duckdb.DuckDBPyConnection, name: str, as_of: dt.date, **params: object
) -> pd.DataFrame:
    """Run ``kapot/sql/<name>.sql`` (``features/...``) with ``$as_of`` (and ``params``) bound; only sales before
    ``as_of`` are read (through :func:`kapot.runner.query`)."""
    return runner.query(con, name, as_of=as_of, **params)


def client_features(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """One row per client (prospects included): revenue 3/12/24 months, orders, average order
    value, recency, tenure, trend (12 months vs the 12 before, and a slope), distinct SKUs and
    categories, returns share, off-assortment share, median days between orders, expected next
    order and the overdue-reorder flag, payment discipline and ``pays_on_time``.

    See ``kapot/sql/features/client_features.sql`` for every definition.
    """
    return run_sql(con, "features/client_features", as_of)


def client_categories(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """Revenue per client and category (total, last 12 months), first/last bought, share."""
    return run_sql(con, "features/client_categories", as_of)


def monthly_orders(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """Orders per client and month (columns client_id, month, orders)."""
    return run_sql(con, "features/monthly_orders", as_of)


def client_category_monthly(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, *, min_orders: int = 24, months: int = 36
) -> pd.DataFrame:
    """Orders per client, category and month, for pairs with at least ``min_orders`` orders in
    the last ``months`` months (columns client_id, category, month, orders)."""
    return run_sql(
        con, "features/client_category_monthly", as_of, min_orders=min_orders, months=months
    )


def category_monthly(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """Orders per category and month (columns category, month, orders)."""
    return run_sql(con, "features/category_monthly", as_of)


def client_industries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each client's industry (columns client_id, industry)."""
    return runner.query(con, "staging/client_industries")
