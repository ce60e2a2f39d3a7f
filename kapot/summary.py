"""A short, localised account of what the warehouse holds."""

from __future__ import annotations

import os

from kapot import runner
from kapot.currency import describe_currency, read_currency, use_warehouse_currency
from kapot.i18n import fmt_date, fmt_int, fmt_money, tr
from kapot.warehouse import Warehouse

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
        start, end, revenue = runner.execute(con, "store/sales_period")[0]
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
        buyers, prospects = runner.execute(con, "store/buyers_and_prospects")[0]
        out.append(
            tr(
                "warehouse.clients_line",
                lang,
                buyers=fmt_int(buyers, lang),
                prospects=fmt_int(prospects, lang),
            )
        )
        regions = runner.execute(con, "store/top_regions", n=5)
        if regions:
            out.append(tr("warehouse.top_regions", lang))
            out += [
                "  " + tr("warehouse.region_line", lang, region=r, revenue=fmt_money(v, lang))
                for r, v in regions
            ]
        last = runner.execute(con, "store/last_load")
        if last:
            last = last[0]
            out.append(tr("warehouse.last_load", lang, load_id=last[0], at=fmt_date(last[1], lang)))
    out.append(currency_line)
    return out
