"""kapot.store.demo_pipeline: demo working lists and managers working through them, through
the worklist store's API."""

import datetime as dt

import pytest

from kapot.faces.calculator import Calculator
from kapot.faces.worklists import STATES, WorklistStore
from kapot.store.demo_pipeline import simulate_pipeline

from .conftest import SCORED_AS_OF as AS_OF


@pytest.fixture(scope="module")
def calc(scored_warehouse):
    return Calculator.load(scored_warehouse)


def _run(tmp_path, calc, name: str, **kw):
    store = WorklistStore(tmp_path / f"{name}.sqlite")
    return store, simulate_pipeline(store, calc, AS_OF, **kw)


def test_every_manager_gets_lists_worked_through_before_the_date(tmp_path, calc):
    store, moves = _run(tmp_path, calc, "a", list_size=20, seed=1)
    hist = store.history()
    firsts = hist[hist["from_state"].isna()]
    assert set(firsts["manager"]) == set(calc.managers())  # every manager got a list
    # the assignments to a list (first ones, and a soft refusal's after its re-call date)
    # are not moves; every other transition is
    assert moves == (hist["to_state"] != "new").sum() > 0
    assert (hist["author"] == "demo").all()
    assert (hist["at"].map(dt.datetime.fromisoformat) < dt.datetime.combine(AS_OF, dt.time())).all()
    assert set(hist["to_state"]) <= set(STATES)
    # prospects only, the best the calculator finds, at most list_size open per manager
    assert firsts.groupby("manager").size().max() <= 20 * 3
    ended = hist[hist["to_state"] == "refusal"]
    assert ended["reason"].notna().all()  # a refusal always says why


def test_the_same_seed_makes_the_same_moves(tmp_path, calc):
    a, n_a = _run(tmp_path, calc, "a", list_size=10, seed=7)
    b, n_b = _run(tmp_path, calc, "b", list_size=10, seed=7)
    c, _ = _run(tmp_path, calc, "c", list_size=10, seed=8)
    cols = ["client_id", "to_state", "at"]
    assert n_a == n_b and a.history()[cols].equals(b.history()[cols])
    assert not a.history()[cols].equals(c.history()[cols])
