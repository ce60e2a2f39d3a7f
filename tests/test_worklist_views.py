"""kapot.faces.worklist_views: what the worklist store shows (a manager's list at a time, a
client's history of moves, the funnel of states)."""

import datetime as dt

import pytest

from kapot.faces.worklists import STATES, PipelineConfig, WorklistStore

T0 = dt.datetime(2026, 11, 2, 9, 0)


@pytest.fixture
def store(tmp_path):
    return WorklistStore(
        tmp_path / "wl.sqlite", config=PipelineConfig(max_open=50, max_deal_days=14)
    )


def test_overdue_first_and_funnel(store):
    store.create_list("Petrova", ["A", "B"], author="boss", at=T0)
    store.create_list("Petrova", ["C"], author="boss", at=T0 + dt.timedelta(days=10))
    at = T0 + dt.timedelta(days=15)
    view = store.show("Petrova", at=at)
    assert view["client_id"].tolist()[:2] == ["A", "B"] and view["overdue"].tolist() == [
        True,
        True,
        False,
    ]
    store.move("A", "contact_1", author="Petrova", at=at)
    funnel = store.funnel("Petrova", at=at).set_index("state")
    assert funnel.loc["new", "clients"] == 2 and funnel.loc["contact_1", "clients"] == 1
    assert funnel.loc["new", "overdue"] == 1 and len(funnel) == 10


def test_an_empty_store_shows_typed_empty_frames(store):
    view = store.show(at=T0)
    assert view.empty and {"days_in_work", "overdue"} <= set(view.columns)
    assert store.history().empty
    funnel = store.funnel(at=T0)
    assert funnel["state"].tolist() == list(STATES)  # every state, in the pipeline's order
    assert funnel["clients"].sum() == 0 and funnel["overdue"].sum() == 0


def test_views_by_manager_and_by_client(store):
    store.create_list("Petrova", ["A", "B"], author="boss", at=T0)
    store.create_list("Sidorov", ["C"], author="boss", at=T0)
    store.move("A", "contact_1", author="Petrova", at=T0 + dt.timedelta(days=1))
    at = T0 + dt.timedelta(days=3)
    assert sorted(store.show(at=at)["client_id"]) == ["A", "B", "C"]
    assert store.show("Sidorov", at=at)["client_id"].tolist() == ["C"]
    assert store.show("Nobody", at=at).empty
    view = store.show("Petrova", at=at).set_index("client_id")
    assert view.loc["A", "days_in_work"] == 3 and not view["overdue"].any()
    # a client's history, oldest first; everyone's in the order the moves were stored
    assert store.history("A")["to_state"].tolist() == ["new", "contact_1"]
    assert store.history()["client_id"].tolist() == ["A", "B", "C", "A"]
    assert store.funnel(at=at).set_index("state").loc["new", "clients"] == 2
