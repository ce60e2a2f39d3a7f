"""kapot.store.readers: one input file read with its own headers, every cell as text."""

import gzip

import pandas as pd
import pytest

from kapot.errors import KapotError
from kapot.store.readers import RawTable, ReadOptions, read_table

from .conftest import write

KNOWN = {"date", "client", "sku", "qty", "amount", "дата", "контрагент"}


def score(row: list[str]) -> int:
    """A header row's score: how many known names it holds."""
    return sum(str(c).strip().lower() in KNOWN for c in row)


def test_a_csv_with_its_delimiter_and_encoding(tmp_path):
    for delim in (",", ";", "\t", "|"):
        path = write(
            tmp_path / "s.csv", f"date{delim}client{delim}qty\n2024-01-05{delim}C1{delim}2\n"
        )
        raw = read_table(path, header_score=score)
        assert isinstance(raw, RawTable) and raw.delimiter == delim
        assert list(raw.data.columns) == ["date", "client", "qty"]
        assert raw.data.iloc[0].tolist() == ["2024-01-05", "C1", "2"]  # text, not parsed
        assert (raw.encoding, raw.header_row, raw.first_row) == ("utf-8", 1, 2)


def test_title_lines_above_the_header_are_skipped_and_rows_counted_from_the_file(tmp_path):
    text = "Продажи за 2024 год\n\nОтчёт сформирован 01.02.2024\nДата;Контрагент;Сумма\n05.01.2024;ООО Ромашка;1 234,56\n06.01.2024;ИП Петров;10\n"
    path = write(tmp_path / "1c.csv", text, encoding="cp1251")
    raw = read_table(path, header_score=score)
    assert raw.encoding == "cp1251" and raw.delimiter == ";"
    assert raw.header_row == 4 and raw.first_row == 5
    assert raw.data["Контрагент"].tolist() == ["ООО Ромашка", "ИП Петров"]
    assert raw.row_of(1) == 6  # the second data row is the file's line 6


def test_options_fix_what_detection_cannot_guess(tmp_path):
    text = "a,b\nnot,the header\ndate;client\n2024-01-05;C1\n"
    path = write(tmp_path / "s.txt", text)
    raw = read_table(path, options=ReadOptions(delimiter=";", header_row=3), header_score=score)
    assert list(raw.data.columns) == ["date", "client"] and raw.first_row == 4


def test_a_gzipped_csv_is_read_decompressed(tmp_path):
    path = tmp_path / "s.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"date,client\n2024-01-05,C1\n")
    assert read_table(path, header_score=score).data["client"].tolist() == ["C1"]


def test_a_workbook_and_its_sheets(tmp_path):
    path = tmp_path / "s.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"x": [1]}).to_excel(w, sheet_name="notes", index=False)
        pd.DataFrame({"date": ["2024-01-05"], "client": ["C1"], "qty": [2.5]}).to_excel(
            w, sheet_name="sales", index=False
        )
    raw = read_table(path, options=ReadOptions(sheet="sales"), header_score=score)
    assert raw.data.iloc[0].tolist() == ["2024-01-05", "C1", "2.5"]  # cells as text
    assert (raw.header_row, raw.first_row, raw.encoding) == (1, 2, None)
    assert read_table(path, options=ReadOptions(sheet=1), header_score=score).header_row == 1
    with pytest.raises(KapotError, match="notes, sales") as info:  # the message lists the sheets
        read_table(path, options=ReadOptions(sheet="Sheet9"), header_score=score)
    assert info.value.file == str(path)


def test_a_parquet_file_keeps_its_types(tmp_path):
    path = tmp_path / "s.parquet"
    pd.DataFrame({"date": pd.to_datetime(["2024-01-05"]), "qty": [2]}).to_parquet(path)
    raw = read_table(path, header_score=score)
    assert raw.header_row is None and raw.first_row == 1
    assert raw.data["qty"].tolist() == [2]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("dup.csv", b"date,client,date\n2024-01-05,C1,x\n", "twice"),
        ("fake.xlsx", b"date,client\n2024-01-05,C1\n", "not an Excel workbook"),
    ],
)
def test_bad_files_are_one_line_errors_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(KapotError, match=message) as info:
        read_table(path, header_score=score)
    assert info.value.file == str(path) and len(str(info.value).splitlines()) == 1


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(KapotError) as info:
        read_table(tmp_path / "nope.csv", header_score=score)
    assert info.value.file == str(tmp_path / "nope.csv")
