"""Hostile and odd inputs from issue 14: each is a clear one-line error with exit code 2 and
an unchanged warehouse, or a counted warning. Fixtures are in tests/fixtures/hostile/."""

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kapot import KapotError
from kapot.cli import main
from kapot.faces.status import load_lines
from kapot.store.ingest import ingest

from .conftest import query, write

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
GOOD = "date,customer id,sku,qty,amount\n2024-01-05,C1,A,2,20.50\n2024-02-10,C2,B,3,30.75\n"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def loaded(tmp_path, db):
    """A warehouse with one good load, and a function that proves it did not change."""
    ingest(write(tmp_path / "good.csv", GOOD), db=db)
    before = digest(db)

    def unchanged() -> bool:
        return digest(db) == before and not list(db.parent.glob("*.tmp-*"))

    return unchanged


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize(
    ("name", "row", "column", "message"),
    [
        ("amount_1e309.csv", 3, "amount", "'1e309' is not a finite number"),
        ("amount_inf.csv", 3, "amount", "'inf' is not a finite number"),
        ("date_9999.csv", 3, "date", "'9999-12-31' is outside the accepted dates"),
        ("date_0001.csv", 2, "date", "'0001-01-01' is outside the accepted dates 1900-01-01"),
        ("mixed_utf8_then_cp1251.csv", 3, None, "not valid utf-8, unlike the lines before"),
        ("mixed_cp1251_then_utf8.csv", 3, None, "UTF-8 while the file is read as cp1251"),
        ("not_excel.xlsx", None, None, "is named .xlsx but is not an Excel workbook"),
    ],
)
def test_hostile_fixtures_are_one_line_errors_and_change_nothing(
    tmp_path, db, loaded, capsys, name, row, column, message
):
    src = tmp_path / name
    shutil.copyfile(HOSTILE / name, src)
    with pytest.raises(KapotError) as err:
        ingest(src, db=db)
    assert message in str(err.value)
    assert (err.value.file, err.value.row, err.value.column) == (str(src), row, column)
    assert loaded()
    rc, out, stderr = run_cli(capsys, "ingest", "--sales", str(src), "--db", str(db))
    assert rc == 2 and out == ""
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert message in stderr and str(src) in stderr
    assert loaded()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e309", "not a finite number"),
        ("-1e309", "not a finite number"),
        ("inf", "not a finite number"),
        ("-Infinity", "not a finite number"),
        ("1e15", "too large"),
        ("-2,5e20", "too large"),
        ("1 000 000 000 000 000", "too large"),
    ],
)
def test_non_finite_and_absurd_numbers_are_rejected_in_every_number_column(
    tmp_path, db, loaded, value, message
):
    quoted = f'"{value}"'
    sales = GOOD + f"2024-03-01,C3,A,1,{quoted}\n"
    with pytest.raises(KapotError, match=message) as err:
        ingest(write(tmp_path / "s.csv", sales), db=db)
    assert (err.value.row, err.value.column) == (4, "amount")
    products = f'sku,name,price,stock_qty\nA,Bolt,1,2\nB,Nut,3,"{value}"\n'
    with pytest.raises(KapotError, match=message) as err:
        ingest(products=write(tmp_path / "p.csv", products), db=db)
    assert (err.value.row, err.value.column) == (3, "stock_qty")
    assert loaded()


def test_numbers_just_below_the_limit_load(tmp_path, db):
    rep = ingest(write(tmp_path / "s.csv", GOOD + "2024-03-01,C3,A,1,999999999999999\n"), db=db)
    assert rep.tables[0].loaded == 3
    assert query(db, "SELECT max(amount) FROM sales") == [[999999999999999.0]]


def test_quantity_times_price_beyond_the_limit_is_rejected(tmp_path, db, loaded):
    text = "date,customer id,sku,qty,price\n2024-01-05,C1,A,2,20\n2024-01-06,C1,A,1e10,1e10\n"
    with pytest.raises(KapotError, match="too large") as err:
        ingest(write(tmp_path / "s.csv", text), db=db)
    assert err.value.row == 3
    assert loaded()


def test_nan_text_is_an_empty_cell_and_a_counted_soft_reject(tmp_path, db):
    """The documented rule: NaN/null/None are empty cells (as pandas writes them), so a line
    whose amount is NaN is skipped and counted like any line with a missing amount."""
    rep = ingest(write(tmp_path / "s.csv", GOOD + "2024-03-01,C3,A,1,NaN\n"), db=db)
    assert rep.tables[0].rejected == {"missing_amount": 1}
    assert query(db, "SELECT count(*) FROM sales WHERE NOT isfinite(amount)") == [[0]]
    with pytest.raises(KapotError, match="is empty") as err:
        ingest(write(tmp_path / "s2.csv", GOOD + "2024-03-01,C3,A,1,nan\n"), db=db, strict=True)
    assert err.value.row == 4


