"""kapot.faces.report.funnel: the sales pipeline as it stood at a time, rebuilt from a
hand-made worklist store."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kapot.faces.report.funnel import pipeline_at
from kapot.faces.worklists import STATES, PipelineConfig, WorklistStore

T0 = dt.datetime(2026, 11, 2, 9)


def test_pipeline_at_rebuilds_a_past_week(tmp_path):
    store = WorklistStore(tmp_path / "w.sqlite", config=PipelineConfig(max_deal_days=14))
    store.create_list("Petrova", ["A", "B", "C"], author="t", at=T0)
    store.move("A", "contact_1", author="t", at=T0 + dt.timedelta(days=1))
    store.move("A", "deal", author="t", at=T0 + dt.timedelta(days=3))
    store.move("B", "contact_1", author="t", at=T0 + dt.timedelta(days=2))
    store.move("B", "refusal", author="t", at=T0 + dt.timedelta(days=20), reason="non_profile")
    store.move("A", "client", author="t", at=T0 + dt.timedelta(days=21))
    # as it stood on 2026-11-20 (18 days in): A in deal, B in contact 1, C new; all open > 14 days
    p = pipeline_at(store, dt.datetime(2026, 11, 20), week_start=dt.date(2026, 11, 16))
    f = p["funnel"].set_index("state")
    assert f.index.tolist() == list(STATES)
    assert f.loc[["new", "contact_1", "deal", "client"], "clients"].tolist() == [1, 1, 1, 0]
    assert f["overdue"].sum() == 3
    assert p["overdue"]["days_in_work"].tolist() == [17, 17, 17]
    assert p["overdue"]["client_id"].tolist() == ["A", "B", "C"]  # longest first, then by id
    conv = p["conversion"].set_index("stage")
    assert conv.loc["contact_1", "reached"] == 2
    assert conv.loc["contact_1", "rate"] == pytest.approx(2 / 3)
    assert conv.loc["deal", "reached"] == 1 and np.isnan(conv.loc["deal", "rate"])  # no contact 2
    assert p["lists"].to_dict("records") == [{"manager": "Petrova", "open": 3, "status": "under"}]
    assert p["moves_this_week"] == 0
    # and today: A is a client, B refused; the week's moves are B's refusal and A's sale
    now = pipeline_at(store, dt.datetime(2026, 12, 1), week_start=dt.date(2026, 11, 16))
    assert now["funnel"].set_index("state").loc[
        ["client", "refusal", "new"], "clients"
    ].tolist() == [1, 1, 1]
    assert now["moves_this_week"] == 2
    assert now["overdue"]["client_id"].tolist() == ["C"]  # closed clients are not overdue
    # restricted to some clients
    only_c = pipeline_at(store, dt.datetime(2026, 12, 1), pd.DataFrame({"client_id": ["C"]}))
    assert only_c["funnel"]["clients"].sum() == 1
    assert only_c["moves_this_week"] == 0  # no week_start: not counted


def _assert_empty(p):
    assert p["funnel"]["state"].tolist() == list(STATES)
    assert p["funnel"][["clients", "overdue"]].to_numpy().sum() == 0
    assert p["conversion"].empty and p["overdue"].empty and p["lists"].empty
    assert p["moves_this_week"] == 0


def test_pipeline_before_any_move_is_empty_in_every_state(tmp_path):
    store = WorklistStore(tmp_path / "w.sqlite")
    _assert_empty(pipeline_at(store, T0, week_start=T0.date()))
    # a list given at T0 is not in the pipeline as it stood at T0, only after
    store.create_list("Petrova", ["A"], author="t", at=T0)
    _assert_empty(pipeline_at(store, T0, week_start=T0.date()))
    after = pipeline_at(store, T0 + dt.timedelta(seconds=1), week_start=T0.date())
    assert after["funnel"].set_index("state").loc["new", "clients"] == 1
    assert after["moves_this_week"] == 1


def test_list_sizes_against_the_configured_size(tmp_path):
    path = tmp_path / "w.sqlite"
    store = WorklistStore(path, config=PipelineConfig(max_open=90))
    store.create_list("Ivanov", [f"I{i}" for i in range(60)], author="t", at=T0)
    store.create_list("Petrova", [f"P{i}" for i in range(50)], author="t", at=T0)
    store.create_list("Sidorov", [f"S{i}" for i in range(49)], author="t", at=T0)
    # the company cut its lists to 55 since: Ivanov's 60 are over, 50 is ok, 49 is under
    p = pipeline_at(
        WorklistStore(path, config=PipelineConfig(max_open=55)), T0 + dt.timedelta(days=1)
    )
    assert p["lists"].to_dict("records") == [
        {"manager": "Ivanov", "open": 60, "status": "over"},
        {"manager": "Petrova", "open": 50, "status": "ok"},
        {"manager": "Sidorov", "open": 49, "status": "under"},
    ]
    conv = p["conversion"].set_index("stage")
    assert conv.loc["new", "reached"] == 159 and np.isnan(conv.loc["new", "rate"])
    assert conv.loc["contact_1", "rate"] == 0.0  # nobody contacted yet
