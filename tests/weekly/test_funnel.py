"""kapot.faces.weekly.funnel: the report's section on the sales pipeline, from a hand-made
worklist store beside the hand-made warehouse."""

import datetime as dt

import pytest

from kapot.faces.weekly import WeeklyReport
from kapot.faces.worklists import WorklistStore, default_store_path

from ..conftest import figures, html_text

T0 = dt.datetime(2026, 10, 12, 9)  # six weeks before the report's date, 2026-11-23


@pytest.fixture
def store(report_warehouse, db, monkeypatch):
    monkeypatch.delenv("KAPOT_WORKLISTS", raising=False)
    store = WorklistStore(default_store_path(db))
    store.create_list("Petrova", ["A", "N"], author="t", at=T0)
    store.create_list("Sidorov", ["L"], author="t", at=T0 + dt.timedelta(days=30))
    store.move("A", "contact_1", author="t", at=T0 + dt.timedelta(days=2))
    store.move("A", "deal", author="t", at=dt.datetime(2026, 11, 17, 10))  # in the week
    store.move("N", "contact_1", author="t", at=dt.datetime(2026, 11, 24, 10))  # after it
    return store


def _pipeline(db, **scope):
    rep = WeeklyReport("2026-W47", db=db, lang="en", **scope)
    try:
        return rep.pipeline()
    finally:
        rep.close()


def test_pipeline_at_the_end_of_the_week(store, db):
    sec = _pipeline(db)
    # A in deal and N new since 12 October 9:00 (41 whole days: past 30), L new since 11 November;
    # one move in the week (A's deal), N's contact comes after it
    assert sec.note == (
        "3 clients in managers' work at the end of the week; 2 past the maximum deal length"
        " of 30 days; 1 moves this week."
    )
    html = sec.to_html()
    assert figures(html, "pipeline") == 1
    text = html_text(html)
    assert "Working lists: open prospects per manager (target 50 to 90)" in text
    assert "Petrova 2 under 50: give a new list" in text
    assert "Sidorov 1 under 50" in text
    assert "Prospects open longer than 30 days: move them on" in text
    assert "A Petrova deal 41 N Petrova new 41" in text  # by their id: no names in the data
    assert "L Sidorov" not in text.split("move them on")[1]


def test_pipeline_of_a_region(store, db):
    sec = _pipeline(db, region="Kazan")
    # only N: A's deal (in the week) is Moscow's
    assert sec.note.startswith("1 clients in managers' work at the end of the week; 1 past")
    assert sec.note.endswith("; 0 moves this week.")
    text = html_text(sec.to_html())
    assert "N Petrova new 41" in text and "A Petrova" not in text and "Sidorov" not in text


def test_pipeline_without_lists_or_nobody_in_work(report_warehouse, db, monkeypatch):
    monkeypatch.delenv("KAPOT_WORKLISTS", raising=False)
    empty = (
        "No working lists yet: give managers lists on the calculator page or with"
        " kapot worklist create."
    )
    assert _pipeline(db).empty == empty  # no store at all
    WorklistStore(default_store_path(db)).create_list(
        "Petrova", ["A"], author="t", at=dt.datetime(2026, 11, 30)
    )
    sec = _pipeline(db)  # a store, but its first list came after the week
    assert sec.empty == empty and sec.parts == []
