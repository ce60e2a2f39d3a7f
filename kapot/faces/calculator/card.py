"""The client card's data: monthly purchases, category mix and payments of one client, within
the visitor's scope, read from the published snapshot."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

import pandas as pd

from kapot.pipeline.snapshot import Snapshot

if TYPE_CHECKING:
    from kapot.server.access import Scope

__all__ = ["client_card"]


def client_card(
    client_id: str,
    *,
    db: str | os.PathLike[str] | None = None,
    as_of: dt.date,
    scope: Scope | None = None,
) -> dict[str, pd.DataFrame]:
    """What a manager sees on a client's card, from data before ``as_of``.

    Parameters
    ----------
    client_id : str
        The client.
    db : str or os.PathLike, optional
        The warehouse; None: ``KAPOT_DB`` or ``data/kapot.duckdb``.
    as_of : datetime.date
        A published run's date, whose card tables are read.
    scope : kapot.server.access.Scope, optional
        The visitor's scope: a client it may not see is refused as if it did not exist.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``monthly`` (columns month, revenue, orders; the 24 months before the date, zero
        months included), ``categories`` (category, revenue, share) and ``payments``
        (invoice_id, issued, due, paid, amount, days_late; the last ones, oldest first), as
        :meth:`kapot.pipeline.snapshot.Snapshot.card` returns them.

    Raises
    ------
    KapotError
        for a client the scope may not see.
    """
    return Snapshot(db, as_of).card(client_id, scope=scope)