@pytest.mark.parametrize(
    ("frame_dates", "row"),
    [
        (pd.to_datetime(["2024-01-01", "9999-12-31"]).as_unit("us"), 2),
        (pd.to_datetime(["0001-01-01", "2024-01-01"], format="%Y-%m-%d").as_unit("s"), 1),
        (pd.Series([45322.0, 2958465.0]), 2),  # Excel serials: 2024-01-31, 9999-12-31
        (pd.Series([1e300, 45322.0]), 1),
    ],
    ids=["datetime-9999", "datetime-0001", "serial-9999", "serial-huge"],
)
def test_out_of_range_dates_in_typed_input(db, frame_dates, row):
    frame = pd.DataFrame(
        {
            "date": frame_dates,
            "client_id": ["C1", "C2"],
            "sku": ["A", "B"],
            "quantity": [1.0, 2.0],
            "amount": [10.0, 20.0],
        }
    )
    with pytest.raises(KapotError, match="outside the accepted dates") as err:
        ingest(frame, db=db)
    assert (err.value.row, err.value.column) == (row, "date")
    assert not db.exists()


def test_non_finite_numbers_in_typed_input(db):
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "client_id": ["C1", "C2"],
            "sku": ["A", "B"],
            "quantity": [1.0, np.inf],
            "amount": [10.0, 20.0],
        }
    )
    with pytest.raises(KapotError, match="not a finite number") as err:
        ingest(frame, db=db)
    assert (err.value.row, err.value.column) == (2, "quantity")


@pytest.mark.parametrize("where", ["header", "first-rows", "past-the-sample"])
def test_fields_over_128_kb_are_rejected_cleanly(tmp_path, db, loaded, capsys, where):
    big = "x" * 200_000
    if where == "header":
        text = f"date,customer id,sku,qty,amount,{big}\n2024-01-05,C1,A,2,20.5,1\n"
        row = 1
    elif where == "first-rows":
        text = GOOD + f'2024-03-01,C3,"{big}",1,1\n'
        row = 4
    else:  # beyond the 256 KB the delimiter and header are sniffed from: pandas reads it
        filler = "".join(f"2024-01-05,C{i},A,2,20.5\n" for i in range(20_000))
        text = "date,customer id,sku,qty,amount\n" + filler + f'2024-03-01,C3,"{big}",1,1\n'
        row = 20_002
    src = write(tmp_path / "long.csv", text)
    with pytest.raises(KapotError, match="longer than the limit of 131,072") as err:
        ingest(src, db=db)
    assert err.value.row == row
    assert len(str(err.value)) < 300  # the value is never quoted whole
    rc, _, stderr = run_cli(capsys, "ingest", "--sales", str(src), "--db", str(db))
    assert rc == 2 and "Traceback" not in stderr and "_csv.Error" not in stderr
    assert loaded()


def test_a_long_field_under_the_limit_is_read(tmp_path, db):
    name = "Щ" * 100_000
    text = "date,customer id,client name,sku,qty,amount\n" + f'2024-01-05,C1,"{name}",A,2,20.5\n'
    ingest(write(tmp_path / "s.csv", text), db=db)
    assert query(db, "SELECT length(name) FROM clients") == [[100_000]]


def test_a_bad_long_value_is_quoted_shortened(tmp_path, db):
    text = GOOD + "2024-03-01,C3,A,1," + "9" * 5000 + "x\n"
    with pytest.raises(KapotError, match=r"as a number") as err:
        ingest(write(tmp_path / "s.csv", text), db=db)
    assert "(5,001 chars)" in str(err.value) and len(str(err.value)) < 300


def test_sign_conflict_is_a_counted_warning(tmp_path, db, capsys):
    src = tmp_path / "sign_conflict.csv"
    shutil.copyfile(HOSTILE / "sign_conflict.csv", src)
    rep = ingest(src, db=db)
    t = rep.tables[0]
    assert t.loaded == 3 and t.warnings == {"sign_conflict": 1} and t.returns == 2
    assert any("opposite signs" in line and line.endswith(": 1") for line in load_lines(rep))
    # the load report stored in the warehouse keeps it
    stored = query(db, "SELECT report->>'$.tables[0].warnings.sign_conflict' FROM loads")
    assert stored == [["1"]]
    rc, out, _ = run_cli(capsys, "--lang", "ru", "ingest", "--sales", str(src), "--db", str(db))
    assert rc == 0 and "разными знаками количества и суммы" in out


