"""kapot.models.engine.leaderboard: the test fold's rows per ranker by hand (a perfect ranker, a
useless one, the blend, a candidate without scores left out, the lift over the largest
clients), and the rows from validation figures where there is no test fold."""

import datetime as dt

import numpy as np
import pytest

from kapot.models.engine import EngineConfig
from kapot.models.engine.leaderboard import leaderboard_rows, validation_rows
from kapot.models.engine.selection import Selection

from .engine_data import hand_fold

NAMES = ["popularity", "largest"]
TEST = dt.date(2026, 5, 3)
VALS = (dt.date(2026, 2, 2), dt.date(2026, 1, 3))


def _fold(cutoff, role, seed, n=200, n_items=4):
    """Popularity ranks every buyer first, largest ranks them last, boosted has no scores."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.1
    cand = {
        "popularity": y + rng.random(n) * 0.1,
        "largest": -(y + rng.random(n) * 0.1),
        "boosted": np.full(n, np.nan),
    }
    return hand_fold(cand, y, np.arange(n) % n_items, cutoff=cutoff, role=role)


def test_leaderboard_rows_by_hand():
    sel = Selection(EngineConfig(k=3), NAMES, 4)
    val = [_fold(d, "validation", i) for i, d in enumerate(VALS)]
    te = _fold(TEST, "test", 9)
    rows = leaderboard_rows(sel, val, te, "new", NAMES, "popularity")
    by = {r["ranker"]: r for r in rows}
    assert set(by) == {"popularity", "largest", "blend"}
    # the items' buyers, at most k = 3 of them, per item
    y, item = te.y, te.item
    want = np.mean([min(y[item == j].sum(), 3) / 3 for j in range(4) if y[item == j].any()])
    assert by["popularity"]["precision_at_k"] == pytest.approx(want)
    assert by["popularity"]["ndcg_at_k"] == pytest.approx(1.0)
    assert by["largest"]["precision_at_k"] == 0  # every buyer last
    assert by["popularity"]["items"] == len({j for j in item[y]})
    assert [r["served"] for r in rows if r["served"]] == [True] and by["popularity"]["served"]
    assert all(r["test_cutoff"] == TEST and r["task"] == "new" for r in rows)
    assert by["blend"]["validation_cutoffs"] == "2026-02-02, 2026-01-03"
    # largest found no buyer: no lift over it
    assert all(np.isnan(r["lift_vs_largest"]) for r in rows)
    # the blend fitted on the validation folds finds the popularity signal
    assert by["blend"]["precision_at_k"] == pytest.approx(want)


def test_lift_over_the_largest_clients():
    names = ["boosted", *NAMES]
    sel = Selection(EngineConfig(k=3), names, 4)
    te = _fold(TEST, "test", 9)
    te.frame["cand_largest"] = te.frame["cand_popularity"] * (te.client % 2)  # half as good
    rows = leaderboard_rows(sel, [], te, "new", names, "largest")
    by = {r["ranker"]: r for r in rows}
    # no validation fold to fit the blend on; boosted has no finite score
    assert set(by) == {"popularity", "largest"}
    ref = by["largest"]["precision_at_k"]
    assert 0 < ref < by["popularity"]["precision_at_k"]
    assert by["popularity"]["lift_vs_largest"] == pytest.approx(
        by["popularity"]["precision_at_k"] / ref
    )
    assert by["largest"]["lift_vs_largest"] == pytest.approx(1.0)
    assert by["largest"]["served"] and not by["popularity"]["served"]


def test_validation_rows_without_a_test_fold():
    sel = Selection(EngineConfig(k=3), NAMES, 7)
    sel.validation_scores_ = {
        "new": {"popularity": 0.3, "largest": 0.1, "blend": 0.4},
        "repeat": {"popularity": 0.2},
    }
    val = [_fold(VALS[0], "validation", 0)]
    rows = validation_rows(sel, val, {"new": "blend", "repeat": "popularity"})
    assert [(r["task"], r["ranker"]) for r in rows] == [
        ("new", "popularity"),
        ("new", "largest"),
        ("new", "blend"),
        ("repeat", "popularity"),
    ]
    new = {r["ranker"]: r for r in rows if r["task"] == "new"}
    assert new["blend"]["lift_vs_largest"] == pytest.approx(4.0) and new["blend"]["served"]
    assert new["popularity"]["precision_at_k"] == 0.3 and not new["popularity"]["served"]
    assert all(np.isnan(r["ndcg_at_k"]) and r["test_cutoff"] is None for r in rows)
    assert all(r["items"] == 7 and r["validation_cutoffs"] == "2026-02-02" for r in rows)
    # no largest-clients figure for the repeat task: no lift
    assert np.isnan(rows[-1]["lift_vs_largest"]) and rows[-1]["served"]
