import numpy as np
import pandas as pd
import pytest

from kapot import KapotError
from kapot.parsing import ColumnContext, parse_bools, parse_dates, parse_ids, parse_numbers

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
