"""The weekly report's computations, on a hand-made warehouse with hand-computed answers."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kapot import KapotError
from kapot.ingest import ingest
from kapot.report import kpis, new_and_lost, order_taker_vs_hunter, week_bounds
from kapot.warehouse import Warehouse

W47 = dt.date(2026, 11, 16)  # Monday of 2026-W47


@pytest.fixture
def wh(db):
    sales = pd.DataFrame(
        [
            # this week (W47): A reorders bolts (bought them in W46), A tries nuts (new category),
            # N buys for the first time; A's return does not count as an order
            ("2026-11-16", "I1", "A", "B1", 1, 100.0),
            ("2026-11-17", "I2", "A", "N1", 1, 50.0),
            ("2026-11-18", "I3", "N", "B1", 1, 30.0),
            ("2026-11-19", "R1", "A", "B1", -1, -10.0),
            # previous week (W46)
            ("2026-11-10", "I0", "A", "B1", 2, 200.0),
            # same ISO week last year (2025-W47 starts 2025-11-17)
            ("2025-11-18", "L1", "A", "B1", 1, 80.0),
            ("2025-11-19", "L2", "L", "B1", 1, 20.0),
        ],
        columns=["date", "invoice_id", "client_id", "sku", "quantity", "amount"],
    )
    clients = pd.DataFrame(
        {"client_id": ["A", "N", "L"], "manager": ["Petrova", "Petrova", "Sidorov"]}
    )
    products = pd.DataFrame({"sku": ["B1", "N1"], "category": ["Bolts", "Nuts"]})
    ingest(sales, clients=clients, products=products, db=db)
    return Warehouse(db)


def test_week_bounds():
    assert week_bounds("2026-W47") == (W47, W47 + dt.timedelta(days=7))
    with pytest.raises(KapotError, match="ISO week"):
        week_bounds("2026-47")


def test_kpis_by_hand(wh):
    with wh.read() as con:
        k = kpis(con, W47)
    # this week: 100 + 50 + 30 - 10 = 170 revenue, 3 orders, 2 clients, AOV 170/3
    assert k.loc["revenue"].tolist()[:3] == [170.0, 200.0, 100.0]
    assert k.loc["orders"].tolist()[:3] == [3, 1, 2]
    assert k.loc["active_clients"].tolist()[:3] == [2, 1, 2]
    assert k.loc["avg_order_value", "this_week"] == pytest.approx(170 / 3)
    assert k.loc["revenue", "vs_previous"] == pytest.approx(170 / 200 - 1)
    assert k.loc["revenue", "vs_last_year"] == pytest.approx(0.7)


def test_new_and_lost(wh):
    with wh.read() as con:
        nl = new_and_lost(con, W47, lost_after_days=365)
    # N bought first in W47; L's last purchase (2025-11-19) turned 365 days old during W47
    assert nl.set_index("client_id")["status"].to_dict() == {"N": "new", "L": "lost"}


def test_order_taker_vs_hunter(wh):
    with wh.read() as con:
        oh = order_taker_vs_hunter(con, W47, W47 + dt.timedelta(days=7)).set_index("manager")
    p = oh.loc["Petrova"]
    # A's bolts: routine (bought in W46); A's nuts: a new category; N: a new client
    assert (p["routine"], p["new_category"], p["new_client"]) == (100.0, 50.0, 30.0)
    assert p["routine_share"] == pytest.approx(100 / 180)
    assert "Sidorov" not in oh.index or np.isnan(oh.loc["Sidorov", "routine_share"])
