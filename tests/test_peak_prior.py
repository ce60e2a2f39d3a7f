"""kapot.models.peak_prior: the peak month as a posterior over the 12 months, with the
segment's empirical-Bayes prior (nonparametric for pairs, smooth for clients)."""

import numpy as np
import pandas as pd
import pytest

from kapot.models.peak_prior import (
    harmonic_cov,
    map_and_spread,
    month_loglik,
    posterior,
    segment_prior,
    segment_prior_smooth,
)


def test_a_harmonic_is_likeliest_at_its_own_month():
    theta = 2 * np.pi * np.array([3, 9]) / 12
    ll = month_loglik(np.cos(theta), np.sin(theta), 0.01 * np.tile(np.eye(2), (2, 1, 1)))
    assert ll.shape == (2, 12) and (ll.argmax(axis=1) + 1).tolist() == [3, 9]
    assert (ll >= 0).all()  # the amplitude is profiled out, at least 0
    # the opposite month gets nothing (a negative amplitude is not a peak there)
    assert ll[0, 8] == pytest.approx(0.0)
    # no harmonic at all, or an unknown one: every month alike
    flat = month_loglik(
        np.array([0.0, np.nan]), np.array([0.0, np.nan]), np.tile(np.eye(2), (2, 1, 1))
    )
    assert np.allclose(flat, flat[:, :1])


def test_the_posterior_is_likelihood_times_prior_normalised():
    ll = np.log(np.array([[1.0] * 11 + [3.0]]))
    prior = np.full((1, 12), 1 / 12)
    post = posterior(ll, np.log(prior))
    assert post.sum() == pytest.approx(1.0) and post[0, 11] == pytest.approx(3 / 14)
    # a prior against December takes it back to the others' level
    prior2 = np.array([[1.0] * 11 + [1 / 3]]) / (11 + 1 / 3)
    assert np.allclose(posterior(ll, np.log(prior2)), 1 / 12)


def test_the_peak_and_its_plus_minus_months():
    sharp = np.eye(12)[[4]]  # all in May
    spread = np.zeros((1, 12))
    spread[0, [11, 0, 1]] = [0.3, 0.4, 0.3]  # Dec, Jan, Feb around New Year
    flat = np.full((1, 12), 1 / 12)
    mode, pm = map_and_spread(np.vstack([sharp, spread, flat]), 0.9)
    assert mode.tolist() == [5, 1, 1] and pm.tolist() == [0, 1, 5]
    assert map_and_spread(spread, 0.3)[1].tolist() == [0]  # January alone holds 0.4


def test_the_covariance_from_a_fit_s_columns():
    res = pd.DataFrame({"var_alpha": [1.0], "var_beta": [2.0], "cov_ab": [0.5]})
    np.testing.assert_array_equal(harmonic_cov(res), [[[1.0, 0.5], [0.5, 2.0]]])


def test_a_segment_too_small_for_a_shape_gets_the_flat_prior():
    theta = 2 * np.pi * np.full(5, 6) / 12
    ll = month_loglik(np.cos(theta), np.sin(theta), 0.002 * np.tile(np.eye(2), (5, 1, 1)))
    prior = segment_prior_smooth(ll, np.zeros(5, int), 1, np.ones(5, bool))
    assert np.allclose(prior, 1 / 12)


@pytest.mark.parametrize("smooth", [False, True])
def test_industry_prior_weight_is_data_driven(smooth):
    # 300 clients of industry A all peak in June; 300 of B peak anywhere. A noisy client whose
    # phase sits at May 20th (between May and June, nearer June-1): in A the prior settles it
    # on June, in B it keeps its own nearest month (May); the clients' smooth prior and the
    # pairs' nonparametric one alike
    rng = np.random.default_rng(3)
    peaks = np.r_[np.full(300, 6), rng.integers(1, 13, 300)]
    theta = 2 * np.pi * (peaks + rng.normal(0, 0.15, 600)) / 12
    a, b = np.r_[np.cos(theta), 0, 0], np.r_[np.sin(theta), 0, 0]
    noisy = 2 * np.pi * 5.4 / 12
    a[-2:], b[-2:] = 0.5 * np.cos(noisy), 0.5 * np.sin(noisy)
    var = np.r_[np.full(600, 0.002), 0.08, 0.08]
    cov = var[:, None, None] * np.eye(2)[None]
    seg = np.r_[np.zeros(300, int), np.ones(300, int), 0, 1]
    ll = month_loglik(a, b, cov)
    fit = segment_prior_smooth if smooth else segment_prior
    prior = fit(ll, seg, 2, np.r_[np.ones(600, bool), False, False])
    post = posterior(ll, np.log(prior))
    assert post[-2].argmax() + 1 == 6 and post[-1].argmax() + 1 == 5
    assert prior[0, 5] > 0.8 and prior[300:600].max() < 0.2  # sharp in A, flat in B


