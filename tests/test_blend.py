"""kapot.models.engine.blend: the blend's regression (None where the labels cannot support one,
the negatives' sample reweighted) and its cross-fitted validation scores, which never read the
labels of the rows they score."""

import numpy as np

from kapot.models.engine import EngineConfig
from kapot.models.engine.blend import blend_cv, fit_lr
from kapot.models.engine.selection import Selection

from .engine_data import hand_fold

NAMES = ["popularity", "largest"]  # neither a probability: one input each


def _folds(n_folds=2, n=400, n_items=2, seed=0, rate=0.2):
    """Folds where popularity carries the signal and largest is noise, new buyers only."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_folds):
        y = rng.random(n) < rate
        cand = {"popularity": y + rng.normal(0, 0.7, n), "largest": rng.random(n)}
        out.append(hand_fold(cand, y, np.arange(n) % n_items))
    return out


def _sel(n_items=2, **cfg):
    return Selection(EngineConfig(**cfg), NAMES, n_items)


def test_fit_lr_learns_the_signal():
    sel, folds = _sel(), _folds()
    lr = fit_lr(sel, folds, "new", NAMES)
    rows, x = sel.task_design(folds[0], "new", NAMES)
    p = lr.predict_proba(x)[:, 1]
    y = folds[0].y[rows]
    assert p[y].mean() > p[~y].mean() + 0.2
    # popularity's percentile weighs more than the noise's
    coef = lr[-1].coef_[0]
    assert coef[0] > 3 * abs(coef[1])


def test_fit_lr_needs_three_positives_and_a_negative():
    sel = _sel()
    few = [hand_fold({n: np.arange(6.0) for n in NAMES}, np.array([1, 1, 0, 0, 0, 0]), np.zeros(6))]
    assert fit_lr(sel, few, "new", NAMES) is None
    every = [hand_fold({n: np.arange(6.0) for n in NAMES}, np.ones(6), np.zeros(6))]
    assert fit_lr(sel, every, "new", NAMES) is None
    # the repeat task has no row here at all
    assert fit_lr(sel, _folds(), "repeat", NAMES) is None
    # only item 1's rows, where there are two positives
    y = np.array([1, 0, 1, 0, 1, 0, 0, 0])
    two = [hand_fold({n: np.arange(8.0) for n in NAMES}, y, np.array([0, 1, 0, 1, 0, 1, 0, 1]))]
    assert fit_lr(sel, two, "new", NAMES) is not None
    assert fit_lr(sel, two, "new", NAMES, items=np.array([1])) is None


def test_sampled_negatives_are_reweighted_to_the_true_rate():
    """100 negatives of 2000 kept: reweighted, the mean probability stays the base rate (about
    0.05); unweighted it would be near 100 / 200."""
    folds = _folds(n_folds=1, n=2100, rate=0.05, seed=3)
    y = folds[0].y
    sel = _sel(max_blend_rows=100)
    lr = fit_lr(sel, folds, "new", NAMES)
    p = lr.predict_proba(sel.task_design(folds[0], "new", NAMES)[1])[:, 1]
    assert abs(p.mean() - y.mean()) < 0.02, (p.mean(), y.mean())


def test_blend_cv_scores_each_half_of_the_items_with_the_other_half():
    sel, folds = _sel(), _folds()
    out = blend_cv(sel, folds, "new", NAMES)
    assert len(out) == 2 and all(len(s) == 400 and np.isfinite(s).all() for s in out)
    # flipping item 0's labels moves only item 1's scores: item 0 is scored by the other half
    flipped = [hand_fold({}, f.y, f.item) for f in folds]
    for f, g in zip(folds, flipped, strict=True):
        g.frame.update(f.frame)
        g.y = np.where(f.item == 0, ~f.y, f.y)
    again = blend_cv(_sel(), flipped, "new", NAMES)
    for s, t, f in zip(out, again, folds, strict=True):
        np.testing.assert_allclose(s[f.item == 0], t[f.item == 0])
        assert not np.allclose(s[f.item == 1], t[f.item == 1])


def test_blend_cv_rows_of_the_other_task_score_minus_inf():
    folds = _folds()
    for f in folds:
        f.frame["has_bought"][:50] = 1  # 50 repeat rows
    out = blend_cv(_sel(), folds, "new", NAMES)
    assert all(np.isneginf(s[:50]).all() and np.isfinite(s[50:]).all() for s in out)


def test_one_item_leaves_one_fold_out():
    sel = _sel(n_items=1)
    folds = _folds(n_items=1)
    out = blend_cv(sel, folds, "new", NAMES)
    # fold 0 is scored by the model fitted on fold 1 alone, and the other way round
    for i in range(2):
        lr = fit_lr(sel, [folds[1 - i]], "new", NAMES)
        want = lr.predict_proba(sel.task_design(folds[i], "new", NAMES)[1])[:, 1]
        np.testing.assert_allclose(out[i], want)
    # one item and one fold: nothing out of sample
    assert blend_cv(sel, folds[:1], "new", NAMES) is None
    # a half whose labels cannot support a regression: no blend
    none = [hand_fold({n: np.arange(6.0) for n in NAMES}, np.zeros(6), np.arange(6) % 2)] * 2
    assert blend_cv(_sel(), none, "new", NAMES) is None
