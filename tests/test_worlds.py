"""kapot.store.worlds: the generator's settings and the synthetic worlds over its defaults."""

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kapot.store.synth import generate
from kapot.store.worlds import HELD_OUT_WORLD, SEASONALITY_WORLDS, SynthConfig


def _monthly_orders(d) -> pd.DataFrame:
    """Orders (distinct invoices, returns left out) per client and month, clients by months."""
    s = d.sales[d.sales["quantity"] > 0]
    return (
        s.assign(month=s["date"].dt.to_period("M"))
        .groupby(["client_id", "month"])["invoice_id"]
        .nunique()
        .unstack(fill_value=0)
    )


def _circ(a, b):
    return np.minimum((a - b) % 12, (b - a) % 12)


def test_every_world_is_settings_of_the_generator_and_one_is_held_out():
    fields = {f.name for f in dataclasses.fields(SynthConfig)}
    assert len(SEASONALITY_WORLDS) >= 5 and HELD_OUT_WORLD in SEASONALITY_WORLDS
    assert SEASONALITY_WORLDS["today"] == {}  # today's generator is one of them
    for name, settings in SEASONALITY_WORLDS.items():
        assert set(settings) <= fields, name
        SynthConfig(**settings)  # each is a valid config
    # they differ in structure: no two worlds are the same settings
    assert len({tuple(sorted(map(repr, s.items()))) for s in SEASONALITY_WORLDS.values()}) == len(
        SEASONALITY_WORLDS
    )


def test_the_config_is_frozen_with_the_documented_defaults():
    c = SynthConfig()
    assert (c.n_clients, c.years, c.end, c.seed) == (3000, 3, dt.date(2026, 10, 31), 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.seed = 1


def test_worlds_differ_and_default_generator_is_untouched():
    a = generate(SynthConfig(n_clients=300, seed=3))
    b = generate(SynthConfig(n_clients=300, seed=3, season_kappa=(1.0, 2.0), growth_sd=0.2))
    pd.testing.assert_frame_equal(a.sales, b.sales)  # the defaults are today's generator
    # industry peaks: a seasonal client peaks within a month or two of its industry's
    t = generate(SynthConfig(n_clients=3000, seed=3, industry_peaks=True, peak_jitter=0.5)).truth
    t = t[t["seasonal"]]
    mode = t.groupby("industry")["peak_month"].agg(lambda v: v.mode().iloc[0])
    assert (_circ(t["peak_month"], t["industry"].map(mode)) <= 1).mean() > 0.9
    # lumpy orders: more empty months than Poisson at the same rate
    lumpy = generate(SynthConfig(n_clients=800, seed=3, order_dispersion=0.8, quiet_spells=0.05))
    plain = generate(SynthConfig(n_clients=800, seed=3))

    def empty_share(d):
        return (_monthly_orders(d) == 0).to_numpy().mean()

    assert empty_share(lumpy) > empty_share(plain) + 0.05


def test_a_short_world_has_two_years_of_history():
    d = generate(SynthConfig(n_clients=200, seed=1, **SEASONALITY_WORLDS["short"]))
    months = d.sales["date"].dt.to_period("M")
    assert months.max() == pd.Period("2026-10", "M")
    assert months.nunique() == 24
