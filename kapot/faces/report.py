"""The weekly report's computations (the notebook and its HTML come on top of these).

Every function reads the warehouse through a DuckDB connection and takes the week explicitly,
so a report for any past week can be reproduced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from kapot import runner
from kapot.errors import KapotError
from kapot.faces.calculator import Query
from kapot.faces.worklists import OPEN_STATES, STATES
from kapot.i18n import tr

__all__ = [
    "ORDER_MIX_WEEKS",
    "Scope",
    "week_bounds",
    "default_week",
    "kpis",
    "weekly_revenue",
    "peak_next_month",
    "at_risk",
    "new_and_lost",
    "segment_movements",
    "top_potential",
    "illiquid_stock",
    "pipeline_at",
    "order_taker_vs_hunter",
]


# how many weeks of order-taker facts the pipeline publishes (marts/report_order_mix)
ORDER_MIX_WEEKS = 13


@dataclass(frozen=True)
class Scope:
    """Whose clients a report covers: one region, one manager, both or everyone (None)."""

    region: str | None = None
    manager: str | None = None

    @property
    def params(self) -> dict[str, str | None]:
        """The scope as the report's SQL parameters ``$region`` and ``$manager``."""
        return {"region": self.region, "manager": self.manager}


def week_bounds(week: str) -> tuple[dt.date, dt.date]:
    """``"2026-W47"`` -> (Monday, next Monday) of that ISO week."""
    try:
        year, num = week.upper().split("-W")
        start = dt.date.fromisocalendar(int(year), int(num), 1)
    except ValueError:
        raise KapotError(tr("report.bad_week", week=week)) from None
    return start, start + dt.timedelta(days=7)


def iso_week(day: dt.date) -> str:
    """The ISO week holding ``day``, as ``2026-W47``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def default_week(last_sale: dt.date | None) -> str:
    """The last complete ISO week of sales that end on ``last_sale`` (a cron job on Monday
    reports the week that ended the day before; a warehouse loaded to a Saturday reports the
    week before that). ``last_sale`` comes from :func:`kapot.pipeline.plan.sales_span`."""
    if last_sale is None:
        raise KapotError(tr("report.no_sales"))
    last = last_sale.date() if hasattr(last_sale, "date") else last_sale
    sunday = last - dt.timedelta(days=(last.isoweekday() % 7))  # the last Sunday on or before
    return iso_week(sunday)


def _same_week_last_year(start: dt.date) -> dt.date:
    year, week, _ = start.isocalendar()
    try:
        return dt.date.fromisocalendar(year - 1, week, 1)
    except ValueError:  # week 53 in a year that has none
        return dt.date.fromisocalendar(year - 1, 52, 1)


def _data_start(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dt.date | None:
    """The first sale in the warehouse, from the report facts published as of ``as_of``."""
    first = runner.scalar(con, "report/data_start", as_of=as_of)
    return first.date() if hasattr(first, "date") else first


def kpis(con: duckdb.DuckDBPyConnection, start: dt.date, scope: Scope = Scope()) -> pd.DataFrame:
    """Revenue, orders, active clients and average order value for the week starting ``start``,
    the week before and the same ISO week last year, with relative changes.

    Returns a frame indexed by kpi (revenue, orders, active_clients, avg_order_value) with
    columns this_week, previous_week, last_year, vs_previous, vs_last_year (NaN where the base
    is zero). Returns count as revenue (negative) but not as orders. A week that ends before
    the first sale in the warehouse has no figures (NaN), not zeros. Reads the report facts
    the pipeline published as of the week's end (``report_weeks``, ``report_span``)."""
    periods = {
        "this_week": start,
        "previous_week": start - dt.timedelta(days=7),
        "last_year": _same_week_last_year(start),
    }
    as_of = start + dt.timedelta(days=7)
    first = _data_start(con, as_of)
    rows = {}
    for name, begin in periods.items():
        if first is None or begin < first - dt.timedelta(days=6):  # before the data: unknown
            rows[name] = dict.fromkeys(
                ("revenue", "orders", "active_clients", "avg_order_value"), np.nan
            )
            continue
        revenue, orders, clients = runner.execute(
            con, "report/week_kpis", as_of=as_of, week_start=begin, **scope.params
        )[0]
        rows[name] = {
            "revenue": float(revenue),
            "orders": int(orders),
            "active_clients": int(clients),
            "avg_order_value": float(revenue) / orders if orders else float("nan"),
        }
    out = pd.DataFrame(rows).astype(float)
    for base, col in (("previous_week", "vs_previous"), ("last_year", "vs_last_year")):
        out[col] = (out["this_week"] / out[base].where(out[base] != 0) - 1).astype(float)
    out.index.name = "kpi"
    return out