def test_no_warning_for_ordinary_returns(tmp_path, db):
    rep = ingest(write(tmp_path / "s.csv", GOOD + "2024-03-01,C1,A,-2,-20.5\n"), db=db)
    assert rep.tables[0].warnings == {} and rep.tables[0].returns == 1


# --------------------------------------------------------------------------- encodings


def test_mixed_file_loads_line_by_line_when_asked(tmp_path, db, capsys):
    src = tmp_path / "mixed.csv"
    shutil.copyfile(HOSTILE / "mixed_utf8_then_cp1251.csv", src)
    rep = ingest(src, db=db, mixed_encoding=True)
    t = rep.tables[0]
    assert (t.loaded, t.fallback_lines, t.fallback_encoding) == (2, 1, "cp1251")
    assert t.encoding == "utf-8+cp1251"
    assert query(db, "SELECT name FROM clients ORDER BY client_id") == [
        ["Иванов и партнёры"],
        ["Петров и сыновья"],
    ]
    assert any("decoded as cp1251" in line for line in load_lines(rep))
    other = tmp_path / "other.csv"
    shutil.copyfile(HOSTILE / "mixed_cp1251_then_utf8.csv", other)
    db2 = tmp_path / "other.duckdb"
    rc, out, err = run_cli(capsys, "ingest", "--sales", str(other), "--db", str(db2))
    assert rc == 2 and "row 3" in err and not db2.exists()
    rc, out, err = run_cli(
        capsys, "ingest", "--sales", str(other), "--db", str(db2), "--mixed-encoding"
    )
    assert rc == 0, err
    assert "lines decoded as cp1251 (the rest as UTF-8): 2" in out  # header and line 2
    assert query(db2, "SELECT name FROM clients ORDER BY 1") == [["Мебель-Про"], ["Стройсервис"]]


def test_mixed_encoding_from_the_mapping_file(tmp_path, db):
    src = tmp_path / "mixed.csv"
    shutil.copyfile(HOSTILE / "mixed_utf8_then_cp1251.csv", src)
    mapping = write(tmp_path / "m.toml", "[sales]\nmixed_encoding = true\n")
    assert ingest(src, mapping=mapping, db=db).tables[0].fallback_lines == 1
    with pytest.raises(KapotError, match="must be true or false"):
        ingest(src, mapping={"sales": {"mixed_encoding": "yes"}}, db=db)


def test_whole_file_is_checked_not_only_the_sample(tmp_path, db, loaded):
    """A cp1251 line far past the 256 KB sample of a UTF-8 file, and a UTF-8 line far past
    it in a cp1251 file, are both found (the old reader stored the latter as mojibake)."""
    lines = "".join(f"2024-01-05,C{i},A,2,20.5\n" for i in range(30_000))
    head = "date,customer id,client name,sku,qty,amount\n"
    utf8 = (head + "2024-01-04,C0,Ёлка,A,1,1\n" + lines.replace(",A,", ",Ж,")).encode()
    bad = utf8 + "2024-02-01,C9,Щука,A,1,1\n".encode("cp1251")
    src = tmp_path / "a.csv"
    src.write_bytes(bad)
    with pytest.raises(KapotError, match="unlike the lines before") as err:
        ingest(src, db=db)
    assert err.value.row == 30_003
    cp = (head + lines.replace(",A,", ",Ж,")).encode("cp1251")
    src.write_bytes(cp + "2024-02-01,C9,Щука,A,1,1\n".encode() + cp[len(head) :])
    with pytest.raises(KapotError, match="read as cp1251") as err:
        ingest(src, db=db)
    assert err.value.row == 30_002
    assert loaded()


def test_ascii_file_with_late_cp1251_is_cp1251(tmp_path, db):
    """Detection looks at the first non-ASCII line wherever it is, not at a sample."""
    lines = "".join(f"2024-01-05,C{i},A,2,20.5\n" for i in range(30_000))
    text = "date,customer id,client name,sku,qty,amount\n" + lines + "2024-02-01,C9,Щука,A,1,1\n"
    rep = ingest(write(tmp_path / "s.csv", text.replace(",A,2", ",,A,2"), "cp1251"), db=db)
    assert rep.tables[0].encoding == "cp1251"
    assert query(db, "SELECT name FROM clients WHERE client_id = 'C9'") == [["Щука"]]


