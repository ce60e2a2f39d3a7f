"""kapot.store.prepare: one input read, mapped to canonical columns and parsed, without
touching the warehouse; the mapping file."""

import pandas as pd
import pytest

from kapot.errors import KapotError
from kapot.store.prepare import TableReport, load_mapping, prepare

from .conftest import write

SALES = "Дата;Контрагент;Артикул;Количество;Сумма\n05.01.2024;C1;A;2;1 234,56\n06.01.2024;C2;B;-1;-10,00\n"


def test_russian_headers_map_and_values_parse(tmp_path, db):
    p = prepare("sales", write(tmp_path / "s.csv", SALES, encoding="cp1251"))
    assert p.table == "sales"
    assert p.report.columns == {
        "date": "Дата",
        "client_id": "Контрагент",
        "sku": "Артикул",
        "quantity": "Количество",
        "amount": "Сумма",
    }
    assert p.frame["date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-06")]
    assert p.frame["amount"].tolist() == [1234.56, -10.0]
    assert (p.report.rows_read, p.report.encoding, p.report.delimiter) == (2, "cp1251", ";")
    assert not db.exists()  # nothing written


def test_amount_from_quantity_times_price(tmp_path):
    text = "date,customer id,sku,qty,price\n2024-01-05,C1,A,3,2.50\n"
    p = prepare("sales", write(tmp_path / "s.csv", text))
    assert p.frame["amount"].tolist() == [7.5]


def test_the_mapping_s_names_come_first(tmp_path):
    text = "Posting date,Customer no.,Item no.,Qty,Net amount,date\n2024-01-05,C1,A,1,9,junk\n"
    spec = {
        "columns": {
            "date": "Posting date",
            "client_id": "Customer no.",
            "sku": "Item no.",
            "quantity": "Qty",
            "amount": "Net amount",
        }
    }
    p = prepare("sales", write(tmp_path / "s.csv", text), spec=spec)
    assert p.report.columns["date"] == "Posting date"
    assert p.frame["date"].tolist() == [pd.Timestamp("2024-01-05")]


def test_a_missing_required_column_names_the_columns_found(tmp_path):
    with pytest.raises(KapotError, match="amount") as info:
        prepare("sales", write(tmp_path / "s.csv", "date,customer id,sku,qty\n2024-01-05,C1,A,1\n"))
    assert (info.value.row, info.value.column) == (1, "amount")
    assert "customer id" in str(info.value)


def test_soft_problems_are_dropped_and_counted_or_refused_when_strict(tmp_path):
    text = "client id,name\nC1,Acme\n,No id\nC1,Acme again\nC2,Beta\n"
    src = write(tmp_path / "c.csv", text)
    p = prepare("clients", src)
    assert p.report.rejected == {"missing_client_id": 1, "duplicate_key": 1}
    assert p.report.rejected_total == 2
    assert p.frame.set_index("client_id")["name"].to_dict() == {"C1": "Acme again", "C2": "Beta"}
    with pytest.raises(KapotError) as info:
        prepare("clients", src, strict=True)
    assert (info.value.file, info.value.row, info.value.column) == (str(src), 3, "client id")


def test_a_frame_is_prepared_like_a_file():
    df = pd.DataFrame({"client id": ["C1"], "name": ["Acme"], "payment terms days": ["30"]})
    p = prepare("clients", df)
    assert p.report.file == "<clients DataFrame>" and p.report.header_row is None
    with pytest.raises(KapotError, match="no data rows|no rows"):
        prepare("clients", df.iloc[:0])


def test_a_mapping_file_read_and_checked(tmp_path):
    path = write(
        tmp_path / "m.toml",
        'currency = "rub"\n[sales]\nencoding = "cp1251"\nmixed_encoding = true\n'
        '[sales.columns]\ndate = "Posting date"\n',
    )
    got = load_mapping(path)
    assert got["currency"] == "RUB"  # normalised
    assert got["sales"]["encoding"] == "cp1251" and got["sales"]["columns"] == {
        "date": "Posting date"
    }
    assert load_mapping(None) == {}
    assert load_mapping({"clients": {"columns": {"client_id": "Kod"}}})["clients"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[orders]\n", "orders"),
        ('[sales.columns]\nclient = "X"\n', "client"),
        ('[sales]\nseparator = ";"\n', "separator"),
        ('[sales]\nmixed_encoding = "yes"\n', "yes"),
        ("[sales\n", "m.toml"),
        ('currency = "RUBB"\n', "RUBB"),
    ],
)
def test_a_bad_mapping_names_the_file_and_what_is_wrong(tmp_path, content, message):
    path = write(tmp_path / "m.toml", content)
    with pytest.raises(KapotError, match=message) as info:
        load_mapping(path)
    assert info.value.file == str(path)
    with pytest.raises(KapotError) as info:
        load_mapping(tmp_path / "none.toml")
    assert info.value.file == str(tmp_path / "none.toml")


def test_a_report_starts_empty():
    r = TableReport(table="sales", file="s.csv")
    assert (r.rows_read, r.loaded, r.rejected, r.rejected_total, r.warnings) == (0, 0, {}, 0, {})
