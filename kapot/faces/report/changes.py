"""The weekly report's figures of its changes section: clients won and lost, segment
movements since last month, and each manager's mix of routine and new revenue."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from kapot import runner
from kapot.faces.report.weeks import Scope

__all__ = [
    "ORDER_MIX_WEEKS",
    "new_and_lost",
    "previous_build",
    "segment_movements",
    "transition_matrix",
    "order_taker_vs_hunter",
]


# how many weeks of order-taker facts the pipeline publishes (marts/report_order_mix)
ORDER_MIX_WEEKS = 13


def new_and_lost(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    scope: Scope = Scope(),
    *,
    lost_after_days: int = 180,
) -> pd.DataFrame:
    """Clients won and lost in the week starting ``start``. Reads the report facts published
    as of the week's end (``report_clients``).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse, read only.
    start : datetime.date
        The week's Monday.
    scope : Scope
        Whose clients; the default: everyone's.
    lost_after_days : int, default 180
        Days without a purchase after which a client counts as lost.

    Returns
    -------
    pandas.DataFrame
        Columns client_id, name, region, manager, status, first_purchase, last_purchase,
        revenue_12m (the 12 months to the week's end). Status ``new``: the first purchase ever
        was in the week; ``lost``: the client crossed ``lost_after_days`` without a purchase
        during the week (the last purchase was between ``lost_after_days`` + 7 and
        ``lost_after_days`` days before the week's end). New first, then by revenue.
    """
    end = start + dt.timedelta(days=7)
    return runner.query(
        con,
        "report/new_and_lost",
        week_start=start,
        week_end=end,
        lost_after_days=lost_after_days,
        **scope.params,
    )


def previous_build(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dt.date | None:
    """The latest segments build at least four weeks before ``as_of`` ("last month").

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse, read only.
    as_of : datetime.date
        The report's build.

    Returns
    -------
    datetime.date or None
        None when there is no such build.
    """
    got = runner.scalar(con, "report/previous_build", as_of=as_of)
    return got.date() if hasattr(got, "date") else got


_ABC_ORDER = {"A": 0, "B": 1, "C": 2}


def segment_movements(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, previous: dt.date, scope: Scope = Scope()
) -> pd.DataFrame:
    """Clients whose ABC/XYZ class or RFM segment changed between two builds. Clients present
    in only one build are not movements (see :func:`new_and_lost`).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse, read only.
    as_of, previous : datetime.date
        The report's build and the earlier one (:func:`previous_build`).
    scope : Scope
        Whose clients; the default: everyone's.

    Returns
    -------
    pandas.DataFrame
        Columns client_id, name, manager, abc_xyz_from, abc_xyz_to, rfm_from, rfm_to,
        revenue_12m, direction ('down' when the ABC class fell or the client slid into at risk
        / hibernating / lost, 'up' when the ABC class rose, else 'side'). Downs first, then by
        revenue.
    """
    df = runner.query(
        con, "report/segment_movements", as_of=as_of, previous=previous, **scope.params
    )
    bad = {"at_risk", "hibernating", "lost"}
    rank_from = df["abc_from"].map(_ABC_ORDER)
    rank_to = df["abc_to"].map(_ABC_ORDER)
    down = (rank_to > rank_from) | (df["rfm_to"].isin(bad) & ~df["rfm_from"].isin(bad))
    up = (rank_to < rank_from) & ~down
    df["direction"] = np.select([down, up], ["down", "up"], "side")
    order = df["direction"].map({"down": 0, "up": 1, "side": 2})
    df = (
        df.assign(_o=order)
        .sort_values(["_o", "revenue_12m", "client_id"], ascending=[True, False, True])
        .drop(columns=["_o", "abc_from", "abc_to"])
        .reset_index(drop=True)
    )
    return df


def transition_matrix(moves: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Counts of clients by (from, to) label, only where that label changed.

    Parameters
    ----------
    moves : pandas.DataFrame
        :func:`segment_movements`: columns ``<kind>_from`` and ``<kind>_to`` (missing: ``-``).
    kind : {"abc_xyz", "rfm"}
        Which label.

    Returns
    -------
    pandas.DataFrame
        Rows the labels before, columns those after, values clients; empty (no rows, no
        columns) when none changed.
    """
    a, b = f"{kind}_from", f"{kind}_to"
    changed = moves[moves[a].fillna("-") != moves[b].fillna("-")]
    if changed.empty:
        return pd.DataFrame()
    return pd.crosstab(changed[a].fillna("-"), changed[b].fillna("-"))


def order_taker_vs_hunter(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: Scope = Scope(), *, weeks: int = 4
) -> pd.DataFrame:
    """Per manager, recent revenue split into routine reorders (a category the client bought in
    the 12 months before the sale), new categories for existing clients, and new clients
    (first purchase ever in the period). A manager whose revenue is nearly all routine is an
    order taker; a hunter brings new clients and new categories. Reads the report facts
    published as of ``as_of`` (``report_order_mix``).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse, read only.
    as_of : datetime.date
        The day after the period.
    scope : Scope
        Whose clients; the default: everyone's.
    weeks : int, default 4
        The period's length in weeks, 1 to :data:`ORDER_MIX_WEEKS` (``ValueError`` otherwise).

    Returns
    -------
    pandas.DataFrame
        One row per manager, by name; columns manager, routine, new_category, new_client
        (money, 2 decimals) and routine_share, new_category_share, new_client_share (of the
        three's sum; NaN without revenue).
    """
    if not 1 <= weeks <= ORDER_MIX_WEEKS:
        raise ValueError(f"weeks must be 1..{ORDER_MIX_WEEKS}, not {weeks}")
    df = runner.query(con, "report/order_taker", as_of=as_of, weeks=weeks, **scope.params)
    total = df[["routine", "new_category", "new_client"]].sum(axis=1)
    for col in ("routine", "new_category", "new_client"):
        df[f"{col}_share"] = df[col] / total.where(total != 0)
    return df
