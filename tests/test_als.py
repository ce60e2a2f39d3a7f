"""kapot.models.engine.als: the ALS fits started ahead on a background thread, handed to the
snapshots that read them, the same factors as the foreground's fit; with warm sweeps chained
earliest first, each cutoff's factors from the one before it, never from a later one."""

import datetime as dt
from dataclasses import replace

import numpy as np

from kapot.models.engine.candidates import als_factors, als_model, fit_als
from kapot.models.engine.folds import FoldBuilder
from kapot.models.engine.history import days
from kapot.models.engine.windows import line_counts
from kapot.store.synth import SynthConfig, generate

from .engine_data import CHEAP, END, history_of


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _builder(h, cfg):
    cols = np.arange(len(h.items("category")))
    first = dt.date(1970, 1, 1) + dt.timedelta(days=int(h.first_day))
    return FoldBuilder(h, "category", cols, cfg, first, {})


def test_als_in_the_background_chains_the_cutoffs_earliest_first_to_the_bit():
    h = history_of(generate(SynthConfig(n_clients=200, seed=41, end=END)))
    cuts = [d("2026-05-03"), d("2026-04-03"), d("2026-03-04")]  # as read: latest first
    cfg = replace(CHEAP, als_iterations=4, als_warm_iterations=2)
    fb = _builder(h, cfg)
    fb.als.start(cuts)
    assert set(fb.als.pending) == set(cuts)
    got = als_factors(fb.snap(cuts[0]), cfg)  # handed to the snapshot, then waited for
    assert cuts[0] not in fb.als.pending and "als_pending" not in fb.snap(cuts[0])._cache
    # the earliest cutoff: the foreground's fit from random factors
    prev = als_factors(h.snapshot(cuts[2], "category", 90, cfg.decay_days), cfg)
    first = als_factors(fb.snap(cuts[2]), cfg)
    assert all(np.array_equal(a, b) for a, b in zip(first, prev, strict=True))
    # each later one: two sweeps from the factors of the one before, never of a later one
    shape = (h.n_clients, len(h.items("category")))
    for cut in (cuts[1], cuts[0]):
        model = als_model(replace(cfg, als_iterations=2), shape, threads=1)
        model.user_factors, model.item_factors = prev[0].copy(), prev[1].copy()
        c = int(days([cut])[0])
        prev = fit_als(line_counts(h, c - 730, c, "category"), model)
    assert all(np.array_equal(a, b) for a, b in zip(got, prev, strict=True))
    cold = als_factors(h.snapshot(cuts[0], "category", 90, cfg.decay_days), cfg)
    assert not np.array_equal(got[0], cold[0])  # warm-started indeed
    # no warm sweeps: every cutoff from random factors, as the foreground fits it
    fb = _builder(h, replace(cfg, als_warm_iterations=0))
    fb.als.start(cuts)
    got = als_factors(fb.snap(cuts[0]), cfg)
    assert all(np.array_equal(a, b) for a, b in zip(got, cold, strict=True))
    fb.snap(cuts[1])
    fb.release(cuts[1])  # the scoring date's fit stays with its snapshot; the others go
    assert fb.als.pending == {} and "als_pending" in fb.snaps[cuts[1]]._cache
    assert als_factors(fb.snaps[cuts[1]], CHEAP)[0].shape[0] == h.n_clients
