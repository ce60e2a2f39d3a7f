"""The weekly report's figures of its work section: untapped potential per manager, and
illiquid stock with its likely buyers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from kapot import runner
from kapot.faces.calculator import Query
from kapot.faces.report.weeks import Scope

if TYPE_CHECKING:
    from kapot.faces.calculator import Calculator

__all__ = ["top_potential", "illiquid_stock"]


def top_potential(
    calc: Calculator, scope: Scope = Scope(), *, per: int = 5, top_items: int = 2
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
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
    calc: Calculator,
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
