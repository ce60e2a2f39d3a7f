"""What the CLI says about the warehouse and a load, in the language in force: the store
returns numbers and codes (:func:`kapot.store.summary.warehouse_facts`,
:class:`kapot.store.ingest.LoadReport`); this face words them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from babel.numbers import get_currency_name

from kapot.i18n import (
    DEFAULT_CURRENCIES,
    babel_locale,
    fmt_date,
    fmt_int,
    fmt_money,
    get_lang,
    set_currency,
    tr,
)
from kapot.store.summary import warehouse_facts

if TYPE_CHECKING:
    from kapot.store.ingest import LoadReport

__all__ = ["describe_currency", "load_lines", "warehouse_summary"]


def describe_currency(code: str | None, source: str | None, lang: str | None = None) -> str:
    """One line for a report: 'currency: RUB (Russian Ruble), guessed from the data…', or
    that none is set and which default money is shown in.

    Parameters
    ----------
    code : str or None
        The warehouse's currency (ISO 4217); None: not set.
    source : str or None
        How it was set, as stored by :func:`kapot.store.currency.read_currency`: given,
        mapping, guessed or kept (ignored when ``code`` is None).
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    str
    """
    if code is None:
        return tr("currency.report_none", lang, default=DEFAULT_CURRENCIES[get_lang(lang)])
    name = get_currency_name(code, locale=babel_locale(lang))
    return tr(f"currency.report_{source}", lang, code=code, name=name)


def load_lines(report: LoadReport, lang: str | None = None) -> list[str]:
    """A human summary of a load.

    Parameters
    ----------
    report : kapot.store.ingest.LoadReport
        What the load read, loaded, updated and rejected, per table, and the currency.
    lang : str, optional
        ``en`` or ``ru``; None: the language in force.

    Returns
    -------
    list of str
        One line per input (then its rejections, kept returns, warnings and fallback-encoded
        lines, indented, by reason), the clients and products derived from sales if any, then
        the currency.
    """
    out = []
    for t in report.tables:
        out.append(
            tr(
                "ingest.report_line",
                lang,
                table=t.table,
                file=Path(t.file).name,
                read=t.rows_read,
                loaded=t.loaded,
                updated=t.updated,
                duplicates=t.duplicates,
                rejected=t.rejected_total,
            )
        )
        for reason, n in sorted(t.rejected.items()):
            why = tr(f"reject.{reason}", lang)
            out.append("  - " + tr("ingest.rejected_reason", lang, reason=why, count=n))
        if t.returns:
            out.append("  - " + tr("ingest.returns_kept", lang, count=t.returns))
        for reason, n in sorted(t.warnings.items()):
            out.append("  - " + tr(f"warning.{reason}", lang, count=n))
        if t.fallback_lines:
            out.append(
                "  - "
                + tr(
                    "encoding.fallback_lines",
                    lang,
                    count=t.fallback_lines,
                    encoding=t.fallback_encoding or "",
                )
            )
    if report.derived_clients or report.derived_products:
        out.append(
            tr(
                "ingest.derived",
                lang,
                clients=report.derived_clients,
                products=report.derived_products,
            )
        )
    line = describe_currency(report.currency, report.currency_source, lang)
    if report.currency_previous:
        line += " " + tr("currency.report_replaced", lang, old=report.currency_previous)
    out.append(line)
    return out


def warehouse_summary(
    db: str | os.PathLike[str] | None = None, *, lang: str | None = None
) -> list[str]:
    """Lines describing the warehouse (:func:`kapot.store.summary.warehouse_facts`), for
    ``kapot status``.

    The warehouse's currency becomes the process-wide one (:func:`kapot.i18n.set_currency`),
    so money is shown in it.

    Parameters
    ----------
    db : str or os.PathLike, optional
        The warehouse; None: ``KAPOT_DB`` or ``data/kapot.duckdb``.
    lang : str, optional
        ``en`` or ``ru``; None: the language in force.

    Returns
    -------
    list of str
        Its path, rows per table, the sales period and revenue, buyers and prospects, the five
        regions with most revenue, the last load and the currency.

    Raises
    ------
    KapotError
        if the warehouse file does not exist.
    """
    f = warehouse_facts(db)
    set_currency(f["currency"])
    out = [tr("warehouse.summary_title", lang, path=f["path"])]
    for table, rows in f["counts"].items():
        out.append("  " + tr("warehouse.table_rows", lang, table=table, rows=fmt_int(rows, lang)))
    if f["period"] is not None:
        start, end, revenue = f["period"]
        out.append(
            tr(
                "warehouse.period",
                lang,
                start=fmt_date(start, lang),
                end=fmt_date(end, lang),
                revenue=fmt_money(revenue, lang),
            )
        )
    out.append(
        tr(
            "warehouse.clients_line",
            lang,
            buyers=fmt_int(f["buyers"], lang),
            prospects=fmt_int(f["prospects"], lang),
        )
    )
    if f["regions"]:
        out.append(tr("warehouse.top_regions", lang))
        out += [
            "  " + tr("warehouse.region_line", lang, region=r, revenue=fmt_money(v, lang))
            for r, v in f["regions"]
        ]
    if f["last_load"]:
        load_id, at = f["last_load"]
        out.append(tr("warehouse.last_load", lang, load_id=load_id, at=fmt_date(at, lang)))
    out.append(describe_currency(f["currency"], f["currency_source"], lang))
    return out
