"""The weekly report's computations (the notebook and its HTML come on top of these).

Every function reads the warehouse through a DuckDB connection and takes the week explicitly,
so a report for any past week can be reproduced.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import tr

__all__ = ["week_bounds", "kpis", "new_and_lost", "order_taker_vs_hunter"]


def week_bounds(week: str) -> tuple[dt.date, dt.date]:
    """``"2026-W47"`` -> (Monday, next Monday) of that ISO week."""
    try:
        year, num = week.upper().split("-W")
        start = dt.date.fromisocalendar(int(year), int(num), 1)
    except ValueError:
        raise KapotError(tr("report.bad_week", week=week)) from None
    return start, start + dt.timedelta(days=7)


def _same_week_last_year(start: dt.date) -> dt.date:
    year, week, _ = start.isocalendar()
    try:
        return dt.date.fromisocalendar(year - 1, week, 1)
    except ValueError:  # week 53 in a year that has none
        return dt.date.fromisocalendar(year - 1, 52, 1)


def kpis(con: duckdb.DuckDBPyConnection, start: dt.date) -> pd.DataFrame:
    """Revenue, orders, active clients and average order value for the week starting ``start``,
    the week before and the same ISO week last year, with relative changes.

    Returns a frame indexed by kpi (revenue, orders, active_clients, avg_order_value) with
    columns this_week, previous_week, last_year, vs_previous, vs_last_year (NaN where the base
    is zero)."""
    periods = {
        "this_week": start,
        "previous_week": start - dt.timedelta(days=7),
        "last_year": _same_week_last_year(start),
    }
    rows = {}
    for name, begin in periods.items():
        revenue, orders, clients = con.execute(
            """
            SELECT coalesce(sum(amount), 0),
                   count(DISTINCT coalesce(invoice_id, client_id || '@' || CAST(date AS VARCHAR)))
                       FILTER (WHERE NOT is_return),
                   count(DISTINCT client_id) FILTER (WHERE NOT is_return)
            FROM sales WHERE date >= $b AND date < CAST($b AS DATE) + INTERVAL 7 DAY
            """,
            {"b": begin},
        ).fetchall()[0]
        rows[name] = {
            "revenue": float(revenue),
            "orders": int(orders),
            "active_clients": int(clients),
            "avg_order_value": float(revenue) / orders if orders else float("nan"),
        }
    out = pd.DataFrame(rows)
    for base, col in (("previous_week", "vs_previous"), ("last_year", "vs_last_year")):
        out[col] = (out["this_week"] / out[base].where(out[base] != 0) - 1).astype(float)
    out.index.name = "kpi"
    return out


def new_and_lost(
    con: duckdb.DuckDBPyConnection, start: dt.date, *, lost_after_days: int = 180
) -> pd.DataFrame:
    """Clients won and lost in the week starting ``start``: ``new`` made their first purchase
    ever in the week; ``lost`` crossed ``lost_after_days`` without a purchase during the week
    (their last purchase was between ``lost_after_days`` + 7 and ``lost_after_days`` days before
    the week's end). Columns: client_id, status, first_purchase, last_purchase, revenue_12m."""
    end = start + dt.timedelta(days=7)
    return con.execute(
        """
        WITH c AS (
            SELECT client_id, min(date) AS first_purchase, max(date) AS last_purchase,
                   sum(amount) FILTER (WHERE date >= CAST($e AS DATE) - INTERVAL 12 MONTH) AS revenue_12m
            FROM sales WHERE date < $e AND NOT is_return GROUP BY client_id
        )
        SELECT client_id,
               CASE WHEN first_purchase >= $s THEN 'new' ELSE 'lost' END AS status,
               first_purchase, last_purchase, coalesce(revenue_12m, 0) AS revenue_12m
        FROM c
        WHERE first_purchase >= $s
           OR (last_purchase <  CAST($e AS DATE) - to_days(CAST($d AS INTEGER))
               AND last_purchase >= CAST($s AS DATE) - to_days(CAST($d AS INTEGER)))
        ORDER BY status DESC, revenue_12m DESC, client_id
        """,
        {"s": start, "e": end, "d": lost_after_days},
    ).df()


def order_taker_vs_hunter(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Per manager, the revenue of [start, end) split into routine reorders (a category the
    client bought in the 12 months before the sale), new categories for existing clients, and
    new clients (first purchase ever in the period), with shares. A manager whose revenue is
    nearly all routine is an order taker; a hunter brings new clients and new categories."""
    df = con.execute(
        """
        WITH l AS (
            SELECT s.client_id, s.date, s.amount, coalesce(p.category, '?') AS category,
                   coalesce(c.manager, '?') AS manager
            FROM sales s
            LEFT JOIN products p USING (sku)
            LEFT JOIN clients c USING (client_id)
            WHERE NOT s.is_return
        ),
        firsts AS (SELECT client_id, min(date) AS first_purchase FROM l GROUP BY client_id),
        period AS (SELECT * FROM l WHERE date >= $s AND date < $e),
        kind AS (
            SELECT p.manager, p.amount,
                   CASE
                       WHEN f.first_purchase >= $s THEN 'new_client'
                       WHEN EXISTS (SELECT 1 FROM l h WHERE h.client_id = p.client_id AND h.category = p.category
                                    AND h.date < p.date AND h.date >= p.date - INTERVAL 12 MONTH) THEN 'routine'
                       ELSE 'new_category'
                   END AS kind
            FROM period p JOIN firsts f USING (client_id)
        )
        SELECT manager,
               coalesce(sum(amount) FILTER (WHERE kind = 'routine'), 0) AS routine,
               coalesce(sum(amount) FILTER (WHERE kind = 'new_category'), 0) AS new_category,
               coalesce(sum(amount) FILTER (WHERE kind = 'new_client'), 0) AS new_client
        FROM kind GROUP BY manager ORDER BY manager
        """,
        {"s": start, "e": end},
    ).df()
    total = df[["routine", "new_category", "new_client"]].sum(axis=1)
    for col in ("routine", "new_category", "new_client"):
        df[f"{col}_share"] = df[col] / total.where(total != 0)
    return df
