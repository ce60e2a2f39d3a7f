import gzip

import duckdb
import pandas as pd
import pytest

from kapot import KapotError
from kapot.store import ingest as ingest_mod
from kapot.store.ingest import ingest

from .conftest import query, write

SALES_CSV = """date,invoice,customer id,sku,qty,amount
2024-01-05,INV1,C1,A,2,20.50
2024-01-05,INV1,C1,B,1,5
2024-02-10,INV2,C2,A,3,30.75
"""

# A 1C-style export: title lines, ';', cp1251, decimal comma, spaces in thousands, dd.mm.yyyy.
SALES_1C = """Отчёт о продажах за период
Организация: ООО «Крепёж»

Дата;Документ;Контрагент;Артикул;Номенклатура;Количество;Сумма;Регион;ИНН
05.01.2024 10:15:00;Реализация 0001;Стройсервис;BLT-1;Болт М8х40;1 000;12 345,67;Москва;7707083893
06.01.2024;Реализация 0002;Мебель-Про;SCR-2;Винт 4х16;250;1 250,00;Казань;
07.01.2024;Возврат 0001;Стройсервис;BLT-1;Болт М8х40;-10;-123,46;Москва;7707083893
"""


def table(db, sql):
    return query(db, sql, frame=True)


rows = query


def snapshot(db):
    """Every stored row of every table, to prove a warehouse did not change."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("sales", "clients", "products", "invoices", "categories", "loads")
        }
    finally:
        con.close()


def test_csv_comma_utf8(tmp_path, db):
    rep = ingest(write(tmp_path / "s.csv", SALES_CSV), db=db)
    t = rep.tables[0]
    assert (t.rows_read, t.loaded, t.rejected_total) == (3, 3, 0)
    assert t.columns["client_id"] == "customer id" and t.columns["quantity"] == "qty"
    got = table(
        db, "SELECT date, invoice_id, client_id, sku, quantity, amount FROM sales ORDER BY amount"
    )
    assert got["amount"].tolist() == [5.0, 20.5, 30.75]
    assert str(got["date"].iloc[0])[:10] == "2024-01-05"


def test_1c_export_semicolon_cp1251_with_title_lines(tmp_path, db):
    rep = ingest(write(tmp_path / "1c.csv", SALES_1C, "cp1251"), db=db)
    t = rep.tables[0]
    assert (t.encoding, t.delimiter, t.header_row) == ("cp1251", ";", 4)
    assert t.columns["sku"] == "Артикул" and t.columns["client_id"] == "Контрагент"
    assert t.returns == 1
    got = table(db, "SELECT * FROM sales ORDER BY date")
    assert got["quantity"].tolist() == [1000.0, 250.0, -10.0]
    assert got["amount"].tolist() == [12345.67, 1250.0, -123.46]
    assert got["is_return"].tolist() == [False, False, True]
    assert rows(db, "SELECT client_id, region, inn FROM clients ORDER BY client_id") == [
        ["Мебель-Про", "Казань", None],
        ["Стройсервис", "Москва", "7707083893"],
    ]
    products = table(db, "SELECT sku, name FROM products ORDER BY sku")
    assert products["name"].tolist() == ["Болт М8х40", "Винт 4х16"]


def test_tab_utf8_bom_gzip(tmp_path, db):
    text = SALES_CSV.replace(",", "\t")
    path = tmp_path / "s.tsv.gz"
    path.write_bytes(gzip.compress(b"\xef\xbb\xbf" + text.encode()))
    rep = ingest(path, db=db)
    assert rep.tables[0].encoding == "utf-8-sig" and rep.tables[0].delimiter == "\t"
    assert rep.tables[0].loaded == 3
    assert table(db, "SELECT count(*) n FROM sales")["n"].item() == 3


def test_xlsx_with_excel_dates_and_russian_headers(tmp_path, db):
    df = pd.DataFrame(
        {
            "Дата": pd.to_datetime(["2024-03-01", "2024-03-02"]),
            "Покупатель": ["K1", "K2"],
            "Код номенклатуры": [101, 102],
            "Кол-во": [5, 7],
            "Цена": [10.0, 2.5],
        }
    )
    path = tmp_path / "sales.xlsx"
    df.to_excel(path, index=False)
    rep = ingest(path, db=db)
    assert rep.tables[0].loaded == 2
    got = table(db, "SELECT sku, amount, date FROM sales ORDER BY sku")
    assert got["sku"].tolist() == ["101", "102"]
    assert got["amount"].tolist() == [50.0, 17.5]  # quantity x price
    assert str(got["date"].iloc[1])[:10] == "2024-03-02"


def test_parquet_and_excel_serial_dates_in_csv(tmp_path, db):
    pd.DataFrame(
        {
            "Date": ["45292", "45293"],
            "Customer": ["X", "Y"],
            "SKU": ["s1", "s2"],
            "Quantity": [1, 2],
            "Amount": [1.0, 2.0],
        }
    ).to_parquet(tmp_path / "s.parquet")
    ingest(tmp_path / "s.parquet", db=db)
    got = table(db, "SELECT date FROM sales ORDER BY date")
    assert [str(d)[:10] for d in got["date"]] == ["2024-01-01", "2024-01-02"]


def test_mapping_file_overrides_detection(tmp_path, db):
    csv = "Posting date|Customer no.|Item no.|Qty|Unit price|Item group\n15.03.2024|K-9|X1|4|2,50|Bolts\n"
    src = write(tmp_path / "nav.txt", csv, "cp1251")
    mapping = write(
        tmp_path / "m.toml",
        """
