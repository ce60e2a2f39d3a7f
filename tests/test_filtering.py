"""kapot.faces.calculator.filtering: a query checked against the data, its filters as arrays,
and the values each filter offers; by hand on four clients, then on a scored warehouse."""

import datetime as dt

import numpy as np
import pytest

from kapot import KapotError
from kapot.faces.calculator import Calculator, Query

from .small_calculator import CATEGORIES, clients, products, scores, small_calculator


@pytest.fixture
def small():
    return small_calculator()


def _ids(calc, q: Query) -> list[str]:
    return calc.find(q)["client_id"].tolist()


@pytest.mark.parametrize(
    "q, expected",
    [
        (Query(regions=("Moscow",)), {"C1", "C3"}),
        (Query(managers=("Ivanov",)), {"C2", "C3"}),
        (Query(pays_on_time=True), {"C1"}),  # an unknown payer (None) is not a good one
        (Query(peak_month="current"), {"C1"}),  # November, of 2026-11-01
        (Query(peak_month="next"), {"C3"}),
        (Query(peak_month=12), {"C3"}),
        (Query(peak_month=6), set()),
        (Query(peak_month="any"), {"C1", "C2", "C3", "C4"}),
        # C2 spends 80 % off our assortment; an unknown share (C3) counts as none
        (Query(exclude_off_assortment=True), {"C1", "C3", "C4"}),
        (Query(exclude_off_assortment=True, off_assortment_threshold=0.05), {"C3", "C4"}),
        # a share at the threshold is not above it: C1 (0.1) stays
        (Query(exclude_off_assortment=True, off_assortment_threshold=0.1), {"C1", "C3", "C4"}),
        (Query(who="prospects"), {"C4"}),
        (Query(who="existing"), {"C1", "C2", "C3"}),
        (Query(size_tiers=("small", "medium")), {"C2", "C3"}),
        # a segment is an RFM segment, an ABC class or a cluster code
        (Query(segments=("lost",)), {"C2"}),
        (Query(segments=("A",)), {"C1"}),
        (Query(segments=("K1",)), {"C1", "C3"}),
        (Query(segments=("hibernating",)), set()),  # known to kapot, no client in it
        # expected value over both categories: C1 1000, C2 650, C3 500, C4 35
        (Query(min_expected_value=600.0), {"C1", "C2"}),
        (Query(categories=("Nuts",), min_expected_value=300.0), {"C2", "C3"}),
        # never bought Bolts: C3 and C4; with both: every one but C2, who bought both
        (Query(categories=("Bolts",), new_buyers_only=True), {"C3", "C4"}),
        (Query(categories=("Bolts", "Nuts"), new_buyers_only=True), {"C1", "C3", "C4"}),
        (Query(regions=("Kazan",), who="existing"), {"C2"}),
    ],
)
def test_each_filter_by_hand(small, q, expected):
    got = small.find(q)
    assert set(got["client_id"]) == expected
    assert got.attrs["matched"] == len(expected)


def test_in_december_the_next_peak_month_is_january():
    c = clients()
    c.loc[1, ["seasonal", "peak_month", "peak_pm"]] = [True, 1.0, 0.0]  # C2 now peaks in January
    december = Calculator(c, scores(), list(CATEGORIES), dt.date(2026, 12, 15), 90, products())
    assert _ids(december, Query(peak_month="current")) == ["C3"]
    assert _ids(december, Query(peak_month="next")) == ["C2"]


def test_several_categories_score_any_of_them_and_sum_their_values(small):
    p, v, before, names = small._item_arrays(Query(categories=("Bolts", "Nuts")))
    # C1: 1 - (1 - 0.9) * (1 - 0.2)
    assert p == pytest.approx([0.92, 0.55, 0.64, 0.335])
    assert v.tolist() == [1000, 650, 500, 35] and names == ["Bolts", "Nuts"]
    assert before.tolist() == [True, True, True, False]  # bought either before
    # no item named: everything we supply, and no one has "bought it before"
    p_all, _, before_all, names_all = small._item_arrays(Query())
    assert np.array_equal(p_all, p) and not before_all.any() and names_all == []


def test_a_filter_never_changes_a_score(small):
    every = small.find(Query(categories=("Nuts",))).set_index("client_id")["score"]
    some = small.find(Query(categories=("Nuts",), regions=("Moscow",)))
    assert some["client_id"].tolist() == ["C3", "C1"]
    assert some["score"].tolist() == every.loc[["C3", "C1"]].tolist()
    assert some["score"].tolist() == pytest.approx([0.4, 0.2])


def test_the_options_each_filter_offers(small):
    assert small.regions() == ["Kazan", "Moscow"]
    assert small.managers() == ["Ivanov", "Petrova"]  # C4 has none: not offered
    known = small.known_values()
    assert known["region"] == ["Kazan", "Moscow"] and known["manager"] == ["Ivanov", "Petrova"]
    # the catalogue's tiers and segments too, even with no client in them
    assert {"large", "non_profile", "prospect"} <= set(known["size_tier"])
    assert {"A", "B", "C", "K1", "K2", "champions", "hibernating"} <= set(known["segment"])
    assert "K3" not in known["segment"] and known["segment"] == sorted(known["segment"])


