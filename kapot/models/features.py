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
    """Run a feature query with ``$as_of`` bound: only sales before ``as_of`` are read.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection to the warehouse.
    name : str
        The query file ``kapot/sql/<name>.sql`` without its suffix, like
        ``features/client_features``.
    as_of : datetime.date
        The cut-off: the query reads sales dated strictly before it.
    **params : object
        Further values the query binds (``$min_orders``, ...).

    Returns
    -------
    pandas.DataFrame
        The query's ``final`` result (run through :func:`kapot.runner.query`).
    """
    return runner.query(con, name, as_of=as_of, **params)


def client_features(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """One row per client (prospects included): revenue 3/12/24 months, orders, average order
    value, recency, tenure, trend (12 months vs the 12 before, and a slope), distinct SKUs and
    categories, returns share, off-assortment share, median days between orders, expected next
    order and the overdue-reorder flag, payment discipline and ``pays_on_time``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection to the warehouse.
    as_of : datetime.date
        The cut-off: only sales dated strictly before it are read.

    Returns
    -------
    pandas.DataFrame
        One row per client of ``clients`` or ``sales``, sorted by ``client_id``. Columns
        ``client_id``, ``as_of``, ``is_prospect`` (no purchase before ``as_of``), ``revenue_3m``,
        ``revenue_12m``, ``revenue_24m``, ``revenue_prev_12m``, ``revenue_total``, ``orders``,
        ``orders_12m``, ``avg_order_value``, ``recency_days``, ``tenure_days``,
        ``first_purchase``, ``last_purchase``, ``trend_12m``, ``trend_slope``,
        ``revenue_cv_12m``, ``distinct_skus``, ``distinct_categories``, ``returns_share``,
        ``off_assortment_share``, ``median_days_between_orders``, ``expected_next_order``,
        ``overdue_reorder``, ``invoices``, ``late_share``, ``avg_days_late``,
        ``max_days_late``, ``overdue_amount`` and ``pays_on_time`` (NULL without invoices).
        See ``kapot/sql/features/client_features.sql`` for every definition.
    """
    return run_sql(con, "features/client_features", as_of)


def client_categories(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """Revenue per client and category (total, last 12 months), first/last bought, share.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection to the warehouse.
    as_of : datetime.date
        The cut-off: only sales dated strictly before it are read.

    Returns
    -------
    pandas.DataFrame
        One row per client and category bought (returns excluded; a SKU without a product
        row counts as category ``'?'``), sorted by both. Columns ``client_id``, ``category``,
        ``revenue_total``, ``revenue_12m``, ``first_bought``, ``last_bought``, ``lines`` and
        ``share`` (of the client's total revenue).
    """
    return run_sql(con, "features/client_categories", as_of)


def monthly_orders(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """Orders per client and month, for the seasonality models.

    An order is an invoice, or a client's purchase day where invoices are unknown; returns are
    left out.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection to the warehouse.
    as_of : datetime.date
        The cut-off: only sales dated strictly before it are read.

    Returns
    -------
    pandas.DataFrame
        Columns ``client_id``, ``month`` (the month's first day) and ``orders``; months
        without an order have no row.
    """
    return run_sql(con, "features/monthly_orders", as_of)


def client_category_monthly(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, *, min_orders: int = 24, months: int = 36
) -> pd.DataFrame:
    """Orders per client, category and month, for pairs with at least ``min_orders`` orders in
    the last ``months`` months.

    Below that a yearly pattern cannot be told from noise, and skipping those pairs keeps the
    build fast.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection to the warehouse.
    as_of : datetime.date
        The cut-off: only sales dated strictly before it are read.
    min_orders : int
        Orders a pair needs in the window to be kept.
    months : int
        The window's length in calendar months, ending with ``as_of``'s month.

    Returns
    -------
    pandas.DataFrame
        Columns ``client_id``, ``category``, ``month`` (the month's first day) and ``orders``,
        every month of the kept pairs' history (not only the window).
    """
    return run_sql(
        con, "features/client_category_monthly", as_of, min_orders=min_orders, months=months
    )


def category_monthly(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """Orders per category and month (an order counts once per category it holds).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection to the warehouse.
    as_of : datetime.date
        The cut-off: only sales dated strictly before it are read.

    Returns
    -------
    pandas.DataFrame
        Columns ``category``, ``month`` (the month's first day) and ``orders``.
    """
    return run_sql(con, "features/category_monthly", as_of)


def client_industries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each client's industry: what the seasonality's priors are pooled by.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open connection to the warehouse.

    Returns
    -------
    pandas.DataFrame
        One row per client of ``clients``: columns ``client_id`` and ``industry``.
    """
    return runner.query(con, "staging/client_industries")
