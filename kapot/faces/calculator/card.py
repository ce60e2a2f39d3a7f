"""The client card's data: monthly purchases, category mix and payments of one client, within the visitor's scope."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace

import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.store.warehouse import Warehouse

__all__ = ["client_card"]


def client_card(
    client_id: str,
    *,
    db: str | os.PathLike[str] | None = None,
    as_of: dt.date,
    scope=None,
) -> dict[str, pd.DataFrame]:
    """What a manager sees on a client's card, from data before ``as_of``: ``monthly``
    (month, revenue, orders over the last 24 months, zero months included), ``categories``
    (category, revenue, share), ``payments`` (invoice, issued, due, paid, days_late, amount).
    With ``scope``, a client that account may not see is refused as if it did not exist."""

    with Warehouse(db).read() as con:
        if scope is not None and not scope.sees_all:
            row = con.execute(
                """
                SELECT c.client_id, c.manager, c.region, coalesce(f.is_prospect, true) AS is_prospect
                FROM clients c
                LEFT JOIN client_features f ON f.client_id = c.client_id
                    AND f.as_of = (SELECT max(as_of) FROM client_features WHERE as_of <= $a)
                WHERE c.client_id = $c
                """,
                {"c": client_id, "a": as_of},
            ).df()
            if not len(row) or not _card_allowed(scope, row, con):
                raise KapotError(tr("calculator.unknown_client", client=client_id))
        monthly = con.execute(
            """
            WITH m AS (
                SELECT unnest(generate_series(date_trunc('month', CAST($a AS DATE) - INTERVAL 1 DAY) - INTERVAL 23 MONTH,
                                              date_trunc('month', CAST($a AS DATE) - INTERVAL 1 DAY), INTERVAL 1 MONTH)) AS month
            ),
            s AS (
                SELECT date_trunc('month', date) AS month, sum(amount) AS revenue,
                       count(DISTINCT coalesce(invoice_id, CAST(date AS VARCHAR))) AS orders
                FROM sales WHERE client_id = $c AND date < $a GROUP BY 1
            )
            SELECT CAST(m.month AS DATE) AS month, coalesce(s.revenue, 0) AS revenue, coalesce(s.orders, 0) AS orders
            FROM m LEFT JOIN s USING (month) ORDER BY month
            """,
            {"c": client_id, "a": as_of},
        ).df()
        categories = con.execute(
            """
            SELECT coalesce(p.category, '?') AS category, sum(s.amount) AS revenue
            FROM sales s LEFT JOIN products p USING (sku)
            WHERE s.client_id = $c AND s.date < $a AND s.date >= CAST($a AS DATE) - INTERVAL 24 MONTH
            GROUP BY 1 HAVING sum(s.amount) > 0 ORDER BY 2 DESC
            """,
            {"c": client_id, "a": as_of},
        ).df()
        payments = con.execute(
            """
            SELECT invoice_id, issued, due, paid, amount,
                   greatest(0, date_diff('day', due, least(coalesce(paid, CAST($a AS DATE)), CAST($a AS DATE)))) AS days_late
            FROM invoices WHERE client_id = $c AND issued < $a AND due IS NOT NULL
            ORDER BY issued DESC LIMIT 60
            """,
            {"c": client_id, "a": as_of},
        ).df()
    categories["share"] = (
        categories["revenue"] / categories["revenue"].sum() if len(categories) else []
    )
    return {
        "monthly": monthly,
        "categories": categories,
        "payments": payments.iloc[::-1].reset_index(drop=True),
    }


def _card_allowed(scope, row: pd.DataFrame, con) -> bool:
    """May ``scope`` see the client in ``row``? The regions of a manager without a region list
    are those of their own clients, as in :meth:`kapot.server.access.Scope.mask`."""
    if scope.regions or row["manager"].iloc[0] == scope.manager:
        return bool(scope.mask(row)[0])
    regions = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT region FROM clients WHERE manager = $m", {"m": scope.manager}
        ).fetchall()
    ]

    return bool(replace(scope, regions=tuple(regions) or ("\x00",)).mask(row)[0])