def test_real_cp1251_text_is_not_taken_for_utf8(tmp_path, db):
    """Russian names whose cp1251 bytes happen to start like UTF-8 (Сёмга, Рёрих, О»)."""
    names = ["Сёмга", "Рёрих", "ООО «ОБЪЕКТ»", "Ёжик", "№ 5", "ПАО «Рёв»"]
    body = "".join(f"2024-01-0{i + 1};C{i};{n};A;1;2\n" for i, n in enumerate(names))
    text = "Дата;Контрагент;Наименование контрагента;Артикул;Количество;Сумма\n" + body
    rep = ingest(write(tmp_path / "s.csv", text, "cp1251"), db=db)
    assert rep.tables[0].encoding == "cp1251"
    got = [r[0] for r in query(db, "SELECT name FROM clients ORDER BY client_id")]
    assert got == names


def test_the_first_non_ascii_line_decides_even_when_it_starts_like_utf8(tmp_path, db):
    """cp1251 'Рёрих' begins with the bytes of UTF-8 'и': the whole line decides, not its
    first character, so an ASCII header followed by such a name is still cp1251."""
    text = "date,customer id,client name,sku,qty,amount\n2024-01-05,C1,Рёрих и Ко,A,2,20.5\n"
    rep = ingest(write(tmp_path / "s.csv", text + "2024-01-06,C2,Щука,A,1,1\n", "cp1251"), db=db)
    assert rep.tables[0].encoding == "cp1251"
    assert [r[0] for r in query(db, "SELECT name FROM clients ORDER BY 1")] == [
        "Рёрих и Ко",
        "Щука",
    ]


def test_gzipped_and_bom_files_are_checked_whole(tmp_path, db):
    import gzip

    text = GOOD.replace("C1", "Ж1") + "2024-03-01,C3,A,1,2\n"
    gz = tmp_path / "s.csv.gz"
    gz.write_bytes(gzip.compress(text.encode() + "2024-03-02,Щ,A,1,2\n".encode("cp1251")))
    with pytest.raises(KapotError, match="unlike the lines before") as err:
        ingest(gz, db=db)
    assert err.value.row == 5
    bom = write(tmp_path / "b.csv", "\ufeff" + text)
    assert ingest(bom, db=db).tables[0].encoding == "utf-8-sig"


def test_excel_sheet_errors_name_the_sheets(tmp_path, db):
    path = tmp_path / "s.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.read_csv(HOSTILE / "sign_conflict.csv").to_excel(xl, sheet_name="Продажи", index=False)
    with pytest.raises(KapotError, match="sheet 'Sales' not found; the workbook has: Продажи"):
        ingest(path, mapping={"sales": {"sheet": "Sales"}}, db=db)
    with pytest.raises(KapotError, match="sheet '3' not found"):
        ingest(path, mapping={"sales": {"sheet": 3}}, db=db)
    zipped = tmp_path / "z.xlsx"
    shutil.make_archive(str(tmp_path / "z"), "zip", HOSTILE)
    (tmp_path / "z.zip").rename(zipped)
    with pytest.raises(KapotError, match="cannot read the file"):
        ingest(zipped, db=db)
    html = write(tmp_path / "report.xls", "<html><table><tr><td>1</td></tr></table></html>")
    with pytest.raises(KapotError, match="named .xls but is not an Excel workbook"):
        ingest(html, db=db)


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ("Title\n\nmore\n" + GOOD + "2024-01-06,Smith, John,A,1,10\n2024-01-07,C3,A,1,1\n", 7),
        ("date,customer id,sku,qty,amount\n2024-01-06,C1,A,1,10,5\n" + GOOD, 2),
    ],
    ids=["later-line", "first-data-line"],
)
def test_a_line_with_more_fields_than_the_header_is_an_error_on_its_row(
    tmp_path, db, loaded, capsys, text, row
):
    src = write(tmp_path / "shifted.csv", text)
    with pytest.raises(KapotError) as err:
        ingest(src, db=db)
    assert err.value.row == row
    rc, _, stderr = run_cli(capsys, "ingest", "--sales", str(src), "--db", str(db))
    assert rc == 2 and len(stderr.strip().splitlines()) == 1
    assert loaded()


def test_messages_show_hostile_values_on_one_line(tmp_path, db):
    text = GOOD + '2024-03-01,C3,A,1,"12\x85\u2028\u202e34"\n'
    with pytest.raises(KapotError) as err:
        ingest(write(tmp_path / "s.csv", text), db=db)
    message = str(err.value)
    assert len(message.splitlines()) == 1
    assert "12\\x85\\u2028\\u202e34" in message
    headers = ",".join(f"col{i}" for i in range(20_000))
    with pytest.raises(KapotError, match="required column") as err:
        ingest(
            write(tmp_path / "wide.csv", headers + "\n" + ",".join(["1"] * 20_000) + "\n"), db=db
        )
    assert len(str(err.value)) < 600 and "(1" in str(err.value)
