"""The read model's product side: the products and their stock, the illiquid SKUs, and who
buys a category or SKU, as published for a date (``product_stock``, ``item_buyers``).

:class:`ItemReads` is a part of :class:`~kapot.pipeline.snapshot.Snapshot`; a category or SKU
a user names is checked against the date's products, so a typo does not read as "nobody buys
it".
"""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd

from kapot import runner
from kapot.errors import KapotError, nearest
from kapot.i18n import tr
from kapot.store.warehouse import Warehouse

__all__ = ["ItemReads"]


def _known_item(products: pd.DataFrame, category: str | None, sku: str | None):
    """(kind, item) of exactly one of ``category`` and ``sku``, checked against ``products``
    (columns sku, category): a typo must not look like "nobody buys it"."""
    if (category is None) == (sku is None):
        raise KapotError(tr("segments.who_buys_args"))
    if category is not None:
        known = products["category"].dropna().astype(str).unique().tolist()
        if category not in set(known):
            near = nearest(category, known)
            raise KapotError(tr("calculator.unknown_category", name=category, known=near))
        return "category", category
    skus = products["sku"].astype(str).tolist()
    if sku not in set(skus):
        raise KapotError(tr("filters.unknown_sku", sku=sku, near=nearest(sku, skus)))
    return "sku", sku


class ItemReads:
    """The product side of a :class:`~kapot.pipeline.snapshot.Snapshot` (a base of it, not
    used alone): it reads the snapshot's ``db`` and ``as_of`` and its
    :meth:`~kapot.pipeline.snapshot.Snapshot.table`."""

    db: str | os.PathLike[str] | None
    as_of: dt.date

    def products(self) -> pd.DataFrame:
        """The products and their stock as of this date (``product_stock``).

        Returns
        -------
        pandas.DataFrame
            Columns sku, name, category, price, in_assortment, stock_qty, stock_since,
            illiquid (suppliable and arrived the run's ``illiquid_days`` or more before the
            date); one row per SKU, without ``as_of``.
        """
        return self.table("product_stock").drop(columns="as_of")

    def illiquid_skus(self) -> list[str]:
        """SKUs we can supply whose stock has lain long: the slow movers to find buyers for.

        Returns
        -------
        list of str
            The SKUs whose ``illiquid`` is true in :meth:`products`, in SKU order.
        """
        prods = self.products()
        return prods.loc[prods["illiquid"].astype(bool), "sku"].tolist()

    def who_buys(self, *, category: str | None = None, sku: str | None = None) -> pd.DataFrame:
        """Who buys a category or SKU (exactly one): the profile of its buyers next to all
        clients, from the published ``item_buyers`` (buyers: clients with purchases of it in
        the run's ``who_buys_months`` before the date). Columns: dimension (industry, region,
        size_tier, peak_month), value, buyers, share_of_buyers, share_of_all and lift (how
        over-represented the value is among buyers).

        Parameters
        ----------
        category, sku : str, optional
            The category or the SKU, spelt as in the products table; give exactly one.

        Returns
        -------
        pandas.DataFrame
            One row per dimension and value of all clients (buyers 0 where none buys),
            ordered by dimension, buyers descending, value; ``share_of_buyers`` and ``lift``
            are NaN when nobody bought it.

        Raises
        ------
        KapotError
            without exactly one of them, or for a category or SKU the products do not name
            (with the nearest names).
        """
        kind, item = _known_item(self.products(), category, sku)
        with Warehouse(self.db).read() as con:
            out = (
                runner.query(con, "read/who_buys", as_of=self.as_of, kind=kind, item=item)
                if runner.has_table(con, "item_buyers")
                else pd.DataFrame()
            )
        if out.empty:  # every client is in the 'all' rows: none means this date published none
            raise KapotError(tr("build.not_built", as_of=str(self.as_of)))
        return out
