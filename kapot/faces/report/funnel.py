"""The weekly report's figures of its funnel section: the sales pipeline as it stood at a time,
rebuilt from the worklist store's history."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kapot.faces.worklists import OPEN_STATES, STATES

if TYPE_CHECKING:
    from kapot.faces.worklists import WorklistStore

__all__ = ["pipeline_at"]


def pipeline_at(
    store: WorklistStore,
    at: dt.datetime,
    clients: pd.DataFrame | None = None,
    *,
    week_start: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    """The pipeline as it stood at ``at``, rebuilt from the stored transitions, so a past
    week's report is reproducible.

    Parameters
    ----------
    store : kapot.faces.worklists.WorklistStore
        The pipeline store (its history and configuration).
    at : datetime.datetime
        The moment: transitions before it count.
    clients : pandas.DataFrame, optional
        Only these clients (column client_id), e.g. a report's scope; None: all.
    week_start : datetime.date, optional
        The report week's Monday, to count the moves since; None: not counted (0).

    Returns
    -------
    dict
        ``funnel``: state, clients, overdue (open longer than the maximum deal length), every
        state in the pipeline's order. ``conversion``: stage, reached (clients who ever
        entered it), rate (share of the previous stage's clients who reached it) for new ->
        contact 1 -> contact 2 -> deal -> client. ``overdue``: client_id, manager, state,
        days_in_work for prospects past the maximum deal length, longest first. ``lists``:
        manager, open, status ('under' below 50, 'over' above the configured list size, else
        'ok'). ``moves_this_week``: an int, the moves since ``week_start``.
    """
    hist = store.history()
    hist = hist[pd.to_datetime(hist["at"]) < pd.Timestamp(at)] if not hist.empty else hist
    if clients is not None and not hist.empty:
        hist = hist[hist["client_id"].isin(clients["client_id"])]
    cfg = store.config
    empty = hist.empty
    if empty:
        funnel = pd.DataFrame({"state": list(STATES), "clients": 0, "overdue": 0})
        return {
            "funnel": funnel,
            "conversion": pd.DataFrame(columns=["stage", "reached", "rate"]),
            "overdue": pd.DataFrame(columns=["client_id", "manager", "state", "days_in_work"]),
            "lists": pd.DataFrame(columns=["manager", "open", "status"]),
            "moves_this_week": 0,
        }
    hist = hist.sort_values("id")
    hist["at"] = pd.to_datetime(hist["at"])
    last = hist.groupby("client_id").tail(1).set_index("client_id")
    # assigned: the latest move into 'new' (a list gave the client to the manager)
    assigned = hist[hist["to_state"] == "new"].groupby("client_id")["at"].max()
    now = last[["manager", "to_state"]].rename(columns={"to_state": "state"})
    now["days_in_work"] = (pd.Timestamp(at) - assigned.reindex(now.index)).dt.days
    now["overdue"] = now["state"].isin(OPEN_STATES) & (now["days_in_work"] > cfg.max_deal_days)
    counts = now.groupby("state").agg(clients=("manager", "size"), overdue=("overdue", "sum"))
    funnel = counts.reindex(list(STATES), fill_value=0).reset_index()
    funnel["overdue"] = funnel["overdue"].astype(int)
    stages = ["new", "contact_1", "contact_2", "deal", "client"]
    reached = [int(hist.loc[hist["to_state"] == s, "client_id"].nunique()) for s in stages]
    conv = pd.DataFrame({"stage": stages, "reached": reached})
    prev = conv["reached"].shift(1)
    conv["rate"] = conv["reached"] / prev.where(prev > 0)
    overdue = (
        now[now["overdue"]]
        .reset_index()[["client_id", "manager", "state", "days_in_work"]]
        .sort_values(["days_in_work", "client_id"], ascending=[False, True])
        .reset_index(drop=True)
    )
    open_by = now[now["state"].isin(OPEN_STATES)].groupby("manager").size()
    lists = open_by.reindex(sorted(now["manager"].unique()), fill_value=0).rename("open")
    lists = lists.reset_index()
    lists["status"] = np.select(
        [lists["open"] < 50, lists["open"] > cfg.max_open], ["under", "over"], "ok"
    )
    moves = 0
    if week_start is not None:
        moves = int((hist["at"] >= pd.Timestamp(week_start)).sum())
    return {
        "funnel": funnel,
        "conversion": conv,
        "overdue": overdue,
        "lists": lists,
        "moves_this_week": moves,
    }
