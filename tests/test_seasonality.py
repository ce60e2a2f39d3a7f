"""Seasonality: the test on hand-made series, and the models on synthetic truth."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kapot.models.features import monthly_orders
from kapot.models.seasonality import client_seasonality, fit_harmonic
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate
from kapot.store.warehouse import Warehouse

MONTHS = pd.period_range("2022-01", "2024-12", freq="M")


def test_growth_is_not_a_season():
    # a client doubling every year, no season: raw month ranks would call December the peak
    t = np.arange(len(MONTHS))
    y = np.round(5 * np.exp(np.log(2) * t / 12))[None, :]
    res = fit_harmonic(y, np.ones_like(y), MONTHS)
    assert res["p_value"].iloc[0] > 0.05


def test_clear_peak_is_found():
    rng = np.random.default_rng(0)
    m = MONTHS.month.to_numpy()
    lam = 4 * np.exp(1.5 * np.cos(2 * np.pi * (m - 7) / 12))
    y = rng.poisson(lam)[None, :].astype(float)
    res = fit_harmonic(y, np.ones_like(y), MONTHS)
    assert res["peak_month"].iloc[0] == 7 and res["p_value"].iloc[0] < 1e-6
    assert res["strength"].iloc[0] > 2


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    db = tmp_path_factory.mktemp("seas") / "w.duckdb"
    end = dt.date(2026, 10, 31)
    d = generate(SynthConfig(n_clients=2500, seed=5, end=end))
    ingest(d.sales, clients=d.clients, products=d.products, db=db)
    as_of = end + dt.timedelta(days=1)
    with Warehouse(db).read() as con:
        s = client_seasonality(monthly_orders(con, as_of), d.clients, as_of)
    return s.merge(d.truth, on="client_id", suffixes=("", "_true"))


def test_peaks_on_synthetic_truth(synthetic):
    x = synthetic
    long = x["months_of_history"] >= 24
    ts = x[x["seasonal_true"] & long]
    diff = np.minimum(
        (ts["peak_month"] - ts["peak_month_true"]) % 12,
        (ts["peak_month_true"] - ts["peak_month"]) % 12,
    )
    assert len(ts) > 300
    # the targets are 85 % / 95 %, measured by `make bench` on unseen seeds; here a margin
    assert (ts["peak_month"] == ts["peak_month_true"]).mean() > 0.8
    assert (diff <= 1).mean() > 0.93
    ns = x[~x["seasonal_true"] & ~x["prospect"] & long]
    assert (ns["seasonal"]).mean() < 0.06


def test_sources_and_columns(synthetic):
    x = synthetic
    assert set(x["source"]) <= {"own", "segment", "none"}
    assert (x.loc[x["source"] == "none", "peak_month"] == 0).all()
    assert x.loc[x["seasonal"], "peak_month"].between(1, 12).all()
    # own verdicts need two yearly cycles; prospects can only borrow
    assert (x.loc[x["source"] == "own", "months_of_history"] >= 24).all()
    assert (x.loc[x["prospect"], "source"] != "own").all()
    profile = x[[f"m{i:02d}" for i in range(1, 13)]]
    buyers = x["orders"] > 0
    np.testing.assert_allclose(profile[buyers].sum(axis=1), 1.0)


def test_orders_in_unobserved_months_do_not_poison_the_test():
    rng = np.random.default_rng(1)
    y = rng.poisson(5.0, size=(1, len(MONTHS))).astype(float)
    w = np.ones_like(y)
    w[0, :3] = 0  # months left out of observation that still hold orders
    res = fit_harmonic(y, w, MONTHS)
    assert np.isfinite(res["p_value"].iloc[0]) and res["n"].iloc[0] == len(MONTHS) - 3


def test_newcomers_first_month_is_not_evidence():
    # data from Jan 2022; a client arriving in Oct 2023 buys steadily, with a big first order
    months = pd.period_range("2022-01", "2024-12", freq="M")
    ts = months.to_timestamp()
    steady = pd.DataFrame({"client_id": "old", "month": ts, "orders": 3})
    new = pd.DataFrame({"client_id": "new", "month": ts[21:], "orders": [9] + [3] * 14})
    monthly = pd.concat([steady, new], ignore_index=True)
    clients = pd.DataFrame({"client_id": ["old", "new"], "industry": ["x", "x"]})
    out = client_seasonality(monthly, clients, dt.date(2025, 1, 1)).set_index("client_id")
    assert out.loc["old", "months_of_history"] == 36
    assert out.loc["new", "months_of_history"] == 14  # Nov 2023 .. Dec 2024
    # every month at 3 orders: flat. Counting the first month (9) would make October 2/12
    assert out.loc["new", "m10"] == pytest.approx(1 / 12)


def test_prior_dispersion_recovers_how_noisy_the_clients_are():
    from kapot.models.harmonic import _prior_dispersion

    rng = np.random.default_rng(1)
    dof = np.full(4000, 32.0)
    # every client Poisson: one common dispersion of 1
    phi0, d0 = _prior_dispersion(rng.chisquare(32, 4000) / 32, dof)
    assert phi0 == pytest.approx(1.0, abs=0.02) and d0 > 500
    # true dispersions drawn from the prior the method assumes (scaled inverse chi-square:
    # phi0 = 2, d0 = 20), each seen with 32 dof
    true = 2 * 20 / rng.chisquare(20, 4000)
    phi0, d0 = _prior_dispersion(true * rng.chisquare(32, 4000) / 32, dof)
    assert phi0 == pytest.approx(2.0, rel=0.05) and 12 < d0 < 35


@pytest.mark.parametrize("overdispersed", [False, True])
def test_moderated_test_keeps_its_level(overdispersed):
    # 3,000 clients without a season (36 months, mean 3 orders): Poisson, or negative binomial
    # with variance 2.5 times the mean; at the 5 % level about 5 % are flagged, not more
    rng = np.random.default_rng(2)
    shape = (3000, len(MONTHS))
    if overdispersed:
        y = rng.negative_binomial(2, 2 / (2 + 3.0), size=shape).astype(float)
    else:
        y = rng.poisson(3.0, size=shape).astype(float)
    res = fit_harmonic(y, np.ones_like(y), MONTHS, moderate=True)
    assert (res["p_value"] < 0.05).mean() <= 0.065
    # a moderate season is found far more often than by chance
    m = MONTHS.month.to_numpy()
    lam = 3.0 * np.exp(0.5 * np.cos(2 * np.pi * (m - 5) / 12))
    ys = rng.poisson(np.broadcast_to(lam, (500, len(MONTHS)))).astype(float)
    both = fit_harmonic(np.vstack([y, ys]), np.ones((3500, len(MONTHS))), MONTHS, moderate=True)
    assert (both["p_value"].iloc[3000:] < 0.05).mean() > 0.6


# ---------------------------------------------------------------- worlds (issue 13)
END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)


def _monthly(d) -> pd.DataFrame:
    """Orders per client and month straight from the generated lines (as monthly_orders.sql
    counts them: distinct invoices, returns left out)."""
    s = d.sales[d.sales["quantity"] > 0]
    return (
        s.assign(
            client_id=s["client_id"].astype(str),
            month=s["date"].dt.to_period("M").dt.to_timestamp(),
        )
        .groupby(["client_id", "month"])["invoice_id"]
        .nunique()
        .rename("orders")
        .reset_index()
    )


def _circ(a, b):
    return np.minimum((a - b) % 12, (b - a) % 12)


_WORLD_CACHE: dict = {}


def _world(name: str, **over):
    key = (name, tuple(sorted(over.items())))
    if key not in _WORLD_CACHE:
        from kapot.store.synth import SEASONALITY_WORLDS

        cfg = SynthConfig(n_clients=1500, seed=7, end=END, **{**SEASONALITY_WORLDS[name], **over})
        d = generate(cfg)
        s = client_seasonality(_monthly(d), d.clients, AS_OF)
        _WORLD_CACHE[key] = s.merge(d.truth, on="client_id", suffixes=("", "_true"))
    return _WORLD_CACHE[key]


def _world_names():
    from kapot.store.synth import SEASONALITY_WORLDS

    return list(SEASONALITY_WORLDS)


@pytest.mark.parametrize("world", _world_names())
def test_no_season_gives_calibrated_p_values(world):
    # clients generated without any season in this world's structure: the p-values of those
    # with two cycles are uniform or conservative, never liberal, and at most ~5 % are flagged
    from scipy import stats

    x = _world(world, seasonal_share=0.0)
    p = x.loc[x["months_of_history"] >= 24, "p_value"].dropna().to_numpy()
    assert len(p) > 500
    # no excess of small p-values (the empirical CDF not above the uniform one)
    assert stats.kstest(p, "uniform", alternative="greater").pvalue > 0.01
    for a in (0.01, 0.05, 0.1):
        assert (p < a).mean() <= a + 2.5 * np.sqrt(a * (1 - a) / len(p))
    assert not (x["seasonal"] & (x["source"] == "own")).mean() > 0.06


@pytest.mark.parametrize("overdispersion", [0.0, 0.3, 0.6, 1.5])
def test_p_values_are_uniform_whatever_the_dispersion(overdispersion):
    # the client test on pure negative-binomial noise of growing dispersion (variance
    # mu + d mu^2), 36 months, sizes varying: never liberal; uniform (KS, both sides) for mild
    # dispersion; at heavy dispersion the empirical null can overshoot and the test turns
    # conservative (d = 0.6 and 1.5: about 3 % flagged instead of 5 %)
    from scipy import stats

    rng = np.random.default_rng(4)
    n = 3000
    rate = 2.6 * rng.lognormal(0, 0.5, n)[:, None] * np.ones((1, len(MONTHS)))
    if overdispersion:
        rate = rate * rng.gamma(1 / overdispersion, overdispersion, rate.shape)
    y = rng.poisson(rate).astype(float)
    res = fit_harmonic(y, np.ones_like(y), MONTHS, moderate=True, calibrate=True)
    p = res["p_value"].to_numpy()
    assert (p < 0.05).mean() <= 0.06
    assert stats.kstest(p, "uniform", alternative="greater").pvalue > 0.01
    if overdispersion <= 0.3:
        assert stats.kstest(p, "uniform").pvalue > 0.001
    else:
        assert (p < 0.05).mean() > 0.01  # conservative, not blind


@pytest.mark.parametrize("world", _world_names())
def test_a_client_with_a_known_peak_in_each_world(world):
    x = _world(world)
    long = x[x["seasonal_true"] & (x["months_of_history"] >= 24)]
    # the five clearest seasonal clients of the world (most orders times sharpest season):
    # found, at their true month or next to it and within their stated ±months, most exactly
    # (in the lumpy world 3 of 5: even a busy client's lumpy months blur its phase)
    best = long.loc[(long["kappa"] * long["orders_per_month"]).nlargest(5).index]
    assert (best["source"] == "own").all() and best["seasonal"].all()
    miss = _circ(best["peak_month"], best["peak_month_true"])
    assert (miss <= 1).all() and (miss <= best["peak_pm"]).all()
    assert (miss == 0).sum() >= (3 if world == "lumpy" else 4)
    assert best["peak_pm"].between(0, 1).all()
    # and the world as a whole: the stated ±months hold most true peaks
    found = long[long["seasonal"]]
    cover = (_circ(found["peak_month"], found["peak_month_true"]) <= found["peak_pm"]).mean()
    assert cover > 0.85
    assert (_circ(long["peak_month"], long["peak_month_true"]) <= 1).mean() > 0.75


@pytest.mark.parametrize("world", ["industry_jitter", "short"])
def test_short_histories_borrow_from_their_industry(world):
    # clients with less than two cycles get no own verdict; in worlds where clients peak near
    # their industry's month, they borrow it
    x = _world(world)
    short = x[x["seasonal_true"] & (x["months_of_history"] < 24) & (x["months_of_history"] > 0)]
    assert len(short) > 40
    assert (short["source"] != "own").all()
    borrowed = short[short["source"] == "segment"]
    assert len(borrowed) > 0.5 * len(short)
    assert (_circ(borrowed["peak_month"], borrowed["peak_month_true"]) <= 1).mean() > 0.85
    assert borrowed["peak_pm"].notna().all()


@pytest.mark.parametrize("smooth", [False, True])
def test_industry_prior_weight_is_data_driven(smooth):
    # 300 clients of industry A all peak in June; 300 of B peak anywhere. A noisy client whose
    # phase sits at May 20th (between May and June, nearer June-1): in A the prior settles it
    # on June, in B it keeps its own nearest month (May); the clients' smooth prior and the
    # pairs' nonparametric one alike
    from kapot.models.peak_prior import (
        _month_loglik,
        _posterior,
        _segment_prior,
        _segment_prior_smooth,
    )

    rng = np.random.default_rng(3)
    peaks = np.r_[np.full(300, 6), rng.integers(1, 13, 300)]
    theta = 2 * np.pi * (peaks + rng.normal(0, 0.15, 600)) / 12
    a, b = np.r_[np.cos(theta), 0, 0], np.r_[np.sin(theta), 0, 0]
    noisy = 2 * np.pi * 5.4 / 12
    a[-2:], b[-2:] = 0.5 * np.cos(noisy), 0.5 * np.sin(noisy)
    var = np.r_[np.full(600, 0.002), 0.08, 0.08]
    cov = var[:, None, None] * np.eye(2)[None]
    seg = np.r_[np.zeros(300, int), np.ones(300, int), 0, 1]
    ll = _month_loglik(a, b, cov)
    fit = _segment_prior_smooth if smooth else _segment_prior
    prior = fit(ll, seg, 2, np.r_[np.ones(600, bool), False, False])
    post = _posterior(ll, np.log(prior))
    assert post[-2].argmax() + 1 == 6 and post[-1].argmax() + 1 == 5
    assert prior[0, 5] > 0.8 and prior[300:600].max() < 0.2  # sharp in A, flat in B


def test_smooth_prior_does_not_invent_a_season_for_an_industry_of_60():
    # an industry's 60 seasonal clients peak in any month, each phase seen with noise (the
    # size of a synthetic world's industry): the nonparametric prior's 11 free weights pile
    # the mass on a few months and pull true peaks off theirs; the smooth prior stays near
    # flat and finds more true months (5 draws summed)
    from kapot.models.peak_prior import (
        _month_loglik,
        _posterior,
        _segment_prior,
        _segment_prior_smooth,
    )

    hits = {"smooth": 0, "npmle": 0}
    tallest = {"smooth": 0.0, "npmle": 0.0}
    for seed in range(5):
        rng = np.random.default_rng(seed)
        peaks = rng.integers(1, 13, 60)
        theta = 2 * np.pi * peaks / 12
        a = 0.6 * np.cos(theta) + rng.normal(0, 0.25, 60)
        b = 0.6 * np.sin(theta) + rng.normal(0, 0.25, 60)
        ll = _month_loglik(a, b, np.full(60, 0.0625)[:, None, None] * np.eye(2)[None])
        seg, use = np.zeros(60, int), np.ones(60, bool)
        for name, fit in (("smooth", _segment_prior_smooth), ("npmle", _segment_prior)):
            prior = fit(ll, seg, 1, use)
            hits[name] += int(((_posterior(ll, np.log(prior)).argmax(1) + 1) == peaks).sum())
            tallest[name] += prior.max(axis=1).mean() * 12 / 5
    assert hits["smooth"] > hits["npmle"] + 10
    assert tallest["smooth"] < 2.0 < tallest["npmle"]


def _pair_monthly(d) -> pd.DataFrame:
    """Orders per client, category and month from the generated lines, for pairs with at least
    24 orders in the 36 months before AS_OF (as client_category_monthly.sql keeps them)."""
    s = d.sales[d.sales["quantity"] > 0].merge(d.products[["sku", "category"]], on="sku")
    m = (
        s.assign(
            client_id=s["client_id"].astype(str),
            category=s["category"].astype(str),
            month=s["date"].dt.to_period("M").dt.to_timestamp(),
        )
        .groupby(["client_id", "category", "month"])["invoice_id"]
        .nunique()
        .rename("orders")
        .reset_index()
    )
    recent = m[m["month"] >= pd.Timestamp(AS_OF) - pd.DateOffset(months=36)]
    total = recent.groupby(["client_id", "category"])["orders"].sum()
    keep = total[total >= 24].index
    return m[pd.MultiIndex.from_frame(m[["client_id", "category"]]).isin(keep)]


@pytest.mark.parametrize("world", ["today", "industry_jitter", "trends_churn"])
def test_pair_peaks_follow_their_clients_truth(world):
    # a pair's season is its client's (the generator draws a client's lines from its orders):
    # pairs of seasonal clients found at the client's true month, others flagged under 5 %
    # (at the pairs' 4 % level: 4.2, 2.4 and 3.8 % on this seed)
    from kapot.models.seasonality import pair_seasonality
    from kapot.store.synth import SEASONALITY_WORLDS

    d = generate(SynthConfig(n_clients=1500, seed=8, end=END, **SEASONALITY_WORLDS[world]))
    pairs = pair_seasonality(_pair_monthly(d), AS_OF)
    x = pairs.merge(d.truth, on="client_id", suffixes=("", "_true"))
    x = x[x["n"] >= 24]
    true, none = x[x["seasonal_true"]], x[~x["seasonal_true"]]
    assert len(true) > 150 and len(none) > 300
    assert (true["peak_month"] == true["peak_month_true"]).mean() > 0.85
    assert (_circ(true["peak_month"], true["peak_month_true"]) <= 1).mean() > 0.95
    assert none["seasonal"].mean() < 0.05
    found = true[true["seasonal"]]
    assert (_circ(found["peak_month"], found["peak_month_true"]) <= found["peak_pm"]).mean() > 0.9
    # timing for the next 30 days (November): the pairs said to be in season are pairs of
    # clients truly peaking in or next to November, and buy more than in an average month
    from kapot.models.seasonality import season_timing

    t = season_timing(x, AS_OF, 30).assign(
        verdict=x["seasonal"].to_numpy(),
        seasonal_true=x["seasonal_true"].to_numpy(),
        peak_true=x["peak_month_true"].to_numpy(),
    )
    now = t[t["in_season"]]
    # (0.84 of them in the default world on this seed: a pair flagged at the 5 % level among
    # many pairs of non-seasonal clients, with a sharp peak, is rarer but still there)
    assert len(now) > 10 and now["seasonal_true"].mean() > 0.8
    assert (_circ(now["peak_true"], 11) <= 2).mean() > 0.9
    assert (now["season_lift"] > 1).all() and (t.loc[~t["verdict"], "season_lift"] == 1).all()


def test_season_timing_by_hand():
    from kapot.models.seasonality import horizon_months, season_timing

    assert horizon_months(dt.date(2026, 11, 1), 30) == [11]
    assert horizon_months(dt.date(2026, 12, 20), 30) == [1, 12]
    t = pd.DataFrame(
        {
            "client_id": ["a", "b", "c", "d"],
            "category": ["x", "x", "y", "y"],
            # a: peak in November (alpha, beta along 11/12 of the circle); b: same, but off
            # season in May; c: not seasonal; d: no alpha/beta, from peak and strength
            "alpha": [np.cos(2 * np.pi * 11 / 12), np.cos(2 * np.pi * 5 / 12), 0.0, np.nan],
            "beta": [np.sin(2 * np.pi * 11 / 12), np.sin(2 * np.pi * 5 / 12), 0.0, np.nan],
            "seasonal": [True, True, False, True],
            "peak_month": [11, 5, 0, 10],
            "peak_pm": pd.array([0, 1, pd.NA, 1], dtype="Int64"),
            "strength": [np.e / np.i0(1.0), np.e / np.i0(1.0), 1.0, np.e / np.i0(1.0)],
        }
    )
    t["alpha"] = t["alpha"].astype(float)
    out = season_timing(t, dt.date(2026, 11, 1), 28).set_index("client_id")
    # amplitude 1 at the peak: exp(1) / I0(1) = 2.13 times an average month; 6 months away
    # exp(-1) / I0(1) = 0.29
    assert out.loc["a", "season_lift"] == pytest.approx(np.e / np.i0(1.0), abs=1e-3)
    assert out.loc["b", "season_lift"] == pytest.approx(np.exp(-1) / np.i0(1.0), abs=1e-3)
    assert out.loc["c", "season_lift"] == 1.0
    # d peaks in October, one month from November: exp(cos(30 degrees)) / I0(1)
    assert out.loc["d", "season_lift"] == pytest.approx(
        np.exp(np.cos(np.pi / 6)) / np.i0(1.0), abs=1e-2
    )
    assert out["in_season"].tolist() == [True, False, False, True]  # d: October ±1 holds November
    assert not season_timing(t.assign(peak_pm=2), dt.date(2026, 11, 1), 28)["in_season"].any()
    assert list(out.columns[:2]) == ["category", "in_season"]


@pytest.mark.parametrize("world", ["industry_jitter", "short"])
def test_industry_direction_finds_weak_seasons_and_keeps_the_level(world, monkeypatch):
    # where an industry's clients peak together, a one-sided test along its direction joins
    # the client's own (Bonferroni): more seasonal clients found, at their month, and the
    # p-values of clients without a season still uniform or conservative, never liberal
    from scipy import stats

    import kapot.models.seasonality as seasonality
    from kapot.store.synth import SEASONALITY_WORLDS

    d = generate(SynthConfig(n_clients=1500, seed=9, end=END, **SEASONALITY_WORLDS[world]))
    monthly = _monthly(d)

    def verdicts():
        s = client_seasonality(monthly, d.clients, AS_OF)
        x = s.merge(d.truth, on="client_id", suffixes=("", "_true"))
        return x[x["months_of_history"] >= 24]

    both = verdicts()
    monkeypatch.setattr(seasonality, "_DIRECTION_MIN_R", 2.0)  # no segment qualifies
    own = verdicts()
    true_b, true_o = both[both["seasonal_true"]], own[own["seasonal_true"]]
    assert len(true_b) > 150
    assert true_b["seasonal"].sum() > true_o["seasonal"].sum()
    exact = (true_b["peak_month"] == true_b["peak_month_true"]).mean()
    assert exact > (true_o["peak_month"] == true_o["peak_month_true"]).mean()
    none = both[~both["seasonal_true"] & ~both["prospect"]]
    p = none["p_value"].dropna().to_numpy()
    assert len(p) > 300
    assert (p < 0.05).mean() <= 0.05 + 2.5 * np.sqrt(0.05 * 0.95 / len(p))
    assert stats.kstest(p, "uniform", alternative="greater").pvalue > 0.01
