"""kapot.models.engine.core: what a warehouse cannot tell the rankers (by hand), the Engine's
fit on a small world with cheap settings (its attributes, report and scores), an unknown item,
and histories too short for a test fold or any fold."""

import datetime as dt
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from kapot.models.engine import CANDIDATES, TASKS, Engine, History
from kapot.models.engine.core import engine_report, warehouse_notes
from kapot.models.engine.ranking import design_labels
from kapot.models.engine.selection import Selection
from kapot.store.synth import SynthConfig, generate

from .engine_data import CHEAP, CUT, END, TINY_CLIENTS, history_of, tiny_history, tiny_lines

AS_OF = dt.date(2026, 8, 1)


@pytest.fixture(scope="module")
def small():
    return history_of(generate(SynthConfig(n_clients=150, seed=41, end=END)))


@pytest.fixture(scope="module")
def fitted(small):
    return Engine(replace(CHEAP, pool_size=0)).fit(small, AS_OF, level="category")


def test_warehouse_notes_by_hand():
    h = tiny_history()  # two regions, two industries, prospects d and e, 700 days before CUT
    assert warehouse_notes(h, CUT, 2) == []
    assert warehouse_notes(h, CUT, 1) == ["one_item"]
    flat = History(tiny_lines(), TINY_CLIENTS.assign(region="r", industry=None))
    assert warehouse_notes(flat, CUT, 2) == ["one_region", "one_industry"]
    # a, b and c are every client, and each bought before CUT
    buyers = History(tiny_lines(), TINY_CLIENTS.iloc[:3])
    assert warehouse_notes(buyers, CUT, 2) == []  # d is in the lines: a prospect at CUT
    buyers = History(tiny_lines().query("client_id != 'd'"), TINY_CLIENTS.iloc[:3])
    assert warehouse_notes(buyers, CUT, 2) == ["no_prospects"]
    # short: the first line under 183 days before the scoring date
    for days_before, notes in ((182, ["short_history"]), (183, [])):
        lines = tiny_lines().query("date > '2025-01-01'").copy()  # from a's 2025-07-01 line
        lines.loc[lines["date"].idxmin(), "date"] = pd.Timestamp(CUT - dt.timedelta(days_before))
        assert warehouse_notes(History(lines, TINY_CLIENTS), CUT, 2) == notes, days_before


def test_a_fit_validates_tests_and_serves_per_task(fitted, small):
    eng = fitted
    assert eng.items_ == list(small.items("category")) and eng.first_ == dt.date(2023, 11, 1)
    assert eng.fold_dates_ == {
        "test": [dt.date(2026, 5, 3)],
        "validation": [dt.date(2026, 2, 2), dt.date(2026, 1, 3)],
    }
    assert eng.use_boosted_ and eng.blend_names_ == list(CANDIDATES)
    assert set(eng.served_) == set(TASKS)
    assert set(eng.served_.values()) <= {*CANDIDATES, "blend"}
    lb = eng.leaderboard_
    assert set(lb["task"]) == set(TASKS) and lb.groupby("task")["served"].sum().tolist() == [1, 1]
    for task, w in eng.weights_.items():  # the blend's weights, where it is served
        assert eng.served_[task] == "blend" and list(w) == design_labels(eng.blend_names_)
    assert eng.snapshot().cutoff == AS_OF and eng.snapshot() is eng.snapshot()


def test_the_report_is_json_and_says_what_the_fit_found(fitted):
    rep = fitted.report()
    assert rep == engine_report(fitted)
    again = json.loads(json.dumps(rep))
    assert again["as_of"] == "2026-08-01" and again["level"] == "category"
    assert again["horizon_days"] == 90 and again["items"] == len(fitted.items_)
    assert again["folds"] == {"test": ["2026-05-03"], "validation": ["2026-02-02", "2026-01-03"]}
    assert set(again["validation"]) == set(TASKS) and again["served"] == fitted.served_
    assert len(again["leaderboard"]) == len(fitted.leaderboard_)
    assert {r["test_cutoff"] for r in again["leaderboard"]} == {"2026-05-03"}


def test_scores_at_the_scoring_date(fitted, small):
    items = fitted.items_[:2]
    scored = fitted.score_items(items)
    assert len(scored) == small.n_clients * 2 and scored["probability"].between(0, 1).all()
    assert list(scored["item"][:2]) == items  # client-major
    boosted = fitted.boosted_scores(items)
    assert boosted.shape == (small.n_clients * 2,) and ((boosted > 0) & (boosted < 1)).all()
    assert len(fitted.score_items()) == small.n_clients * len(fitted.items_)


def test_an_unknown_item_is_refused(small):
    with pytest.raises(ValueError, match="unknown items"):
        Engine(CHEAP).fit(small, AS_OF, level="category", items=["no such category"])


def test_a_history_with_one_labelled_horizon_validates_on_it(small):
    """From 2023-11-01: by 2024-05-01 only the cutoff 2024-02-01 has 90 days before it."""
    eng = Engine(replace(CHEAP, pool_size=0)).fit(small, dt.date(2024, 5, 1), level="category")
    assert eng.fold_dates_ == {"test": [], "validation": [dt.date(2024, 2, 1)]}
    assert "short_history_no_test" in eng.notes_ and not eng.use_boosted_
    assert "boosted" not in eng.blend_names_ and eng.boosted_scores(eng.items_[:1]) is None
    lb = eng.leaderboard_
    assert lb["test_cutoff"].isna().all() and lb["ndcg_at_k"].isna().all()
    assert set(lb["task"]) == set(TASKS)


def test_a_history_without_a_fold_still_serves_the_peer_rate():
    h = tiny_history()  # from 2024-07-01: no cutoff by 2024-12-01 has 90 days and a horizon
    eng = Engine(CHEAP).fit(h, dt.date(2024, 12, 1), level="category")
    assert eng.served_ == {"new": "peer_industry_region", "repeat": "peer_industry_region"}
    assert {"new:no_validation", "repeat:no_validation", "no_validation_fold"} <= set(eng.notes_)
    assert eng.leaderboard_.empty and eng.weights_ == {}
    scored = eng.score_items()
    assert len(scored) == 10 and np.isfinite(scored["probability"]).all()
    assert isinstance(scored, pd.DataFrame)


def test_the_blend_can_read_the_stack(small, monkeypatch):
    """EngineConfig.blend_reads_stack: the stack is one more input of the logistic blend, and
    a served blend (forced here) scores with it."""
    choose = Selection.choose

    def blend_served(self, val, task, names):
        choose(self, val, task, names)  # the validation scores, as always
        return "blend", None

    monkeypatch.setattr(Selection, "choose", blend_served)
    eng = Engine(replace(CHEAP, pool_size=0, blend_reads_stack=True)).fit(
        small, AS_OF, level="category"
    )
    assert eng.blend_names_ == [*CANDIDATES, "stack"]
    assert "stack" in eng.sel_.validation_scores_["new"]
    lb = eng.leaderboard_
    assert (lb[lb["task"] == "new"]["ranker"] == "stack").sum() == 1
    assert eng.served_ == {t: "blend" for t in TASKS}
    assert "stack_logit" in eng.weights_["new"]
    ranker = eng.ranker()
    assert set(ranker.boosted) == {"boosted", "stack"}
    scored = ranker.score(eng.snapshot(), eng.items_)
    assert len(scored) == small.n_clients * len(eng.items_)
    assert scored["probability"].between(0, 1).all()
