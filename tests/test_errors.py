"""kapot.errors: the one exception a user can cause, and the nearest known values."""

import pytest

from kapot.errors import KapotError, nearest


def test_the_message_names_file_row_and_column_in_that_order():
    exc = KapotError("not a date: '2024-13-45'", file="s.csv", row=2, column="date")
    assert str(exc) == "s.csv, row 2, column 'date': not a date: '2024-13-45'"
    assert (exc.message, exc.file, exc.row, exc.column) == (
        "not a date: '2024-13-45'",
        "s.csv",
        2,
        "date",
    )


def test_only_the_places_given_are_named():
    assert str(KapotError("empty file", file="s.csv")) == "s.csv: empty file"
    assert str(KapotError("bad", column="qty")) == "column 'qty': bad"
    assert str(KapotError("bad", row=0)) == "row 0: bad"  # row 0 is a place too, not "none"
    assert str(KapotError("no warehouse")) == "no warehouse"


def test_it_is_an_exception_with_its_one_line_as_args():
    with pytest.raises(KapotError) as info:
        raise KapotError("bad", file="f.xlsx", row=7)
    assert info.value.args == ("f.xlsx, row 7: bad",)
    assert isinstance(info.value, Exception)


def test_nearest_gives_the_close_values_in_their_own_spelling():
    known = ["Petrova", "Ivanov", "Sidorov", "Petrov"]
    got = nearest("petrva", known).split(", ")
    assert got[0] == "Petrova" and "Petrov" in got and "Ivanov" not in got


def test_nearest_without_a_close_value_lists_the_first_known_ones():
    known = [f"R{i:02d}" for i in range(12)]
    assert nearest("zzzz", known, n=2) == "R00, R01, R02, R03, …"
    assert nearest("zzzz", known[:4], n=2) == "R00, R01, R02, R03"  # all shown: no ellipsis


def test_nearest_ignores_empty_and_non_string_values_and_duplicates():
    assert nearest("x", ["", None, 3, "Kazan", "Kazan"]) == "Kazan"
    assert nearest("x", []) == "-"
    assert nearest("x", [None, ""]) == "-"
