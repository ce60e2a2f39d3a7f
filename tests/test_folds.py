"""kapot.models.engine.folds: the folds' dates by hand (and the short-history fallbacks), the
reads counted per cutoff, and the FoldBuilder making each snapshot, candidate set and boosted
model once and dropping them when nothing reads them any more."""

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from kapot.models.engine import CANDIDATES, EngineConfig
from kapot.models.engine.folds import (
    FoldBuilder,
    count_uses,
    fold_dates,
    plan_folds,
    read_order,
    train_dates,
)
from kapot.models.engine.selection import Selection
from kapot.store.synth import SynthConfig, generate

from .engine_data import CHEAP, CUT, END, history_of, tiny_history

CFG = EngineConfig()  # horizon 90, step 30, 2 validation folds, 2 boosted cutoffs, 90 days
AS_OF = dt.date(2026, 8, 1)
LONG = dt.date(2023, 1, 1)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_fold_dates_by_hand():
    assert fold_dates(CFG, AS_OF, LONG) == {
        "test": [d("2026-05-03")],
        "validation": [d("2026-02-02"), d("2026-01-03")],
    }
    # 90 days of history needed before a cutoff: from 2025-12-01, only on or after 2026-03-01
    assert fold_dates(CFG, AS_OF, d("2025-12-01")) == {"test": [d("2026-05-03")], "validation": []}
    assert fold_dates(CFG, AS_OF, d("2026-03-01")) == {"test": [], "validation": []}


def test_train_dates_by_hand():
    assert train_dates(CFG, d("2026-05-03"), LONG) == [d("2026-02-02"), d("2026-01-03")]
    assert train_dates(CFG, d("2026-05-03"), d("2025-11-01")) == [d("2026-02-02")]
    assert train_dates(CFG, d("2026-05-03"), d("2026-01-01")) == []
    assert train_dates(replace(CFG, boosted_cutoffs=0), d("2026-05-03"), LONG) == []


def test_plan_folds_and_the_short_history_fallbacks():
    full = fold_dates(CFG, AS_OF, LONG)
    assert plan_folds(CFG, AS_OF, LONG) == (full, True, [])
    # from 2025-09-01 the validation cutoffs have history but their boosted models have none:
    # the test cutoff's horizon, which has, chooses the ranker, and nothing is tested
    assert plan_folds(CFG, AS_OF, d("2025-09-01")) == (
        {"test": [], "validation": [d("2026-05-03")]},
        True,
        ["short_history_no_test"],
    )
    # no boosted model anywhere: the folds stay, without it
    assert plan_folds(replace(CFG, boosted_cutoffs=0), AS_OF, LONG) == (
        full,
        False,
        ["boosted_no_history"],
    )
    # one labelled horizon: validated on, nothing tested, no boosted model
    assert plan_folds(CFG, AS_OF, d("2026-01-01")) == (
        {"test": [], "validation": [d("2026-05-03")]},
        False,
        ["short_history_no_test"],
    )
    assert plan_folds(CFG, AS_OF, d("2026-07-01")) == ({"test": [], "validation": []}, False, [])


def test_count_uses_by_hand():
    dates = fold_dates(CFG, AS_OF, LONG)
    # each fold once; each boosted model (the three folds' and the scoring date's) reads its
    # two training cutoffs: 2026-05-03 -> 02-02, 01-03; 02-02 -> 2025-11-04, 10-05;
    # 01-03 -> 2025-10-05, 09-05; the scoring date 08-01 -> 05-03, 04-03
    assert count_uses(CFG, dates, AS_OF, LONG, True) == {
        d("2026-05-03"): 2,
        d("2026-02-02"): 2,
        d("2026-01-03"): 2,
        d("2025-11-04"): 1,
        d("2025-10-05"): 2,
        d("2025-09-05"): 1,
        d("2026-04-03"): 1,
    }
    assert count_uses(CFG, dates, AS_OF, LONG, False) == {
        d("2026-05-03"): 1,
        d("2026-02-02"): 1,
        d("2026-01-03"): 1,
    }


def test_read_order_by_hand():
    dates = fold_dates(CFG, AS_OF, LONG)
    # each fold (validation, then test) and its boosted model's training cutoffs, the scoring
    # date's training cutoffs, the scoring date; each once
    assert read_order(CFG, dates, AS_OF, LONG, True) == [
        d("2026-02-02"),
        d("2025-11-04"),
        d("2025-10-05"),
        d("2026-01-03"),
        d("2025-09-05"),
        d("2026-05-03"),
        d("2026-04-03"),
        AS_OF,
    ]
    assert read_order(CFG, dates, AS_OF, LONG, False) == [
        d("2026-02-02"),
        d("2026-01-03"),
        d("2026-05-03"),
        AS_OF,
    ]


