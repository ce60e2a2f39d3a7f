"""The weekly report's figures of its work section: untapped potential per manager, illiquid
stock with its likely buyers, and the sales pipeline as it stood at a time."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from kapot import runner
from kapot.faces.calculator import Query
from kapot.faces.report.weeks import Scope
from kapot.faces.worklists import OPEN_STATES, STATES

__all__ = ["top_potential", "illiquid_stock", "pipeline_at"]


def top_potential(calc, scope: Scope = Scope(), *, per: int = 5, top_items: int = 2):
    """Untapped potential: the expected value of each client's purchases in the horizon in
    categories the client has not bought before (for a prospect, all of it). Routine reorders
    are left out on purpose: they come without a call.

    Parameters
    ----------
    calc : kapot.faces.calculator.Calculator
        A loaded calculator (its clients, categories and score matrices).
    scope : Scope
        Whose clients; the default: everyone's.
    per : int, default 5
        Clients listed per manager.
    top_items : int, default 2
        New categories offered per client.

    Returns
    -------
    top : pandas.DataFrame
        Per manager (by name), the ``per`` clients with the most untapped value: columns rank,
        client_id, name, region, manager, is_prospect, untapped_value, probability (of buying
        at least one new category, assuming independence), offer (the ``top_items`` new
        categories with the most expected value, comma-separated).
    by_manager, by_region : pandas.DataFrame
        Columns manager (or region; ``?`` for none), clients (those with any untapped value
        in scope), expected_value (their untapped value summed).
    """
    c = calc.clients
    new = 1.0 - np.clip(calc.scores["has_bought"], 0, 1)
    value = calc.scores["expected_value"] * new
    prob = 1.0 - np.prod(1.0 - calc.scores["probability"] * new, axis=1)
    frame = c[["client_id", "name", "region", "manager", "is_prospect"]].copy()
    frame["name"] = frame["name"].fillna(frame["client_id"])
    frame["untapped_value"] = value.sum(axis=1)
    frame["probability"] = prob
    keep = np.ones(len(c), dtype=bool)
    if scope.region:
        keep &= (c["region"] == scope.region).to_numpy()
    if scope.manager:
        keep &= (c["manager"] == scope.manager).to_numpy()
    frame = frame[keep]
    value = value[keep]
    cats = np.asarray(calc.categories, dtype=object)
    best = np.argsort(-value, axis=1)[:, :top_items]
    frame["offer"] = [
        ", ".join(cats[j] for j in row if v[j] > 0) for row, v in zip(best, value, strict=True)
    ]
    frame = frame.sort_values(["untapped_value", "client_id"], ascending=[False, True])
    has = frame[frame["untapped_value"] > 0]
    top = has.groupby(has["manager"].fillna("?"), sort=True).head(per).copy()
    top = top.sort_values(["manager", "untapped_value"], ascending=[True, False])
    top.insert(0, "rank", top.groupby("manager").cumcount() + 1)
    by_manager = (
        has.groupby(has["manager"].fillna("?"))
        .agg(clients=("client_id", "size"), expected_value=("untapped_value", "sum"))
        .reset_index()
    )
    by_region = (
        has.groupby(has["region"].fillna("?"))
        .agg(clients=("client_id", "size"), expected_value=("untapped_value", "sum"))
        .reset_index()
    )
    return top.reset_index(drop=True), by_manager, by_region


def illiquid_stock(
    calc,
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    scope: Scope = Scope(),
    *,
    skus: int = 10,
    buyers: int = 3,
) -> pd.DataFrame:
    """The illiquid SKUs with the most money tied up (stock that has lain long, as the
    pipeline's ``product_stock`` says), each with its most likely buyers in scope (all
    regions unless the report is for one).

    Parameters
    ----------
    calc : kapot.faces.calculator.Calculator
        The calculator of ``as_of`` (its products and SKU scores).
    con : duckdb.DuckDBPyConnection
        The warehouse, read only.
    as_of : datetime.date
        The published run whose illiquid SKUs are listed.
    scope : Scope
        Whose clients; the default: everyone's.
    skus : int, default 10
        How many SKUs at most.
    buyers : int, default 3
        Likely buyers named per SKU.

    Returns
    -------
    pandas.DataFrame
        Columns sku, name, category, stock_qty, stock_value (quantity x price), days_on_stock,
        buyers (names, best first), expected_quantity (what those buyers are expected to take;
        NaN without a price); most money first. ``attrs``: ``matched`` (illiquid SKUs in all),
        ``stock_value`` (their total).
    """
    ill = [r[0] for r in runner.execute(con, "read/illiquid_skus", as_of=as_of)]
    prod = calc.products.set_index("sku").loc[ill].reset_index()
    prod["stock_value"] = prod["stock_qty"].astype(float) * prod["price"].astype(float).fillna(0)
    prod["days_on_stock"] = (pd.Timestamp(as_of) - pd.to_datetime(prod["stock_since"])).dt.days
    prod = prod.sort_values(["stock_value", "sku"], ascending=[False, True])
    out = prod.head(skus).reset_index(drop=True)
    names, quantities = [], []
    regions = (scope.region,) if scope.region else ()
    managers = (scope.manager,) if scope.manager else ()
    for sku, price in zip(out["sku"], out["price"], strict=True):
        res = calc.find(Query(skus=(sku,), regions=regions, managers=managers, limit=buyers))
        names.append(", ".join(res["name"].fillna(res["client_id"]).astype(str)))
        quantities.append(res["expected_value"].sum() / price if price else np.nan)
    out["buyers"] = names
    out["expected_quantity"] = quantities
    out = out[
        [
            "sku",
            "name",
            "category",
            "stock_qty",
            "stock_value",
            "days_on_stock",
            "buyers",
            "expected_quantity",
        ]
    ]
    out.attrs["matched"] = len(prod)
    out.attrs["stock_value"] = float(prod["stock_value"].sum())
    return out


def pipeline_at(
    store,
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
