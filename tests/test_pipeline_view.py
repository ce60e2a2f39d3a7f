"""kapot.faces.page.pipeline_view: the pipeline tab without a browser: a manager's working list
as HTML, a list given from a query, a client moved on, and what each role may do, on four
made-up clients and a pipeline store in a temporary folder (a fixed clock)."""

import datetime as dt
import re

import pandas as pd
import pytest

from kapot import KapotError
from kapot.faces.calculator import Query
from kapot.faces.page.pipeline_view import PipelineView, pipeline_html
from kapot.faces.worklists import PipelineConfig, WorklistStore
from kapot.server.access import Scope

from .small_calculator import small_calculator

NOW = dt.datetime(2026, 11, 2, 10, 0)
HEAD = Scope("boss", "head")


def test_pipeline_html_by_hand():
    view = pd.DataFrame(
        {
            "client_id": ["C1", "C9"],
            "state": ["new", "contact_1"],
            "days_in_work": [40, 2],
            "overdue": [True, False],
        }
    )
    funnel = pd.DataFrame({"state": ["new", "contact_1", "deal"], "clients": [1, 1, 0]})
    out = pipeline_html(view, funnel, pd.Series({"C1": "Alpha"}), "en")
    # the states with clients and their counts, none for an empty state
    assert out.startswith('<div class="kapot-summary">new: 1 · contact 1: 1</div>')
    rows = re.findall(r'<tr class="(\w*)" data-client="(\w+)">', out)
    assert rows == [("overdue", "C1"), ("", "C9")]
    assert "<td>Alpha<br><small>C1</small></td>" in out  # C9 has no name: its id
    assert "<td>C9<br><small>C9</small></td>" in out
    assert "<td>overdue: move on</td>" in out and '<td class="num">40</td>' in out
    ru = pipeline_html(view, funnel, pd.Series(dtype=object), "ru")
    assert "<td>просрочено: двигайте дальше</td>" in ru


@pytest.fixture
def store(tmp_path):
    return WorklistStore(tmp_path / "wl.sqlite", config=PipelineConfig())


def _view(store, scope=HEAD, manager="Ivanov"):
    return PipelineView(
        small_calculator(), "en", store=store, scope=scope, now=lambda: NOW, manager=manager
    )


def test_give_a_list_show_it_and_move_a_client(store):
    v = _view(store)
    assert v.manager.options == ("Ivanov", "Petrova") and v.manager.value == "Ivanov"
    v.show()
    assert "Ivanov has no working list yet" in v.pipeline.value and v.move_client.options == ()
    # the head gives Ivanov the two best of the query: C1 and C3 (C2 and C4 rank below)
    v.give_list(Query(), 2)
    assert v.message.value == "2 clients added to Ivanov&#x27;s working list."
    assert re.findall(r'data-client="(\w+)"', v.pipeline.value) == ["C1", "C3"]
    assert [c for _, c in v.move_client.options] == ["C1", "C3"] and v.move_client.value == "C1"
    v.move_state.value = "contact_1"
    v.move()
    assert v.message.value == "C1: new → contact 1"
    assert store.history("C1")["to_state"].tolist() == ["new", "contact_1"]
    assert store.history("C1")["author"].tolist() == ["boss", "boss"]
    # the client moved stays picked after the redraw
    assert v.move_client.value == "C1" and ("Alpha (C1) — contact 1", "C1") in v.move_client.options


def test_the_list_size_is_clipped_to_90_and_at_least_one(store):
    v = _view(store)
    v.give_list(Query(), 0)
    assert len(store.show(at=NOW)) == 1


def test_what_each_role_may_do(store):
    analyst = _view(store, Scope("an", "analyst"))
    assert analyst.give.disabled and analyst.move_button.disabled  # reads, moves nothing
    with pytest.raises(KapotError):
        analyst.give_list(Query(), 5)
    mine = _view(store, Scope("iv", "manager", "Ivanov"), manager="Petrova")
    assert mine.manager.options == ("Ivanov",) and mine.manager.value == "Ivanov"
    assert not mine.give.disabled
    nobody = _view(store, Scope("x", "manager", None), manager=None)
    assert nobody.manager.options == () and nobody.manager.value is None
    nobody.show()  # no manager to show: nothing drawn
    assert nobody.pipeline.value == ""


def test_nothing_picked_moves_nothing(store):
    v = _view(store)
    v.show()
    v.move()
    assert v.message.value == "" and store.show(at=NOW).empty
