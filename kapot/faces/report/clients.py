"""The weekly report's figures of its clients section: the week's KPIs, weekly revenue against
a year before, the clients whose peak comes next month, and those at risk."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from kapot import runner
from kapot.faces.report.weeks import Scope, iso_week, next_month, same_week_last_year

__all__ = ["kpis", "weekly_revenue", "peak_next_month", "at_risk"]


def _data_start(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dt.date | None:
    """The first sale in the warehouse, from the report facts published as of ``as_of``."""
    first = runner.scalar(con, "report/data_start", as_of=as_of)
    return first.date() if hasattr(first, "date") else first


def kpis(con: duckdb.DuckDBPyConnection, start: dt.date, scope: Scope = Scope()) -> pd.DataFrame:
    """Revenue, orders, active clients and average order value for the week starting ``start``,
    the week before and the same ISO week last year, with relative changes.

    Returns count as revenue (negative) but not as orders. Reads the report facts the pipeline
    published as of the week's end (``report_weeks``, ``report_span``).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse, read only.
    start : datetime.date
        The week's Monday.
    scope : Scope
        Whose clients; the default: everyone's.

    Returns
    -------
    pandas.DataFrame
        Indexed by kpi (revenue, orders, active_clients, avg_order_value); columns
        this_week, previous_week, last_year, vs_previous, vs_last_year (relative changes, NaN
        where the base is zero). A week that ends before the first sale in the warehouse has
        no figures (NaN), not zeros.
    """
    periods = {
        "this_week": start,
        "previous_week": start - dt.timedelta(days=7),
        "last_year": same_week_last_year(start),
    }
    as_of = start + dt.timedelta(days=7)
    first = _data_start(con, as_of)
    rows = {}
    for name, begin in periods.items():
        if first is None or begin < first - dt.timedelta(days=6):  # before the data: unknown
            rows[name] = dict.fromkeys(
                ("revenue", "orders", "active_clients", "avg_order_value"), np.nan
            )
            continue
        revenue, orders, clients = runner.execute(
            con, "report/week_kpis", as_of=as_of, week_start=begin, **scope.params
        )[0]
        rows[name] = {
            "revenue": float(revenue),
            "orders": int(orders),
            "active_clients": int(clients),
            "avg_order_value": float(revenue) / orders if orders else float("nan"),
        }
    out = pd.DataFrame(rows).astype(float)
    for base, col in (("previous_week", "vs_previous"), ("last_year", "vs_last_year")):
        out[col] = (out["this_week"] / out[base].where(out[base] != 0) - 1).astype(float)
    out.index.name = "kpi"
    return out


def weekly_revenue(
    con: duckdb.DuckDBPyConnection, start: dt.date, scope: Scope = Scope(), *, weeks: int = 13
) -> pd.DataFrame:
    """Revenue of the ISO weeks up to a week, next to the same ISO weeks a year earlier.

    Reads the report facts published as of the week's end (``report_weeks``: two years of
    weeks).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse, read only.
    start : datetime.date
        The last week's Monday.
    scope : Scope
        Whose clients; the default: everyone's.
    weeks : int, default 13
        How many weeks, ending with the week of ``start``.

    Returns
    -------
    pandas.DataFrame
        One row per week, oldest first; columns week (``2026-W47``), week_start, revenue,
        revenue_last_year (money, 2 decimals; NaN for weeks before the first sale).
    """
    starts = [start - dt.timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]
    ly = [same_week_last_year(d) for d in starts]
    frame = pd.DataFrame({"week_start": starts, "ly_start": ly})
    con.register("_weeks", frame)
    try:
        df = runner.query(
            con, "report/weekly_revenue", as_of=start + dt.timedelta(days=7), **scope.params
        )
    finally:
        con.unregister("_weeks")
    df["week_start"] = pd.to_datetime(df["week_start"]).dt.date
    df.insert(0, "week", [iso_week(d) for d in df["week_start"]])
    df["revenue"] = df["revenue"].astype(float)
    df["revenue_last_year"] = df["revenue_last_year"].astype(float)
    first = _data_start(con, start + dt.timedelta(days=7))
    if first is not None:  # weeks that end before the data begins are unknown, not zero
        first = pd.Timestamp(first)
        before = pd.to_datetime(pd.Series(ly)) + pd.Timedelta(days=6) < first
        df.loc[before.to_numpy(), "revenue_last_year"] = np.nan
        early = pd.to_datetime(df["week_start"]) + pd.Timedelta(days=6) < first
        df.loc[early.to_numpy(), "revenue"] = np.nan
    return df


def peak_next_month(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: Scope = Scope(), *, limit: int = 25
) -> pd.DataFrame:
    """Clients whose purchase peak (significant own peak, or the segment's for short
    histories) falls in the month after the report's week: call them now.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse, read only.
    as_of : datetime.date
        The day after the report's week; needs a build for it.
    scope : Scope
        Whose clients; the default: everyone's.
    limit : int, default 25
        How many clients at most.

    Returns
    -------
    pandas.DataFrame
        Columns client_id, name, region, manager, peak_month, source (own or segment),
        peak_share (share of the client's orders in that month), revenue_12m, last_purchase,
        pays_on_time; largest 12-month revenue first. ``attrs['matched']`` holds how many
        clients qualify in all, ``attrs['month']`` the month (1-12).
    """
    month = next_month(as_of)
    df = runner.query(con, "report/peak_next_month", as_of=as_of, month=month, **scope.params)
    out = df.head(limit).reset_index(drop=True)
    out.attrs["matched"] = len(df)
    out.attrs["month"] = month
    return out


def at_risk(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    scope: Scope = Scope(),
    *,
    falling: float = -0.25,
    limit: int = 25,
) -> pd.DataFrame:
    """Existing clients at risk as of ``as_of``: a falling trend, an overdue reorder (no order
    for 1.5 times the client's usual interval), or overdue invoices open at the date.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse, read only.
    as_of : datetime.date
        The day after the report's week; needs a build for it.
    scope : Scope
        Whose clients; the default: everyone's.
    falling : float, default -0.25
        A falling trend: 12-month revenue at least ``-falling`` (a share) below the 12 months
        before.
    limit : int, default 25
        How many clients at most.

    Returns
    -------
    pandas.DataFrame
        Columns client_id, name, region, manager, revenue_12m, trend_12m, falling_trend,
        overdue_reorder, expected_next_order, overdue_invoices, overdue_amount, reasons (how
        many of the three); most warning signs first, then most revenue at stake. ``attrs``:
        ``matched`` (clients in all), ``counts`` (clients per reason over all matches),
        ``revenue_at_stake`` (their 12-month revenue).
    """
    df = runner.query(con, "report/at_risk", as_of=as_of, falling=falling, **scope.params)
    flags = ["falling_trend", "overdue_reorder", "overdue_invoices"]
    df["reasons"] = df[flags].sum(axis=1).astype(int)
    df = df.sort_values(["reasons", "revenue_12m", "client_id"], ascending=[False, False, True])
    out = df.head(limit).reset_index(drop=True)
    out.attrs["matched"] = len(df)
    out.attrs["counts"] = {f: int(df[f].sum()) for f in flags}
    out.attrs["revenue_at_stake"] = float(df["revenue_12m"].sum())
    return out
