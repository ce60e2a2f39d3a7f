"""kapot.models.engine.boosted: one model per task trained on the sampled pairs of earlier
snapshots, its log-odds corrected for the sample, a constant where too few purchases were
seen; prediction per task and a million rows at a time."""

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from kapot.models.engine import BOOSTED_FEATURES, CANDIDATES, EngineConfig
from kapot.models.engine.boosted import (
    STACK_FEATURES,
    boosted_predict,
    boosted_predict_all,
    distinct_rows,
    fit_boosted,
    fit_boosted_sets,
)
from kapot.store.synth import SynthConfig, generate

from .engine_data import CHEAP, CUT, END, history_of, tiny_history

CUTOFFS = (dt.date(2026, 2, 1), dt.date(2026, 3, 3))


@pytest.fixture(scope="module")
def trained():
    """Boosted models on two labelled snapshots of a 300-client world, 300 negatives a task."""
    h = history_of(generate(SynthConfig(n_clients=300, seed=41, end=END)))
    cfg = replace(CHEAP, max_boost_rows=300, boost_iterations=30, boost_learning_rate=0.2)
    snaps = [h.snapshot(c, "category", cfg.horizon_days, cfg.decay_days) for c in CUTOFFS]
    cols = np.arange(len(h.items("category")))
    asked = []

    def frames(i, rows):
        asked.append(len(rows))
        return snaps[i].pair_frame(cols, cfg, rows=rows, columns=BOOSTED_FEATURES)

    models = fit_boosted(snaps, frames, cols, cfg)
    full = [sn.pair_frame(cols, cfg, columns=BOOSTED_FEATURES) for sn in snaps]
    ys = [sn.labels(cols) for sn in snaps]
    return models, full, ys, asked


def test_one_model_per_task_corrected_for_the_sampled_negatives(trained):
    models, full, ys, _ = trained
    assert set(models) == {"new", "repeat"}
    for task in ("new", "repeat"):
        assert hasattr(models[task], "predict_proba")
        # over every pair (not only the sampled ones) the mean probability is the purchase
        # rate: without the correction it would be the sample's, several times higher
        p = np.concatenate([boosted_predict({task: models[task]}, f) for f in full])
        rep = np.concatenate([f["has_bought"] > 0 for f in full])
        rows = rep if task == "repeat" else ~rep
        y = np.concatenate(ys)[rows]
        assert p[rows].mean() == pytest.approx(y.mean(), rel=0.25), task
        # and it ranks: buyers above the others on average
        assert p[rows][y].mean() > 2 * p[rows][~y].mean(), task


def test_only_the_sampled_rows_are_made(trained):
    _, full, ys, asked = trained
    n_pairs = len(full[0]["has_bought"])
    positives = [int(y.sum()) for y in ys]
    # per snapshot: its positives and its share of 2 x 300 negatives, far fewer than every pair
    assert len(asked) == 2
    assert all(a <= p + 600 + 2 for a, p in zip(asked, positives, strict=True))
    assert all(a < n_pairs / 3 for a in asked)


def test_too_few_purchases_give_the_base_rate():
    """The hand-made history at CUT: one first purchase (d, Y) in 6 new pairs, one repeat
    (a, X) in 4."""
    sn = tiny_history().snapshot(CUT, "category", 90, 60.0)
    cols = np.array([0, 1])
    cfg = EngineConfig()
    models = fit_boosted(
        [sn], lambda i, r: sn.pair_frame(cols, cfg, rows=r, columns=BOOSTED_FEATURES), cols, cfg
    )
    assert models == {"new": pytest.approx(1 / 6), "repeat": pytest.approx(1 / 4)}


def test_boosted_predict_by_task():
    frame = {c: np.zeros(4, dtype=np.float32) for c in BOOSTED_FEATURES}
    frame["has_bought"] = np.array([1, 0, 1, 0], dtype=np.float32)
    assert boosted_predict({"new": 0.1, "repeat": 0.6}, frame).tolist() == [0.6, 0.1, 0.6, 0.1]
    assert boosted_predict({"repeat": 0.6}, frame).tolist() == [0.6, 0, 0.6, 0]  # no new model


def test_boosted_predict_all_a_million_rows_at_a_time():
    calls = []

    def frame_at(rows):
        calls.append((int(rows[0]), int(rows[-1]) + 1))
        return {"has_bought": (rows % 2).astype(np.float32)}

    out = boosted_predict_all({"new": 0.25, "repeat": 0.5}, frame_at, 1_500_000)
    assert calls == [(0, 1_000_000), (1_000_000, 1_500_000)]
    assert out.dtype == np.float32 and out[:4].tolist() == [0.25, 0.5, 0.25, 0.5]
    assert out[-1] == 0.5
    none = boosted_predict_all(None, frame_at, 3)
    assert none.dtype == np.float32 and np.isnan(none).all() and len(none) == 3


