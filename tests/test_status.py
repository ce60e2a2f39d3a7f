"""kapot.faces.status: what a load and the warehouse hold, worded from the store's numbers."""

from __future__ import annotations

import pandas as pd

from kapot.faces.status import describe_currency, load_lines, warehouse_summary
from kapot.store.ingest import LoadReport, ingest
from kapot.store.prepare import TableReport


def test_a_load_report_in_words_in_each_language():
    t = TableReport(
        table="sales",
        file="/x/<b>s.csv",
        rows_read=10,
        loaded=7,
        returns=2,
        rejected={"missing_date": 3},
        fallback_lines=1,
        fallback_encoding="cp1251",
    )
    rep = LoadReport(
        load_id=4,
        db="w.duckdb",
        tables=[t],
        currency="RUB",
        currency_source="guessed",
        currency_previous="USD",
    )
    en = load_lines(rep, "en")
    assert en[0].startswith("sales (<b>s.csv): 10 rows read, 7 new")
    assert len(en) == 5 and "(was USD)" in en[-1] and "RUB" in en[-1]
    ru = load_lines(rep, "ru")
    assert len(ru) == 5 and ru != en and "прочитано строк 10" in ru[0]


def test_currency_line_names_the_default_when_none_is_set():
    assert "USD here" in describe_currency(None, None, "en")
    assert "RUB" in describe_currency("RUB", "given", "ru")


def test_the_summary_words_the_warehouse_facts(db):
    _load(db)
    en = warehouse_summary(db, lang="en")
    assert any("$1,244.50" in line for line in en) and any("North: $1,234.50" in x for x in en)
    assert "Clients: 2 with purchases, 1 prospects without sales" in en
    assert any("₽" in line for line in warehouse_summary(db, lang="ru"))


def _load(db) -> None:
    sales = pd.DataFrame(
        {
            "date": ["2026-01-05", "2026-02-10", "2026-02-11"],
            "client_id": ["A", "A", "B"],
            "sku": ["S1", "S1", "S2"],
            "quantity": [1, 1, 1],
            "amount": [1000.0, 234.5, 10.0],
        }
    )
    clients = pd.DataFrame({"client_id": ["A", "B", "P"], "region": ["North", "South", "North"]})
    ingest(sales, clients=clients, db=db)