def weekly_revenue(
    con: duckdb.DuckDBPyConnection, start: dt.date, scope: Scope = Scope(), *, weeks: int = 13
) -> pd.DataFrame:
    """Revenue of the ``weeks`` ISO weeks ending with the week starting ``start``, next to the
    same ISO weeks a year earlier. Columns: week (``2026-W47``), week_start, revenue,
    revenue_last_year (NaN for weeks before the first sale). Reads the report facts published
    as of the week's end (``report_weeks``: two years of weeks)."""
    starts = [start - dt.timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]
    ly = [_same_week_last_year(d) for d in starts]
    frame = pd.DataFrame({"week_start": starts, "ly_start": ly})
    con.register("_weeks", frame)
    try:
        df = runner.query(
            con, "report/weekly_revenue", as_of=start + dt.timedelta(days=7), **scope.params
        )
    finally:
        con.unregister("_weeks")
    df["week_start"] = pd.to_datetime(df["week_start"]).dt.date
    df.insert(0, "week", [iso_week(d) for d in df["week_start"]])
    df["revenue"] = df["revenue"].astype(float)
    df["revenue_last_year"] = df["revenue_last_year"].astype(float)
    first = _data_start(con, start + dt.timedelta(days=7))
    if first is not None:  # weeks that end before the data begins are unknown, not zero
        first = pd.Timestamp(first)
        before = pd.to_datetime(pd.Series(ly)) + pd.Timedelta(days=6) < first
        df.loc[before.to_numpy(), "revenue_last_year"] = np.nan
        early = pd.to_datetime(df["week_start"]) + pd.Timedelta(days=6) < first
        df.loc[early.to_numpy(), "revenue"] = np.nan
    return df


def _next_month(as_of: dt.date) -> int:
    """The calendar month after the report's last day (``as_of`` - 1 day): the report as of
    2026-11-23, for the week ending Sunday 22 November, looks at December."""
    last = as_of - dt.timedelta(days=1)
    return last.month % 12 + 1


def peak_next_month(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: Scope = Scope(), *, limit: int = 25
) -> pd.DataFrame:
    """Clients whose purchase peak (significant own peak, or the segment's for short
    histories) falls in the month after the report's week: call them now.

    Needs a build for ``as_of``. Columns: client_id, name, region, manager, peak_month,
    source, peak_share (share of the client's orders in that month), revenue_12m,
    last_purchase, pays_on_time. Largest 12-month revenue first; ``attrs['matched']`` holds
    how many clients qualify in all."""
    month = _next_month(as_of)
    df = runner.query(con, "report/peak_next_month", as_of=as_of, month=month, **scope.params)
    out = df.head(limit).reset_index(drop=True)
    out.attrs["matched"] = len(df)
    out.attrs["month"] = month
    return out


def at_risk(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    scope: Scope = Scope(),
    *,
    falling: float = -0.25,
    limit: int = 25,
) -> pd.DataFrame:
    """Existing clients at risk as of ``as_of``: a falling trend (12-month revenue at least
    ``-falling`` below the 12 months before), an overdue reorder (no order for 1.5 times the
    client's usual interval), or overdue invoices open at the date.

    Needs a build for ``as_of``. Columns: client_id, name, region, manager, revenue_12m,
    trend_12m, falling_trend, overdue_reorder, expected_next_order, overdue_invoices,
    overdue_amount, reasons (how many of the three). Most warning signs first, then most
    revenue at stake;
    ``attrs['counts']`` holds the number of clients per reason over all matches."""
    df = runner.query(con, "report/at_risk", as_of=as_of, falling=falling, **scope.params)
    flags = ["falling_trend", "overdue_reorder", "overdue_invoices"]
    df["reasons"] = df[flags].sum(axis=1).astype(int)
    df = df.sort_values(["reasons", "revenue_12m", "client_id"], ascending=[False, False, True])
    out = df.head(limit).reset_index(drop=True)
    out.attrs["matched"] = len(df)
    out.attrs["counts"] = {f: int(df[f].sum()) for f in flags}
    out.attrs["revenue_at_stake"] = float(df["revenue_12m"].sum())
    return out