def test_distinct_rows_share_a_prediction_only_when_equal_in_every_input():
    x = np.array(
        [[1, 2], [3, 4], [1, 2], [np.nan, 0], [np.nan, 0], [3, 4], [0, -0.0], [0, 0]],
        dtype=np.float32,
    )
    todo, source = distinct_rows(x)
    # the first of each equal pair is predicted; NaN rows are never equal, so both are; -0.0
    # and 0.0 differ in their bits, so both are too
    assert todo.tolist() == [0, 1, 3, 4, 6, 7]
    assert np.array_equal(x[todo][source][[0, 1, 2, 5]], x[[0, 1, 2, 5]])
    assert source[0] == source[2] and source[1] == source[5] and source[3] != source[4]
    assert distinct_rows(np.zeros((0, 3), dtype=np.float32))[0].tolist() == []


def test_chunked_threaded_deduplicated_prediction_is_the_models_own(trained):
    """Every row's probability is what one call of the model on that row gives, whatever the
    chunks, the threads and the rows predicted once for several."""
    models, full, _, _ = trained
    f = {c: np.tile(v, 30) for c, v in full[0].items()}  # every row 30 times: > one chunk
    rep = f["has_bought"] > 0
    x = np.column_stack([f[c] for c in BOOSTED_FEATURES])
    want = np.where(
        rep,
        models["repeat"].model.decision_function(x) + models["repeat"].log_rate,
        models["new"].model.decision_function(x) + models["new"].log_rate,
    )
    want = 1 / (1 + np.exp(-want))
    for threads in (1, 2):
        assert np.array_equal(boosted_predict(models, f, threads), want)


def test_the_candidate_reads_no_candidate_and_the_stack_reads_the_others():
    """The boosted candidate is a single ranker (no other candidate's score among its inputs);
    the stack reads its inputs and the scores of every candidate that is not a client total
    already among them (popularity: orders, largest: revenue) or the boosted model itself."""
    assert not [c for c in BOOSTED_FEATURES if c.startswith("cand_")]
    extra = set(STACK_FEATURES) - set(BOOSTED_FEATURES)
    assert extra == {f"cand_{c}" for c in CANDIDATES} - {
        "cand_boosted",
        "cand_popularity",
        "cand_largest",
    }
    assert STACK_FEATURES[: len(BOOSTED_FEATURES)] == BOOSTED_FEATURES


def test_both_sets_train_on_the_same_rows_and_predict_from_their_own_columns():
    h = history_of(generate(SynthConfig(n_clients=300, seed=41, end=END)))
    cfg = replace(CHEAP, max_boost_rows=300, boost_iterations=20, boost_learning_rate=0.2)
    snaps = [h.snapshot(c, "category", cfg.horizon_days, cfg.decay_days) for c in CUTOFFS]
    cols = np.arange(len(h.items("category")))
    asked = []

    def frames(i, rows):
        asked.append(rows)
        return snaps[i].pair_frame(cols, cfg, rows=rows, columns=STACK_FEATURES)

    sets = fit_boosted_sets(
        snaps, frames, cols, cfg, {"boosted": BOOSTED_FEATURES, "stack": STACK_FEATURES}
    )
    assert len(asked) == 2  # one frame per snapshot for both sets
    for task in ("new", "repeat"):
        assert sets["boosted"][task].features == BOOSTED_FEATURES
        assert sets["stack"][task].features == STACK_FEATURES
        assert sets["boosted"][task].log_rate == sets["stack"][task].log_rate
    # the candidate alone is what fit_boosted gives, to the bit
    alone = fit_boosted(
        snaps,
        lambda i, r: snaps[i].pair_frame(cols, cfg, rows=r, columns=BOOSTED_FEATURES),
        cols,
        cfg,
    )
    f = snaps[1].pair_frame(cols, cfg, columns=STACK_FEATURES)
    np.testing.assert_array_equal(boosted_predict(alone, f), boosted_predict(sets["boosted"], f))
    # the candidate ignores the candidates' scores; the stack reads them
    g = {**f, "cand_als": np.zeros_like(f["cand_als"]), "cand_item_knn": -f["cand_item_knn"]}
    np.testing.assert_array_equal(
        boosted_predict(sets["boosted"], g), boosted_predict(sets["boosted"], f)
    )
    assert not np.array_equal(boosted_predict(sets["stack"], g), boosted_predict(sets["stack"], f))
