import re

import numpy as np
import pandas as pd
import pytest

from kapot import KapotError
from kapot.store.parsing import (
    MAX_ABS_NUMBER,
    MAX_DATE,
    MAX_FIELD_CHARS,
    MIN_DATE,
    ColumnContext,
    parse_bools,
    parse_dates,
    parse_ids,
    parse_numbers,
    parse_text,
    shown,
)

CTX = ColumnContext("f.csv", "Col", lambda pos: pos + 2)


def s(*values):
    return pd.Series(list(values), dtype="str")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("2024-01-31", "2024-02-01"), ("2024-01-31", "2024-02-01")),
        (("31.01.2024", "01.02.2024 13:45"), ("2024-01-31", "2024-02-01")),
        (("31.01.2024 0:00:00", "01.02.2024 13:45:10"), ("2024-01-31", "2024-02-01")),
        (("12/1/2009 7:45", "1/31/2010 18:02"), ("2009-12-01", "2010-01-31")),
        (("45322", "45323.75"), ("2024-01-31", "2024-02-01")),
        (("2024-01-31T10:00:00", ""), ("2024-01-31", None)),
    ],
)
def test_parse_dates_formats(values, expected):
    got = parse_dates(s(*values), CTX)
    want = pd.Series([pd.Timestamp(e) if e else pd.NaT for e in expected], dtype="datetime64[ns]")
    pd.testing.assert_series_equal(got, want)


def test_parse_dates_explicit_format_and_day_first():
    got = parse_dates(s("01/02/2024"), CTX, date_format="%d/%m/%Y")
    assert got.iloc[0] == pd.Timestamp("2024-02-01")


def test_parse_dates_error_names_row_and_column():
    with pytest.raises(KapotError) as err:
        parse_dates(s("31.01.2024", "01.02.2024", "32.13.2024"), CTX)
    assert (err.value.file, err.value.row, err.value.column) == ("f.csv", 4, "Col")
    assert "32.13.2024" in str(err.value)


@pytest.mark.parametrize(
    ("values", "expected", "kw"),
    [
        (("1 234,56", "7,5"), (1234.56, 7.5), {}),
        (("1\u00a0234,56", "-3"), (1234.56, -3.0), {}),
        (("1,234.56", "2,000,000"), (1234.56, 2e6), {}),
        (("1.234,56", "10,00"), (1234.56, 10.0), {}),
        (("$162.84", "$1,027.08"), (162.84, 1027.08), {}),
        (("(12.50)", "7-"), (-12.5, -7.0), {}),
        (("1,500", "2,250"), (1500.0, 2250.0), {"delimiter": ","}),
        (("1,500", "2,250"), (1.5, 2.25), {"delimiter": ";"}),
        (("12 345 руб.", ""), (12345.0, np.nan), {}),
    ],
)
def test_parse_numbers(values, expected, kw):
    got = parse_numbers(s(*values), CTX, **kw)
    np.testing.assert_allclose(got.to_numpy(), np.array(expected, dtype=float))


def test_parse_numbers_error():
    with pytest.raises(KapotError) as err:
        parse_numbers(s("1", "2", "abc"), CTX)
    assert err.value.row == 4 and err.value.column == "Col"


def test_parse_ids_and_bools():
    assert parse_ids(s(" 13085.0 ", "A-1", "")).tolist() == ["13085", "A-1", None]
    assert parse_ids(pd.Series([13085, None], dtype="Int64")).tolist() == ["13085", None]
    assert parse_bools(s("да", "нет", "Yes", "0", ""), CTX).tolist() == [
        True,
        False,
        True,
        False,
        pd.NA,
    ]
    with pytest.raises(KapotError):
        parse_bools(s("maybe"), CTX)


@pytest.mark.parametrize(
    ("values", "row", "message"),
    [
        (("1", "inf"), 3, "'inf' is not a finite number"),
        (("-Infinity", "1"), 2, "not a finite number"),
        (("1", "2", "1e309"), 4, "'1e309' is not a finite number"),
        (("1", "1 000 000 000 000 000"), 3, "too large: numbers must be below 1e+15"),
        (("(2e15)", "1"), 2, "too large"),
    ],
)
def test_parse_numbers_rejects_infinite_and_absurd(values, row, message):
    with pytest.raises(KapotError, match=re.escape(message)) as err:
        parse_numbers(s(*values), CTX)
    assert (err.value.row, err.value.column) == (row, "Col")


def test_parse_numbers_typed_input_is_checked_too():
    with pytest.raises(KapotError, match="not a finite number") as err:
        parse_numbers(pd.Series([1.0, -np.inf]), CTX)
    assert err.value.row == 3
    with pytest.raises(KapotError, match="too large"):
        parse_numbers(pd.Series([10**16], dtype="int64"), CTX)
    got = parse_numbers(pd.Series([1.0, np.nan, MAX_ABS_NUMBER / 10]), CTX)
    assert got.isna().tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("values", "row"),
    [
        (("2024-01-31", "9999-12-31"), 3),
        (("0001-01-01", "2024-01-31"), 2),
        (("31.12.1899", "01.01.1900"), 2),
        (("01.01.2201",), 2),
    ],
)
def test_parse_dates_outside_the_range_are_errors_not_tracebacks(values, row):
    with pytest.raises(KapotError, match="outside the accepted dates 1900-01-01 to 2200-12-31"):
        parse_dates(s(*values), CTX)
    with pytest.raises(KapotError) as err:
        parse_dates(s(*values), CTX)
    assert err.value.row == row


def test_parse_dates_bounds_are_inclusive():
    got = parse_dates(s("1900-01-01", "2200-12-31"), CTX)
    assert got.tolist() == [MIN_DATE, MAX_DATE]


def test_parse_text_and_ids_reject_fields_over_the_limit():
    long = "я" * (MAX_FIELD_CHARS + 1)
    with pytest.raises(KapotError, match="131,073 characters is longer than the limit") as err:
        parse_text(s("ok", long), CTX)
    assert err.value.row == 3 and len(str(err.value)) < 200
    with pytest.raises(KapotError, match="longer than the limit"):
        parse_ids(s(long), CTX)
    assert parse_text(s("я" * MAX_FIELD_CHARS), CTX).str.len().tolist() == [MAX_FIELD_CHARS]
    assert parse_ids(s(long)).tolist() == [long]  # without a context: no check (internal use)


def test_shown_shortens_and_flattens():
    assert shown("a\nb") == "a\\nb"
    long = shown("x" * 1000)
    assert len(long) < 80 and long.endswith("(1,000 chars)")