def new_and_lost(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    scope: Scope = Scope(),
    *,
    lost_after_days: int = 180,
) -> pd.DataFrame:
    """Clients won and lost in the week starting ``start``: ``new`` made their first purchase
    ever in the week; ``lost`` crossed ``lost_after_days`` without a purchase during the week
    (their last purchase was between ``lost_after_days`` + 7 and ``lost_after_days`` days before
    the week's end). Columns: client_id, name, region, manager, status, first_purchase,
    last_purchase, revenue_12m (the 12 months to the week's end). Reads the report facts
    published as of the week's end (``report_clients``)."""
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
    """The latest segments build at least four weeks before ``as_of`` ("last month")."""
    got = runner.scalar(con, "report/previous_build", as_of=as_of)
    return got.date() if hasattr(got, "date") else got


_ABC_ORDER = {"A": 0, "B": 1, "C": 2}


def segment_movements(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, previous: dt.date, scope: Scope = Scope()
) -> pd.DataFrame:
    """Clients whose ABC/XYZ class or RFM segment changed between the builds of ``previous``
    and ``as_of``. Columns: client_id, name, manager, abc_xyz_from, abc_xyz_to, rfm_from,
    rfm_to, revenue_12m, direction ('down' when the ABC class fell or the client slid into
    at risk / hibernating / lost, 'up' when the ABC class rose, else 'side'). Downs first,
    then by revenue. Clients present in only one build are not movements (see new and
    lost)."""
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
    """Counts of clients by (from, to) for ``kind`` 'abc_xyz' or 'rfm' (rows from, columns to),
    only where that label changed."""
    a, b = f"{kind}_from", f"{kind}_to"
    changed = moves[moves[a].fillna("-") != moves[b].fillna("-")]
    if changed.empty:
        return pd.DataFrame()
    return pd.crosstab(changed[a].fillna("-"), changed[b].fillna("-"))


def top_potential(calc, scope: Scope = Scope(), *, per: int = 5, top_items: int = 2):
    """Untapped potential from a loaded :class:`kapot.faces.calculator.Calculator`: the expected
    value of each client's purchases in the horizon in categories the client has not bought
    before (for a prospect, all of it). Routine reorders are left out on purpose: they come
    without a call.

    Returns (top, by_manager, by_region): ``top`` has, per manager, the ``per`` clients with
    the most untapped value: manager, rank, client_id, name, region, is_prospect,
    untapped_value, probability (of buying at least one new category, assuming
    independence), offer (the ``top_items`` new categories with the most expected value);
    ``by_manager`` / ``by_region`` sum untapped_value over all clients in scope, with the
    number of clients who have any."""
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
    """The ``skus`` illiquid SKUs with the most money tied up (stock that has lain long, as
    the pipeline's ``product_stock`` says), each with its most likely buyers in scope (all
    regions unless the report is for one). Columns: sku, name, category, stock_qty, stock_value, days_on_stock, buyers (names,
    best first), expected_quantity (what the top buyers are expected to take),
    ``attrs['matched']`` the number of illiquid SKUs, ``attrs['stock_value']`` their total."""
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
    """The pipeline as it stood at ``at``, rebuilt from the stored transitions (so a past
    week's report is reproducible), restricted to ``clients`` (a frame with client_id) when
    given.

    Returns a dict of frames:

    * ``funnel``: state, clients, overdue (open longer than the maximum deal length), in the
      pipeline's order;
    * ``conversion``: stage, reached (clients who ever entered it), rate (share of the
      previous stage's clients who reached it) for new -> contact 1 -> contact 2 -> deal ->
      client; ``moved_this_week`` counts moves during the week when ``week_start`` is given;
    * ``overdue``: client_id, manager, state, days_in_work for prospects past the maximum
      deal length, longest first;
    * ``lists``: manager, open, status ('under', 'ok', 'over') against the configured list
      size of 50-90.

    Columns of ``clients``: client_id.
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


def order_taker_vs_hunter(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, scope: Scope = Scope(), *, weeks: int = 4
) -> pd.DataFrame:
    """Per manager, the revenue of the ``weeks`` weeks before ``as_of`` split into routine
    reorders (a category the client bought in the 12 months before the sale), new categories
    for existing clients, and new clients (first purchase ever in the period), with shares. A
    manager whose revenue is nearly all routine is an order taker; a hunter brings new clients
    and new categories. Reads the report facts published as of ``as_of``
    (``report_order_mix``: :data:`ORDER_MIX_WEEKS` weeks at most)."""
    if not 1 <= weeks <= ORDER_MIX_WEEKS:
        raise ValueError(f"weeks must be 1..{ORDER_MIX_WEEKS}, not {weeks}")
    df = runner.query(con, "report/order_taker", as_of=as_of, weeks=weeks, **scope.params)
    total = df[["routine", "new_category", "new_client"]].sum(axis=1)
    for col in ("routine", "new_category", "new_client"):
        df[f"{col}_share"] = df[col] / total.where(total != 0)
    return df