@pytest.mark.parametrize(
    "q, message, near",
    [
        (Query(regions=("Moscw",)), "unknown region 'Moscw'", "Moscow"),
        (Query(managers=("Petrov",)), "unknown manager 'Petrov'", "Petrova"),
        (Query(size_tiers=("larg",)), "unknown size tier 'larg'", "large"),
        (Query(segments=("K9",)), "unknown segment 'K9'", "K1"),
        (Query(categories=("Bolt",)), "unknown category 'Bolt'", "Bolts"),
        (Query(peak_month=13), "'13' is not a month", None),
        (Query(peak_month=0), "'0' is not a month", None),
    ],
)
def test_an_unknown_value_is_an_error_naming_the_nearest(small, q, message, near):
    with pytest.raises(KapotError, match=message) as err:
        small.find(q)
    if near:
        assert near in str(err.value).split("nearest known:", 1)[1]


def test_check_passes_known_values_and_stops_at_the_first_unknown(small):
    small.check(Query(regions=("Kazan",), segments=("A", "lost"), size_tiers=("non_profile",)))
    with pytest.raises(KapotError, match="unknown region 'Nowhere'"):
        small.check(Query(regions=("Nowhere",), managers=("Nobody",)))


# ---------------------------------------------------------------- on a scored warehouse
@pytest.fixture(scope="module")
def calc(scored_warehouse):
    return Calculator.load(scored_warehouse)


def _check(calc, q, predicate):
    res = calc.find(q)
    rows = calc.clients.set_index("client_id").loc[res["client_id"]]
    assert predicate(res, rows), q
    return res


def test_each_filter_only_lets_through_what_it_should(calc):
    c = calc
    cats = c.categories
    region = c.regions()[0]
    manager = c.managers()[0]
    n = 10_000
    _check(
        c,
        Query(regions=(region,), limit=n),
        lambda r, x: (x["region"] == region).all() and len(r) > 0,
    )
    _check(c, Query(managers=(manager,), limit=n), lambda r, x: (x["manager"] == manager).all())
    _check(c, Query(pays_on_time=True, limit=n), lambda r, x: (x["pays_on_time"] == True).all())  # noqa: E712
    for peak, month in (("current", 11), ("next", 12), (7, 7)):
        _check(
            c,
            Query(peak_month=peak, limit=n),
            lambda r, x, m=month: ((x["peak_month"] == m) & x["seasonal"].astype(bool)).all(),
        )
    _check(
        c,
        Query(exclude_off_assortment=True, limit=n),
        lambda r, x: (x["off_assortment_share"] <= 0.5).all(),
    )
    _check(
        c,
        Query(who="prospects", limit=n),
        lambda r, x: x["is_prospect"].astype(bool).all() and len(r) > 0,
    )
    _check(c, Query(who="existing", limit=n), lambda r, x: (~x["is_prospect"].astype(bool)).all())
    _check(c, Query(size_tiers=("large",), limit=n), lambda r, x: (x["size_tier"] == "large").all())
    _check(
        c,
        Query(segments=("champions",), limit=n),
        lambda r, x: (x["rfm_segment"] == "champions").all(),
    )
    _check(
        c,
        Query(min_expected_value=1000.0, limit=n),
        lambda r, x: (r["expected_value"] >= 1000).all(),
    )
    j = c.categories.index(cats[0])
    bought = dict(zip(c.clients["client_id"], c.scores["has_bought"][:, j] > 0, strict=True))
    _check(
        c,
        Query(categories=(cats[0],), new_buyers_only=True, limit=n),
        lambda r, x: not any(bought[k] for k in r["client_id"]) and len(r) > 0,
    )


def test_unknown_filter_values_are_errors_with_the_nearest(calc):
    """A typo in a filter must not look like an empty list (issue 14)."""
    c = calc
    region = c.regions()[0]
    manager = c.managers()[0]
    cases = [
        (Query(regions=(region[:-1] + "x",)), "unknown region", region),
        (Query(managers=(manager.lower(),)), "unknown manager", manager),
        (Query(size_tiers=("larg",)), "unknown size tier", "large"),
        (Query(segments=("champion",)), "unknown segment", "champions"),
        (Query(categories=(c.categories[0].upper() + "s",)), "unknown category", c.categories[0]),
    ]
    for q, message, near in cases:
        with pytest.raises(KapotError, match=message) as err:
            c.find(q)
        assert near in str(err.value).split(":", 1)[1], str(err.value)
    with pytest.raises(KapotError, match="unknown category"):
        c.find(Query(categories=("Marshmallows",)))
    with pytest.raises(KapotError, match="not a month"):
        c.find(Query(peak_month=13))
    # known values with no match still give an empty list, not an error
    want = int((c.clients["size_tier"].eq("non_profile") & c.clients["region"].eq(region)).sum())
    got = c.find(Query(size_tiers=("non_profile",), regions=(region,)))
    assert got.attrs["matched"] == want and len(got) == min(want, Query().limit)
