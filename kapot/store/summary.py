"""What the warehouse holds, in numbers (``kapot status`` words them:
:func:`kapot.faces.status.warehouse_summary`)."""

from __future__ import annotations

import os

from kapot import runner
from kapot.store.currency import read_currency
from kapot.store.warehouse import Warehouse

__all__ = ["warehouse_facts"]


def warehouse_facts(db: str | os.PathLike[str] | None = None) -> dict:
    """What the warehouse holds, as numbers for ``kapot status``.

    Parameters
    ----------
    db : str or os.PathLike, optional
        The warehouse; default as in :class:`kapot.store.warehouse.Warehouse`.

    Returns
    -------
    dict
        ``path`` (str); ``counts`` (rows per canonical table,
        :meth:`~kapot.store.warehouse.Warehouse.table_counts`); ``currency`` and
        ``currency_source`` (:func:`kapot.store.currency.read_currency`); ``period`` (first
        sale, last sale, revenue; None without sales); ``buyers`` and ``prospects`` (client
        counts); ``regions`` (the five with most revenue, as (region, revenue)); ``last_load``
        ((load id, time) or None).

    Raises
    ------
    KapotError
        If the warehouse does not exist.
    """
    wh = Warehouse(db)
    facts: dict = {"path": str(wh.path), "counts": wh.table_counts()}
    with wh.read() as con:
        facts["currency"], facts["currency_source"] = read_currency(con)
        start, end, revenue = runner.execute(con, "store/sales_period")[0]
        facts["period"] = (start, end, revenue) if start is not None else None
        facts["buyers"], facts["prospects"] = runner.execute(con, "store/buyers_and_prospects")[0]
        facts["regions"] = [tuple(r) for r in runner.execute(con, "store/top_regions", n=5)]
        last = runner.execute(con, "store/last_load")
        facts["last_load"] = tuple(last[0]) if last else None
    return facts
