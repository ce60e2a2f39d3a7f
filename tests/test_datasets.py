"""kapot.store.datasets: the UCI Online Retail files in kapot's canonical columns."""

import pandas as pd
import pytest

from kapot.errors import KapotError
from kapot.store.datasets import ONLINE_RETAIL_MAPPING, load_online_retail

# the two spellings UCI ships: Online Retail (352) and Online Retail II (502)
RETAIL = {
    "InvoiceNo": ["536365", "C536379"],
    "StockCode": ["85123A", "D"],
    "Description": ["WHITE HANGING HEART T-LIGHT HOLDER", "Discount"],
    "Quantity": ["6", "-1"],
    "InvoiceDate": ["2010-12-01 08:26:00", "2010-12-01 09:41:00"],
    "UnitPrice": ["2.55", "27.5"],
    "CustomerID": ["17850", ""],
    "Country": ["United Kingdom", "Café Land"],
}
RETAIL_II = {
    "Invoice": ["489434"],
    "StockCode": ["85048"],
    "Description": ["15CM CHRISTMAS GLASS BALL 20 LIGHTS"],
    "Quantity": [12],
    "InvoiceDate": [pd.Timestamp("2009-12-01 07:45")],
    "Price": [6.95],
    "Customer ID": [13085.0],
    "Country": ["United Kingdom"],
}
CANONICAL = [
    "invoice_id",
    "sku",
    "product_name",
    "quantity",
    "date",
    "price",
    "client_id",
    "region",
]


def test_online_retail_csv_in_canonical_columns(tmp_path):
    path = tmp_path / "online_retail.csv"
    pd.DataFrame(RETAIL).to_csv(path, index=False, encoding="latin-1")  # as UCI ships it
    df = load_online_retail(path)
    assert list(df.columns) == CANONICAL
    assert df["region"].tolist() == ["United Kingdom", "Café Land"]  # latin-1 read right
    assert df["invoice_id"].tolist() == ["536365", "C536379"]  # text, as in the file
    assert df["client_id"].isna().iloc[1]  # a line without a customer is kept


def test_online_retail_ii_xlsx_sheet_and_parquet(tmp_path):
    xlsx = tmp_path / "online_retail_II.xlsx"
    with pd.ExcelWriter(xlsx) as w:
        pd.DataFrame(RETAIL_II).to_excel(w, sheet_name="Year 2009-2010", index=False)
        pd.DataFrame(RETAIL_II).assign(Invoice=["581587"]).to_excel(
            w, sheet_name="Year 2010-2011", index=False
        )
    assert load_online_retail(xlsx)["invoice_id"].astype(str).tolist() == ["489434"]
    later = load_online_retail(xlsx, sheet="Year 2010-2011")
    assert later["invoice_id"].astype(str).tolist() == ["581587"]
    assert list(later.columns) == CANONICAL
    pq = tmp_path / "retail.parquet"
    pd.DataFrame(RETAIL_II).to_parquet(pq)
    assert load_online_retail(pq).loc[0, "price"] == pytest.approx(6.95)


def test_a_missing_file_or_column_is_one_clear_error(tmp_path):
    with pytest.raises(KapotError) as info:
        load_online_retail(tmp_path / "nope.csv")
    assert info.value.file == str(tmp_path / "nope.csv")
    path = tmp_path / "no_price.csv"
    pd.DataFrame(RETAIL).drop(columns="UnitPrice").to_csv(path, index=False)
    with pytest.raises(KapotError, match="price") as info:
        load_online_retail(path)
    assert info.value.file == str(path) and "Quantity" in str(info.value)  # the columns found


def test_the_mapping_covers_both_spellings():
    assert {ONLINE_RETAIL_MAPPING[k] for k in RETAIL} == set(CANONICAL)
    assert {ONLINE_RETAIL_MAPPING[k] for k in RETAIL_II} == set(CANONICAL)
