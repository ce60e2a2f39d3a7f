"""kapot.models.engine.selection: the task's rows and blend inputs (made once per fold), the
precision per item, and the choice of the served ranker with its guard against the best peer
rate."""

import numpy as np
import pytest

from kapot.models.engine import EngineConfig
from kapot.models.engine.ranking import design_labels, group_pct
from kapot.models.engine.selection import Selection, beats

from .engine_data import hand_fold

NAMES = ["peer_industry", "popularity", "largest"]


def _folds(signal: str, n_folds=2, n=300, n_items=6, seed=0):
    """Labelled folds where ``signal`` ranks the buyers first and the others are noise."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_folds):
        y = rng.random(n) < 0.15
        cand = {c: rng.random(n) * 0.5 for c in NAMES}
        cand[signal] = 0.4 * y + rng.random(n) * 0.1
        out.append(hand_fold(cand, y, np.arange(n) % n_items))
    return out


def _sel(n_items=6):
    return Selection(EngineConfig(k=5), NAMES, n_items)


def test_beats_asks_for_more_than_chance():
    peer = np.array([0.10, 0.20, 0.05, 0.30, 0.15, 0.12])
    assert beats(peer + 0.05, peer)  # better on every item
    assert not beats(peer, peer)  # a tie is no win
    assert not beats(peer - 0.01, peer)
    noisy = peer + np.array([0.08, -0.07, 0.06, -0.05, 0.04, -0.03])  # mean +0.005, noise
    assert not beats(noisy, peer)


def test_beats_with_one_item_or_none():
    assert beats(np.array([0.3]), np.array([0.2])) and not beats(np.array([0.2]), np.array([0.3]))
    assert not beats(np.zeros(0), np.zeros(0))


def test_task_rows_and_inputs_are_made_once():
    fold = _folds("popularity", n_folds=1)[0]
    fold.frame["has_bought"][::3] = 1
    sel = _sel()
    rep, new = sel.task_rows(fold, "repeat"), sel.task_rows(fold, "new")
    assert (rep == np.arange(0, 300, 3)).all() and len(new) == 200
    rows, x = sel.task_design(fold, "new")
    assert (rows == new).all() and x.dtype == np.float32
    assert x.shape == (200, len(design_labels(NAMES)))
    # computed once: the fold keeps them, so its raw scores can go
    fold.frame = {"has_bought": fold.frame["has_bought"]}
    rows2, x2 = sel.task_design(fold, "new")
    assert x2 is x and (sel.task_rows(fold, "new") == rows).all()
    # a subset of the candidates is a choice of columns
    _, sub = sel.task_design(fold, "new", ["largest"])
    np.testing.assert_array_equal(sub[:, 0], x[:, 3])


def test_pct_is_the_within_item_percentile_of_the_raw_score():
    fold = _folds("popularity", n_folds=1)[0]
    raw = fold.frame["cand_popularity"].copy()
    sel = _sel()
    np.testing.assert_allclose(sel.pct(fold, "new", "popularity"), group_pct(raw, fold.item))


def test_fold_items_is_precision_per_item_with_a_purchase():
    y = np.array([1, 0, 0, 1, 0, 0, 0, 0])
    item = np.array([0, 0, 0, 0, 1, 1, 1, 1])  # item 1: nobody bought, left out
    s = np.array([1.0, 0.9, 0.8, 0.1, 1, 1, 1, 1])
    fold = hand_fold({}, y, item)
    sel = Selection(EngineConfig(k=2), NAMES, 2)
    assert sel.fold_items(fold, "new", s).tolist() == [0.5]
    assert len(sel.fold_items(fold, "new", np.full(8, np.nan))) == 0
    assert len(sel.fold_items(fold, "repeat", np.zeros(0))) == 0  # no repeat row


def test_a_ranker_that_beats_the_peers_is_served():
    sel = _sel()
    served, reason = sel.choose(_folds("popularity"), "new", NAMES)
    # popularity alone, or the blend when it ties with it (the blend wins a tie)
    assert served in {"popularity", "blend"} and reason is None
    scores = sel.validation_scores_["new"]
    assert set(scores) == {*NAMES, "blend"}
    assert scores["popularity"] > scores["peer_industry"] + 0.2


def test_the_guard_serves_the_peer_rate_when_nothing_beats_it():
    sel = _sel()
    # the peer rate is the signal: the blend can only tie with it, and a tie is no win
    served, reason = sel.choose(_folds("peer_industry"), "new", NAMES)
    assert (served, reason) == ("peer_industry", "peer_baseline_served")
    scores = sel.validation_scores_["new"]
    assert scores["blend"] == scores["peer_industry"] == max(scores.values())


def test_a_ranker_better_on_one_item_only_is_not_served():
    """largest ranks every item's buyers first; the peer rate as well, but on one item of one
    fold it misses one of five: better on average, by one item in twelve, which is chance."""
    folds = _folds("largest", seed=4)
    for f in folds:
        f.frame["cand_peer_industry"] = f.frame["cand_largest"].copy()
    f = folds[0]
    buyers = np.flatnonzero((f.item == 0) & f.y)
    assert len(buyers) >= 5
    f.frame["cand_peer_industry"][buyers[4:]] = 0.0  # below every non-buyer: 4 of the top 5
    sel = _sel()
    served, reason = sel.choose(folds, "new", NAMES)
    scores = sel.validation_scores_["new"]
    assert scores["largest"] == pytest.approx(scores["peer_industry"] + 0.2 / 12)
    assert (served, reason) == ("peer_industry", "peer_baseline_served")


def test_nothing_to_validate_serves_the_industry_region_rate():
    sel = _sel()
    assert sel.choose([], "new", NAMES) == ("peer_industry_region", "no_validation")
    folds = _folds("popularity")
    for f in folds:
        f.y[:] = False  # nobody bought: no precision to compare
    assert sel.choose(folds, "new", NAMES) == ("peer_industry_region", "nothing_to_validate")


def test_the_stack_is_a_learned_blend_chosen_on_its_validation_scores():
    """The stack's probabilities on the validation folds (trained on earlier cutoffs) rank the
    buyers first, every candidate is noise: the stack is served, and its score is reported
    beside the candidates' and the logistic blend's."""
    folds = _folds("popularity")
    rng = np.random.default_rng(1)
    for f in folds:
        f.frame["cand_popularity"] = rng.random(len(f.y)).astype(np.float32)  # noise now
        f.stack = 0.5 * f.y + 0.1 * rng.random(len(f.y))
    sel = _sel()
    served, reason = sel.choose(folds, "new", NAMES)
    assert (served, reason) == ("stack", None)
    scores = sel.validation_scores_["new"]
    assert set(scores) == {*NAMES, "blend", "stack"}
    assert scores["stack"] > max(scores[n] for n in NAMES) + 0.2
    # without the stack's scores on every fold it is not a choice
    folds[1].stack = None
    sel = _sel()
    sel.choose(folds, "new", NAMES)
    assert "stack" not in sel.validation_scores_["new"]
