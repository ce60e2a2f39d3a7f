"""The read model's client card: what a manager sees of one client for a date (months,
categories, payments from ``card_monthly``, ``card_categories``, ``card_payments``), and the
row-level scope that refuses a client an account may not see, as if it did not exist.

:class:`CardReads` is a part of :class:`~kapot.pipeline.snapshot.Snapshot`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd

from kapot import runner
from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.store.warehouse import Warehouse

if TYPE_CHECKING:
    from kapot.server.access import Scope

__all__ = ["CardReads"]


class CardReads:
    """The client card of a :class:`~kapot.pipeline.snapshot.Snapshot` (a base of it, not used
    alone): it reads the snapshot's ``db`` and ``as_of``."""

    db: str | os.PathLike[str] | None
    as_of: dt.date

    def card(self, client_id: str, *, scope: Scope | None = None) -> dict[str, pd.DataFrame]:
        """What a manager sees on a client's card: ``monthly`` (month, revenue, orders over
        the 24 months before the date, zero months included), ``categories`` (category,
        revenue, share), ``payments`` (invoice_id, issued, due, paid, amount, days_late; the
        last ones, oldest first). With ``scope``, a client that account may not see is
        refused as if it did not exist.

        Parameters
        ----------
        client_id : str
            The client.
        scope : kapot.server.access.Scope, optional
            The account's row-level scope; None (a local session) sees every client.

        Returns
        -------
        dict of str to pandas.DataFrame
            ``monthly``, ``categories`` (largest revenue first; share of the client's total)
            and ``payments``. Without ``scope`` an unknown client is not refused: 24 zero
            months and empty frames.

        Raises
        ------
        KapotError
            for a client the scope may not see.
        """
        params = {"client": client_id, "as_of": self.as_of}
        with Warehouse(self.db).read() as con:
            if scope is not None and not scope.sees_all:
                row = runner.query(con, "read/client_scope", **params)
                if not len(row) or not _card_allowed(scope, row, con, self.as_of):
                    raise KapotError(tr("calculator.unknown_client", client=client_id))
            monthly = runner.query(con, "read/card_monthly", **params)
            categories = runner.query(con, "read/card_categories", **params)
            payments = runner.query(con, "read/card_payments", **params)
        total = categories["revenue"].sum()
        categories["share"] = categories["revenue"] / total if len(categories) else []
        return {"monthly": monthly, "categories": categories, "payments": payments}


def _card_allowed(scope, row: pd.DataFrame, con, as_of: dt.date) -> bool:
    """May ``scope`` see the client in ``row``? The regions of a manager without a region list
    are those of their own clients, as in :meth:`kapot.server.access.Scope.mask`."""
    if scope.regions or row["manager"].iloc[0] == scope.manager:
        return bool(scope.mask(row)[0])
    got = runner.execute(con, "read/manager_regions", manager=scope.manager, as_of=as_of)
    regions = tuple(r[0] for r in got)
    return bool(replace(scope, regions=regions or ("\x00",)).mask(row)[0])
