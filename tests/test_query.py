"""kapot.faces.calculator.query: what a manager asks (:class:`Query`) and the reasons the
calculator may give (``REASON_KEYS``)."""

import dataclasses

import pytest

from kapot.faces.calculator.query import REASON_KEYS, Query
from kapot.i18n import catalogue

from .small_calculator import small_calculator


def test_the_empty_query_asks_for_everyone_ranked_by_probability():
    q = Query()
    assert (q.categories, q.skus, q.regions, q.size_tiers, q.segments, q.managers) == ((),) * 6
    assert (q.pays_on_time, q.exclude_off_assortment, q.new_buyers_only) == (False,) * 3
    assert q.peak_month is None and q.who == "all" and q.min_expected_value == 0.0
    assert (q.limit, q.rank_by, q.off_assortment_threshold) == (50, "probability", 0.5)
    # on four clients: all of them, likeliest first (any category: C1 0.92 ... C4 0.335)
    assert small_calculator().find(q)["client_id"].tolist() == ["C1", "C3", "C2", "C4"]


def test_ranked_by_expected_value_and_cut_at_the_limit():
    calc = small_calculator()
    # expected values over both categories: C1 1000, C2 650, C3 500, C4 35
    by_value = calc.find(Query(rank_by="expected_value", limit=3))
    assert by_value["client_id"].tolist() == ["C1", "C2", "C3"]
    assert by_value.attrs["matched"] == 4 and by_value.attrs["total_expected_value"] == 2185
    assert calc.find(Query(limit=0)).empty


def test_a_query_is_a_frozen_value():
    q = Query(regions=("Moscow",), limit=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.limit = 20
    assert q == Query(regions=("Moscow",), limit=10) != Query(regions=("Kazan",), limit=10)
    assert dataclasses.replace(q, limit=20).limit == 20 and q.limit == 10
    assert {q: 1}[Query(regions=("Moscow",), limit=10)] == 1  # usable as a cache key


def test_every_reason_key_is_worded_in_both_languages():
    assert len(set(REASON_KEYS)) == len(REASON_KEYS) == 9
    texts = catalogue()
    for key in REASON_KEYS:
        assert set(texts[f"reason.{key}"]) >= {"en", "ru"}, key