def test_smooth_prior_does_not_invent_a_season_for_an_industry_of_60():
    # an industry's 60 seasonal clients peak in any month, each phase seen with noise (the
    # size of a synthetic world's industry): the nonparametric prior's 11 free weights pile
    # the mass on a few months and pull true peaks off theirs; the smooth prior stays near
    # flat and finds more true months (5 draws summed)
    hits = {"smooth": 0, "npmle": 0}
    tallest = {"smooth": 0.0, "npmle": 0.0}
    for seed in range(5):
        rng = np.random.default_rng(seed)
        peaks = rng.integers(1, 13, 60)
        theta = 2 * np.pi * peaks / 12
        a = 0.6 * np.cos(theta) + rng.normal(0, 0.25, 60)
        b = 0.6 * np.sin(theta) + rng.normal(0, 0.25, 60)
        ll = month_loglik(a, b, np.full(60, 0.0625)[:, None, None] * np.eye(2)[None])
        seg, use = np.zeros(60, int), np.ones(60, bool)
        for name, fit in (("smooth", segment_prior_smooth), ("npmle", segment_prior)):
            prior = fit(ll, seg, 1, use)
            hits[name] += int(((posterior(ll, np.log(prior)).argmax(1) + 1) == peaks).sum())
            tallest[name] += prior.max(axis=1).mean() * 12 / 5
    assert hits["smooth"] > hits["npmle"] + 10
    assert tallest["smooth"] < 2.0 < tallest["npmle"]


def test_prior_weighted_test_has_an_exact_null():
    # standard normal harmonics (no season): the p-values of the prior-weighted statistic are
    # uniform under a flat prior, a bump and a prior on one month; a flat prior gives the 2-df
    # test's p-value (exp(-r²/2)), a prior on one month the one-sided test along it
    from scipy import stats

    from kapot.models.peak_prior import _MONTH_ANGLE, _null_p, _prior_stat

    rng = np.random.default_rng(11)
    z = rng.standard_normal((20000, 2))
    r, theta = np.hypot(z[:, 0], z[:, 1]), np.arctan2(z[:, 1], z[:, 0])
    flat = np.full(12, 1 / 12)
    bump = np.exp(2 * np.cos(_MONTH_ANGLE - _MONTH_ANGLE[5]))
    june = np.r_[np.full(5, 1e-4), 1.0, np.full(6, 1e-4)]
    for prior in (flat, bump / bump.sum(), june / june.sum()):
        t = _prior_stat(r, theta, np.broadcast_to(prior, (len(r), 12)))
        p = _null_p(t, prior)
        assert stats.kstest(p, "uniform").pvalue > 0.001
        assert (p < 0.05).mean() == pytest.approx(0.05, abs=0.006)
    radius = np.array([2.0, 2.5, 3.0, 3.5, 5.0])
    along = np.full(len(radius), _MONTH_ANGLE[5])
    p_flat = _null_p(_prior_stat(radius, along, np.broadcast_to(flat, (5, 12))), flat)
    chi2 = np.exp(-(radius**2) / 2)
    assert p_flat[:4] == pytest.approx(chi2[:4], rel=0.25)
    prior = june / june.sum()
    p_june = _null_p(_prior_stat(radius, along, np.broadcast_to(prior, (5, 12))), prior)
    assert p_june[:4] == pytest.approx(stats.norm.sf(radius[:4]), rel=0.25)
    # beyond the table the tail is continued as chi-square's: conservative, not far off
    assert chi2[4] < p_flat[4] < 2 * chi2[4]
    assert stats.norm.sf(radius[4]) < p_june[4] < 10 * stats.norm.sf(radius[4])
    assert (p_june < p_flat).all()  # the season at the prior's month: more power
