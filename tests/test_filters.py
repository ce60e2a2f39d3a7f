"""The one filter-query builder that the page and the CLI share."""

import pytest

from kapot import KapotError
from kapot.faces.calculator import Query
from kapot.faces.filters import build_query, split_skus


def test_typed_skus_are_split_on_commas_and_semicolons():
    assert split_skus(" A-1, B-2;C-3 ;; ") == ("A-1", "B-2", "C-3")
    assert split_skus("") == ()


def test_values_become_a_query_with_tuples():
    q = build_query(categories=["bolts", "nuts"], regions=iter(["moscow"]), limit=70)
    assert q == Query(categories=("bolts", "nuts"), regions=("moscow",), limit=70)


@pytest.mark.parametrize(
    ("given", "peak"),
    [(None, None), ("any", None), ("current", "current"), ("next", "next"), (3, 3), ("11", 11)],
)
def test_peak_month_as_the_page_and_the_cli_give_it(given, peak):
    assert build_query(peak_month=given).peak_month == peak


def test_a_peak_month_that_is_no_month_is_one_clear_error():
    with pytest.raises(KapotError, match="June"):
        build_query(peak_month="June")
