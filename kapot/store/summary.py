"""A short, localised account of what the warehouse holds."""

from __future__ import annotations

import os

from kapot.i18n import fmt_date, fmt_int, fmt_money, tr
from kapot.store.currency import describe_currency, read_currency, use_warehouse_currency
from kapot.store.warehouse import Warehouse

__all__ = ["warehouse_summary"]


def warehouse_summary(
    db: str | os.PathLike[str] | None = None, *, lang: str | None = None
) -> list[str]:
    """Lines describing the warehouse: table sizes, period, revenue, buyers, prospects."""
    wh = Warehouse(db)
    counts = wh.table_counts()
    out = [tr("warehouse.summary_title", lang, path=str(wh.path))]
    for table, rows in counts.items():
        out.append("  " + tr("warehouse.table_rows", lang, table=table, rows=fmt_int(rows, lang)))
    with wh.read() as con:
        use_warehouse_currency(con)
        currency_line = describe_currency(*read_currency(con), lang)
        start, end, revenue = con.execute(
            "SELECT min(date), max(date), sum(amount) FROM sales"
        ).fetchall()[0]
        if start is not None:
            out.append(
                tr(
                    "warehouse.period",
                    lang,
                    start=fmt_date(start, lang),
                    end=fmt_date(end, lang),
                    revenue=fmt_money(revenue, lang),
                )
            )
        buyers, prospects = con.execute(
            """
            SELECT count(DISTINCT s.client_id),
                   (SELECT count(*) FROM clients c WHERE NOT EXISTS
                        (SELECT 1 FROM sales x WHERE x.client_id = c.client_id))
            FROM sales s
            """
        ).fetchall()[0]
        out.append(
            tr(
                "warehouse.clients_line",
                lang,
                buyers=fmt_int(buyers, lang),
                prospects=fmt_int(prospects, lang),
            )
        )
        regions = con.execute(
            """
            SELECT coalesce(c.region, '?') AS region, sum(s.amount) AS revenue
            FROM sales s LEFT JOIN clients c USING (client_id)
            GROUP BY 1 ORDER BY 2 DESC LIMIT 5
            """
        ).fetchall()
        if regions:
            out.append(tr("warehouse.top_regions", lang))
            out += [
                "  " + tr("warehouse.region_line", lang, region=r, revenue=fmt_money(v, lang))
                for r, v in regions
            ]
        last = con.execute(
            "SELECT load_id, loaded_at FROM loads ORDER BY load_id DESC LIMIT 1"
        ).fetchall()[0]
        if last:
            out.append(tr("warehouse.last_load", lang, load_id=last[0], at=fmt_date(last[1], lang)))
    out.append(currency_line)
    return out
