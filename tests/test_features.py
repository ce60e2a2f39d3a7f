"""Client features on a tiny hand-made warehouse with hand-computed expectations."""

import datetime as dt

import pandas as pd
import pytest

from kapot.models.features import client_categories, client_features
from kapot.store.ingest import ingest
from kapot.store.warehouse import Warehouse

AS_OF = dt.date(2025, 1, 1)


@pytest.fixture
def wh(db):
    sales = pd.DataFrame(
        [
            # client A: orders on 2024-10-01, 2024-11-01, 2024-12-01 (gaps 31, 30) and one in 2023
            ("2023-06-15", "A0", "A", "B1", 1, 100.0),
            ("2024-10-01", "A1", "A", "B1", 2, 200.0),
            ("2024-11-01", "A2", "A", "N1", 1, 50.0),
            ("2024-12-01", "A3", "A", "B1", 1, 100.0),
            ("2024-12-10", "R1", "A", "B1", -1, -100.0),  # a return
            # client B: one old order in an item we no longer supply
            ("2023-03-01", "B1", "B", "OLD", 4, 400.0),
            # after the as-of date: must be ignored
            ("2025-01-05", "A4", "A", "B1", 9, 9999.0),
        ],
        columns=["date", "invoice_id", "client_id", "sku", "quantity", "amount"],
    )
    products = pd.DataFrame(
        {
            "sku": ["B1", "N1", "OLD"],
            "category": ["Bolts", "Nuts", "Bolts"],
            "in_assortment": [True, True, False],
        }
    )
    clients = pd.DataFrame({"client_id": ["A", "B", "P"], "name": ["a", "b", "prospect"]})
    invoices = pd.DataFrame(
        {
            "invoice_id": ["A1", "A2", "A3", "B1"],
            "client_id": ["A", "A", "A", "B"],
            "issued": pd.to_datetime(["2024-10-01", "2024-11-01", "2024-12-01", "2023-03-01"]),
            "due": pd.to_datetime(["2024-10-31", "2024-12-01", "2024-12-15", "2023-03-31"]),
            "paid": pd.to_datetime(["2024-10-20", "2024-12-11", None, "2023-03-30"]),
            "amount": [200.0, 50.0, 100.0, 400.0],
        }
    )
    ingest(sales, clients=clients, products=products, invoices=invoices, db=db)
    return Warehouse(db)


def test_client_features_by_hand(wh):
    with wh.read() as con:
        f = client_features(con, AS_OF).set_index("client_id")
    a, b, p = f.loc["A"], f.loc["B"], f.loc["P"]
    assert list(f.index) == ["A", "B", "P"]
    # net of the return: 200 + 50 + 100 - 100 in the last 12 months, plus 100 in 2023
    assert (a["revenue_3m"], a["revenue_12m"], a["revenue_24m"], a["revenue_total"]) == (
        250.0,
        250.0,
        350.0,
        350.0,
    )
    assert a["orders"] == 4 and a["orders_12m"] == 3
    assert a["avg_order_value"] == pytest.approx(450 / 4)
    assert a["recency_days"] == 31  # last purchase 2024-12-01
    assert a["tenure_days"] == (AS_OF - dt.date(2023, 6, 15)).days
    assert a["revenue_prev_12m"] == 100.0 and a["trend_12m"] == pytest.approx(250 / 100 - 1)
    assert a["returns_share"] == pytest.approx(100 / 450)
    assert a["distinct_skus"] == 2 and a["distinct_categories"] == 2
    assert a["median_days_between_orders"] == 31  # gaps 474, 31, 30 -> median 31
    assert str(a["expected_next_order"])[:10] == "2025-01-01"
    assert not a["overdue_reorder"]
    # invoices: A2 paid 10 days late; A3 unpaid but not yet due at 2024-12-15 < as_of -> overdue 17 days
    assert a["invoices"] == 3
    assert a["late_share"] == pytest.approx(2 / 3)
    assert a["max_days_late"] == 17 and a["overdue_amount"] == 100.0
    assert not a["pays_on_time"]
    assert b["off_assortment_share"] == 1.0 and b["pays_on_time"]
    assert b["recency_days"] == (AS_OF - dt.date(2023, 3, 1)).days
    assert p["is_prospect"] and p["revenue_12m"] == 0 and pd.isna(p["pays_on_time"])


def test_as_of_rule_nothing_after_the_date_counts(wh, db):
    with wh.read() as con:
        before = client_features(con, AS_OF)
    ingest(
        pd.DataFrame(
            {
                "date": ["2025-02-01"],
                "client_id": ["B"],
                "sku": ["B1"],
                "quantity": [1],
                "amount": [5.0],
            }
        ),
        db=db,
    )
    with wh.read() as con:
        after = client_features(con, AS_OF)
        later = client_features(con, dt.date(2025, 3, 1))
    pd.testing.assert_frame_equal(before, after)
    assert later.set_index("client_id").loc["B", "recency_days"] == 28


def test_client_categories(wh):
    with wh.read() as con:
        c = client_categories(con, AS_OF)
    a = c[c["client_id"] == "A"].set_index("category")
    assert a.loc["Bolts", "revenue_total"] == 400.0 and a.loc["Nuts", "revenue_total"] == 50.0
    assert a["share"].sum() == pytest.approx(1.0)