[sales]
encoding = "cp1251"
delimiter = "|"
decimal = ","
date_format = "%d.%m.%Y"
[sales.columns]
date = "Posting date"
client_id = "Customer no."
sku = "Item no."
quantity = "Qty"
price = "Unit price"
category = "Item group"
""",
    )
    rep = ingest(src, mapping=mapping, db=db)
    assert rep.tables[0].loaded == 1
    got = table(db, "SELECT s.amount, p.category FROM sales s JOIN products p USING (sku)")
    assert got.iloc[0].tolist() == [10.0, "Bolts"]


def test_mapping_errors(tmp_path, db):
    src = write(tmp_path / "s.csv", SALES_CSV)
    bad_col = write(tmp_path / "a.toml", '[sales.columns]\nclient_id = "Kunde"\n')
    with pytest.raises(KapotError) as err:
        ingest(src, mapping=bad_col, db=db)
    assert err.value.column == "Kunde" and "s.csv" in str(err.value)
    with pytest.raises(KapotError, match="unknown column 'colour'"):
        ingest(src, mapping={"sales": {"columns": {"colour": "x"}}}, db=db)
    with pytest.raises(KapotError, match="unknown table"):
        ingest(src, mapping={"orders": {}}, db=db)
    with pytest.raises(KapotError, match="not valid TOML"):
        ingest(src, mapping=write(tmp_path / "b.toml", "[sales\n"), db=db)


@pytest.mark.parametrize(
    ("text", "encoding", "mapping", "row", "column", "message"),
    [
        (
            "date,client,qty,amount\n2024-01-01,C1,1,2\n",
            "utf-8",
            None,
            1,
            "sku",
            "required column 'sku'",
        ),
        (SALES_CSV.replace("2024-02-10", "2024-02-31"), "utf-8", None, 4, "date", "2024-02-31"),
        (SALES_CSV.replace("30.75", "30.7x"), "utf-8", None, 4, "amount", "30.7x"),
        (
            SALES_CSV,
            "utf-8",
            {"sales": {"encoding": "klingon"}},
            None,
            None,
            "unknown encoding 'klingon'",
        ),
        (
            "date,client,sku,qty,amount\n2024-01-01,Ж,1,1,2\n",
            "cp1251",
            {"sales": {"encoding": "utf-8"}},
            2,
            None,
            "not valid utf-8",
        ),
        ("", "utf-8", None, None, None, "the file is empty"),
        ("date,client,sku,qty,amount\n", "utf-8", None, 1, None, "no data rows"),
        (
            "date,client,sku,qty,amount,qty\n2024-01-01,C1,A,1,2,3\n",
            "utf-8",
            None,
            1,
            "qty",
            "twice",
        ),
    ],
    ids=[
        "missing-column",
        "bad-date",
        "bad-number",
        "unknown-encoding",
        "wrong-encoding",
        "empty",
        "header-only",
        "duplicate-header",
    ],
)
def test_bad_input_names_file_row_column_and_changes_nothing(
    tmp_path, db, text, encoding, mapping, row, column, message
):
    ingest(write(tmp_path / "good.csv", SALES_CSV), db=db)
    before = snapshot(db)
    bad = write(tmp_path / "bad.csv", text, encoding)
    with pytest.raises(KapotError) as err:
        ingest(bad, mapping=mapping, db=db)
    assert message in str(err.value)
    assert err.value.file == str(bad)
    assert err.value.row == row
    if column:
        assert err.value.column == column
    assert snapshot(db) == before
    assert not list(db.parent.glob("*.tmp-*"))


def test_soft_problems_are_counted_and_strict_makes_them_errors(tmp_path, db):
    text = SALES_CSV + "2024-02-11,INV3,,A,1,1\n2024-02-12,INV4,C3,,1,1\n2024-02-13,INV5,,A,1,1\n"
    src = write(tmp_path / "s.csv", text)
    rep = ingest(src, db=db)
    t = rep.tables[0]
    assert t.rows_read == 6 and t.loaded == 3
    assert t.rejected == {"missing_client_id": 2, "missing_sku": 1}
    with pytest.raises(KapotError) as err:
        ingest(src, db=db, strict=True)
    assert (err.value.row, err.value.column) == (5, "customer id")


def test_reload_is_idempotent_and_next_export_appends_only_new_lines(tmp_path, db):
    jan = SALES_CSV
    # the next export overlaps: it repeats February's line and adds two new ones,
    # one of which is an exact copy of another line in the same file (two identical lines)
    feb = (
        SALES_CSV.splitlines()[0]
        + "\n"
        + "\n".join(
            [SALES_CSV.splitlines()[3], "2024-03-01,INV9,C2,A,1,10", "2024-03-01,INV9,C2,A,1,10"]
        )
        + "\n"
    )
    first = ingest(write(tmp_path / "jan.csv", jan), db=db)
    again = ingest(write(tmp_path / "jan.csv", jan), db=db)
    nxt = ingest(write(tmp_path / "feb.csv", feb), db=db)
    assert first.tables[0].loaded == 3
    assert (again.tables[0].loaded, again.tables[0].duplicates) == (0, 3)
    assert (nxt.tables[0].loaded, nxt.tables[0].duplicates) == (2, 1)
    assert table(db, "SELECT count(*) n FROM sales")["n"].item() == 5
    loads = table(db, "SELECT load_id FROM loads ORDER BY 1")["load_id"].tolist()
    assert loads == [1, 2, 3]


def test_dimension_upsert_keeps_prospects_and_never_blanks(tmp_path, db):
    clients_v1 = (
        "client_id,name,region,phone\nC1,Alpha,Moscow,+7 900\nP9,Prospect Ltd,Kazan,+7 901\n"
    )
    clients_v2 = "client_id,name,region,phone\nC1,Alpha LLC,,\n"
    ingest(
        write(tmp_path / "s.csv", SALES_CSV), clients=write(tmp_path / "c1.csv", clients_v1), db=db
    )
    rep = ingest(clients=write(tmp_path / "c2.csv", clients_v2), db=db)
    assert (rep.tables[0].loaded, rep.tables[0].updated) == (0, 1)
    assert rows(db, "SELECT client_id, name, region, phone FROM clients ORDER BY client_id") == [
        ["C1", "Alpha LLC", "Moscow", "+7 900"],
        ["C2", None, None, None],  # known from its sales only
        ["P9", "Prospect Ltd", "Kazan", "+7 901"],  # a prospect: no sales, kept
    ]


def test_duplicate_keys_in_a_dimension_file_are_counted(tmp_path, db):
    text = "sku,name,category,in_assortment,stock_qty,stock_since\nA,Bolt,Bolts,да,10,01.02.2024\nA,Bolt M8,Bolts,нет,0,\n"
    rep = ingest(products=write(tmp_path / "p.csv", text), db=db)
    assert rep.tables[0].rejected == {"duplicate_key": 1}
    got = table(db, "SELECT name, in_assortment, stock_qty FROM products")
    assert got.values.tolist() == [["Bolt M8", False, 0.0]]


def test_invoices(tmp_path, db):
    text = "Номер счета;Контрагент;Дата счета;Срок оплаты;Дата оплаты;Сумма\nA1;C1;01.02.2024;15.02.2024;20.02.2024;1 000,50\nA2;C1;01.03.2024;15.03.2024;;500\n"
    rep = ingest(invoices=write(tmp_path / "inv.csv", text, "cp1251"), db=db)
    assert rep.tables[0].loaded == 2
    got = table(db, "SELECT invoice_id, paid, amount FROM invoices ORDER BY 1")
    assert got["amount"].tolist() == [1000.5, 500.0]
    assert pd.isna(got["paid"].iloc[1])


def test_failure_mid_load_leaves_warehouse_unchanged(tmp_path, db, monkeypatch):
    ingest(write(tmp_path / "s.csv", SALES_CSV), db=db)
    before = snapshot(db)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_mod, "_insert_sales", boom)
    more = SALES_CSV + "2024-04-01,INV7,C7,Z,1,1\n"
    with pytest.raises(RuntimeError):
        # the clients from this file are written before the sales fail
        ingest(
            write(tmp_path / "more.csv", more),
            clients=write(tmp_path / "c.csv", "client_id,name\nC7,New\n"),
            db=db,
        )
    assert snapshot(db) == before
    assert not list(tmp_path.glob("*.tmp-*"))


def test_nothing_to_load():
    with pytest.raises(KapotError, match="nothing to load"):
        ingest()
