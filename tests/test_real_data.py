"""Ingestion end to end on the real public files in ../shared/data/real/ (see SOURCES.md)."""

import io

import pandas as pd
import pytest

from kapot import KapotError
from kapot.cli import main
from kapot.faces.calculator import Calculator, Query
from kapot.store.datasets import load_online_retail
from kapot.store.ingest import ingest

from .conftest import query

pytestmark = [pytest.mark.real, pytest.mark.slow]


def q(db, sql):
    return [tuple(r) for r in query(db, sql)]


def test_online_retail_ii(real, db):
    path = real / "uci_online_retail_ii_sheet_2009_2010.parquet"
    rep = ingest(path, db=db)
    t = rep.tables[0]
    assert t.rows_read == 525_461
    assert t.rejected == {"missing_client_id": 107_927}  # lines without a Customer ID
    assert t.loaded == 525_461 - 107_927
    assert t.returns == 9_839  # cancelled invoices ('C…'), kept and flagged
    assert t.columns["region"] == "Country" and t.columns["price"] == "Price"
    assert rep.derived_clients == 4_383
    # amount is quantity x price; the file's own total over customer lines
    raw = pd.read_parquet(path).dropna(subset=["Customer ID"])
    total = float((raw["Quantity"] * raw["Price"]).sum())
    assert q(db, "SELECT sum(amount) FROM sales")[0][0] == pytest.approx(total)
    assert q(db, "SELECT count(*) FROM sales WHERE is_return")[0][0] == 9_839
    assert q(db, "SELECT region FROM clients WHERE client_id = '13085'") == [("United Kingdom",)]
    # loading it again adds nothing
    again = ingest(path, db=db)
    assert (again.tables[0].loaded, again.tables[0].duplicates) == (0, 417_534)


def test_online_retail_loader(real):
    df = load_online_retail(real / "uci_online_retail_ii_sheet_2009_2010.parquet")
    assert len(df) == 525_461
    assert {"date", "invoice_id", "client_id", "sku", "quantity", "price", "region"} <= set(
        df.columns
    )


def test_iowa_liquor_sales(real, db):
    rep = ingest(real / "iowa_liquor_sales_sample_10k_2012_2015.csv.gz", db=db)
    t = rep.tables[0]
    assert (t.rows_read, t.loaded, t.rejected_total) == (10_000, 10_000, 0)
    assert t.columns["client_id"] == "Store Number" and t.columns["amount"] == "Sale (Dollars)"
    assert t.columns["category"] == "Category Name"
    assert (rep.derived_clients, rep.derived_products) == (1_244, 1_574)
    row = q(
        db,
        "SELECT date, client_id, sku, quantity, amount FROM sales WHERE invoice_id = 'S29198800001'",
    )
    assert [str(row[0][0]), *row[0][1:]] == ["2015-11-20", "2191", "297", 6.0, 162.84]
    assert q(db, "SELECT name, city, region FROM clients WHERE client_id = '2191'") == [
        ("Keokuk Spirits", "KEOKUK", "Lee")
    ]


def test_1c_predict_future_sales_with_russian_names(real, db):
    rep = ingest(
        real / "pfs_1c_sales_subset_2013_2015.parquet",
        clients=real / "pfs_1c_shops_ru.csv.gz",
        products=real / "pfs_1c_items_ru.csv.gz",
        categories=real / "pfs_1c_item_categories_ru.csv.gz",
        db=db,
    )
    by = {t.table: t for t in rep.tables}
    assert (by["categories"].loaded, by["clients"].loaded, by["products"].loaded) == (
        84,
        60,
        22_170,
    )
    assert (by["sales"].rows_read, by["sales"].loaded, by["sales"].rejected_total) == (
        275_993,
        275_993,
        0,
    )
    assert by["sales"].returns == 543
    # a Russian distributor's export: roubles, guessed from the Russian names and said so
    assert (rep.currency, rep.currency_source) == ("RUB", "guessed")
    assert by["sales"].columns["client_id"] == "shop_id" and "amount" not in by["sales"].columns
    # amount = item_cnt_day x item_price; the category code became its Russian name
    first = q(
        db,
        "SELECT amount FROM sales WHERE date = DATE '2013-01-03' AND client_id = '25' AND sku = '2574'",
    )
    assert first == [(798.0,)]
    assert q(db, "SELECT category FROM products WHERE sku = '2574'") == [
        ("Музыка - CD локального производства",)
    ]
    assert q(db, "SELECT count(*) FROM products WHERE regexp_matches(category, '^[0-9]+$')") == [
        (0,)
    ]
    assert q(db, "SELECT name FROM clients WHERE client_id = '25'") == [('Москва ТРК "Атриум"',)]


def test_accounts_receivable_as_invoices(real, db):
    path = real / "ibm_sample_accounts_receivable.csv"
    rep = ingest(invoices=path, db=db)
    t = rep.tables[0]
    assert (t.rows_read, t.loaded, t.rejected_total) == (2_586, 2_586, 0)
    raw = pd.read_csv(path)
    late = int((raw["DaysLate"] > 0).sum())
    assert q(db, "SELECT count(*) FROM invoices WHERE paid > due")[0][0] == late
    assert q(db, "SELECT round(sum(amount), 2) FROM invoices")[0][0] == pytest.approx(
        raw["InvoiceAmount"].sum()
    )


def test_find_sku_on_online_retail_ii_without_categories(real, db, capsys):
    """A real export without categories: every SKU its own item, find --sku answers, the
    leaderboard is printed, illiquid-stock and who-buys work on a SKU."""
    ingest(real / "uci_online_retail_ii_sheet_2009_2010.parquet", db=db)
    as_of = "2010-09-01"
    assert main(["build", "--as-of", as_of, "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["score", "--as-of", as_of, "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Validation on your own history (SKUs" in out and "largest clients first" in out
    args = ["find", "--sku", "85123A", "--new-buyers-only", "--format", "csv", "--db", str(db)]
    assert main(args) == 0
    listed = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(listed) == 50 and listed["score"].is_monotonic_decreasing
    bought = {
        str(r[0])
        for r in query(
            db, "SELECT DISTINCT client_id FROM sales WHERE sku = '85123A' AND date < '2010-09-01'"
        )
    }
    assert bought and not set(listed["client_id"].astype(str)) & bought
    calc = Calculator.load(db)
    assert len(calc.illiquid("85123A", limit=5)) == 5
    assert main(["who-buys", "--sku", "85123A", "--format", "csv", "--db", str(db)]) == 0
    with pytest.raises(KapotError, match="unknown SKU '85123B'; nearest known: "):
        calc.find(Query(skus=("85123B",)))