def _builder(h, cfg=CFG, uses=None, cols=None):
    cols = np.arange(len(h.items("category"))) if cols is None else cols
    first = dt.date(1970, 1, 1) + dt.timedelta(days=int(h.first_day))
    return FoldBuilder(h, "category", cols, cfg, first, dict(uses or {}))


def test_snapshots_and_candidates_are_made_once_and_dropped_after_their_last_read():
    fb = _builder(tiny_history(), uses={CUT: 2})
    assert fb.snap(CUT) is fb.snap(CUT)
    first = fb.candidates(CUT)
    assert CUT in fb.cands and fb.candidates(CUT) is first  # the second read is the last
    assert CUT not in fb.cands and set(first) == set(CANDIDATES) - {"boosted"}


def test_boosted_models_are_trained_once_where_there_is_history():
    fb = _builder(tiny_history())
    models = fb.boosted(CUT)  # trained on 2026-03-03 and 2026-02-01: too few purchases
    assert set(models) == {"boosted", "stack"} and fb.boosted(CUT) is models
    # the candidate on its own inputs and the stack, on the same rows: a base rate each here
    assert all(set(m) == {"new", "repeat"} for m in models.values())
    assert models["boosted"] == models["stack"]
    assert fb.boosted(dt.date(2024, 8, 1)) is None  # no cutoff with 90 days of history
    assert set(fb.snaps) == {d("2026-03-03"), d("2026-02-01")}


def test_a_fold_by_hand_on_the_hand_made_history():
    """Five clients, two items: a pool of 300 is every pair. Labels: a buys X, d buys Y."""
    h = tiny_history()
    fb = _builder(h, uses={CUT: 1})
    names = [c for c in CANDIDATES if c != "boosted"]
    sel = Selection(CFG, names, 2)
    fold = fb.fold(CUT, "test", sel, use_boosted=False)
    assert fold.role == "test" and fold.cutoff == CUT
    assert list(fold.frame) == ["has_bought"]  # the raw scores went, the inputs stay
    assert fold.frame["has_bought"].tolist() == [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert np.flatnonzero(fold.y).tolist() == [0, 7]  # (a, X) and (d, Y)
    assert (
        fold.item.tolist() == [0, 1] * 5 and fold.client.tolist() == np.repeat(range(5), 2).tolist()
    )
    assert set(fold.designs) == {"new", "repeat"}
    assert fold.item_popularity.tolist() == pytest.approx([0.2, 0.4])
    # every pair in the pool: none outside
    assert all(pos.sum() == 0 and pairs.sum() == 0 for pos, pairs in fold.outside.values())
    assert CUT not in fb.cands  # its only read


def test_a_pooled_fold_counts_what_is_left_outside():
    h = history_of(generate(SynthConfig(n_clients=200, seed=41, end=END)))
    cfg = replace(CHEAP, pool_size=3)
    cut = d("2026-05-03")
    fb = _builder(h, cfg, uses={cut: 1})
    n, m = h.n_clients, len(h.items("category"))
    sel = Selection(cfg, [c for c in CANDIDATES if c != "boosted"], m)
    fold = fb.fold(cut, "test", sel, use_boosted=False)
    assert len(fold.y) < n * m / 2  # the pool, not every pair
    labels = fb.snap(cut).labels(fb.cols)
    bought = (fb.snap(cut).dense(fb.snap(cut).ever, fb.cols) > 0).ravel()
    # inside and outside add up to every pair and every purchase, per task
    for task, mask in (("repeat", bought), ("new", ~bought)):
        pos, pairs = fold.outside[task]
        inside = (fold.frame["has_bought"] > 0) == (task == "repeat")
        assert pairs.sum() + inside.sum() == mask.sum()
        assert pos.sum() + fold.y[inside].sum() == labels[mask].sum()


def test_release_keeps_only_the_scoring_dates_snapshot_and_its_factors():
    fb = _builder(tiny_history(), uses={CUT: 5})
    for c in (CUT, d("2026-01-01")):
        fb.candidates(c)
    fb.snap(CUT)._cache["other"] = 1
    fb.release(CUT)
    assert list(fb.snaps) == [CUT] and fb.cands == {}
    assert set(fb.snaps[CUT]._cache) <= {"als"}
