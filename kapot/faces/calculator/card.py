"""The client card's data: monthly purchases, category mix and payments of one client, within
the visitor's scope, read from the published snapshot."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd

from kapot.pipeline.snapshot import Snapshot

__all__ = ["client_card"]


def client_card(
    client_id: str,
    *,
    db: str | os.PathLike[str] | None = None,
    as_of: dt.date,
    scope=None,
) -> dict[str, pd.DataFrame]:
    """What a manager sees on a client's card, from data before ``as_of``: frames
    ``monthly``, ``categories`` and ``payments`` (see :meth:`kapot.pipeline.snapshot.Snapshot.card`,
    which names their columns)."""
    return Snapshot(db, as_of).card(client_id, scope=scope)
