"""The peak month as a posterior over the 12 months: each month's likelihood (the harmonic
along that month's direction, its amplitude profiled out) times an empirical-Bayes prior, the
segment's distribution of peak months estimated from its seasonal rows by EM (the
nonparametric maximum-likelihood prior on the 12 months), the row itself left out. The prior's
weight is data-driven: a segment whose rows peak together gets a sharp prior, one whose rows
peak all over the year a flat one. The ±months of a peak hold a given share of the posterior.

Clients' peaks use a smooth version of that prior (``segment_prior_smooth``): a share of the
segment peaking around one month (a von Mises bump, its centre, width and share fitted by
maximum marginal likelihood) over a uniform floor. The nonparametric prior is spiky where
peaks spread over a season (it piles the mass on a few months and pulls true peaks off them);
the smooth one follows a season spread over months and still a segment that peaks together
(``make bench`` tuning worlds, development seeds, exact peak month: trends and churn
77.6 -> 81.4 %, weak to strong 82.6 -> 83.9 %, lumpy 55.2 -> 57.6 %, two-year histories
83.7 -> 82.7 %, jittered industry peaks 88.2 -> 87.4 %: the worst tuning world up, the best
down a little). A client x category pair keeps the nonparametric prior over its client's few
categories (too few rows for a shape).

The same smooth prior weights the clients' test (``prior_weighted_p``): the harmonic's
likelihood ratio for a peak in each month, averaged over the prior of the client's segment
fitted on the other half of the clients, against the exact null of that statistic
(``_null_p``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize

__all__ = [
    "prior_weighted_p",
    "month_loglik",
    "segment_prior",
    "segment_prior_smooth",
    "map_and_spread",
    "posterior",
    "harmonic_cov",
]


_MONTH_ANGLE = 2 * np.pi * np.arange(1, 13) / 12


def month_loglik(a: np.ndarray, b: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Log-likelihood of each calendar month as a row's peak, (n, 12): the harmonic (a, b) is
    about normal with covariance ``cov`` (n, 2, 2); for a peak in month m it lies along m's
    direction with an unknown amplitude, profiled out (at least 0).

    Parameters
    ----------
    a, b : numpy.ndarray
        The harmonic's coefficients, one per row.
    cov : numpy.ndarray
        Their covariance, (n, 2, 2), as :func:`harmonic_cov` makes it.

    Returns
    -------
    numpy.ndarray
        (n, 12) log-likelihoods, month 1 first.
    """
    u = np.stack([np.cos(_MONTH_ANGLE), np.sin(_MONTH_ANGLE)], axis=1)
    cov = np.where(np.isfinite(cov), cov, 0.0) + 1e-12 * np.eye(2)
    vi = np.linalg.inv(cov)
    v = np.stack([np.nan_to_num(a), np.nan_to_num(b)], axis=1)
    uvv = np.einsum("mi,nij,nj->nm", u, vi, v)
    uvu = np.einsum("mi,nij,mj->nm", u, vi, u)
    return np.maximum(uvv, 0) ** 2 / (2 * uvu)


def segment_prior(
    loglik: np.ndarray, seg_idx: np.ndarray, n_seg: int, use: np.ndarray, iters: int = 60
) -> np.ndarray:
    """Each row's prior over its peak month, (n, 12): the distribution of peak months of its
    segment, estimated from the segment's rows ``use`` by empirical Bayes (the nonparametric
    maximum-likelihood prior on the 12 months, by EM, with one pseudo-row spread evenly), the
    row itself left out. Where a segment's rows peak together the prior is sharp and pulls a
    noisy phase hard; where they peak all over the year it is flat and leaves each row its own
    month. The data set the weight, no constant does.

    Parameters
    ----------
    loglik : numpy.ndarray
        (n, 12) month log-likelihoods (:func:`month_loglik`).
    seg_idx : numpy.ndarray
        Each row's segment, 0 to ``n_seg - 1``.
    n_seg : int
        Number of segments.
    use : numpy.ndarray
        Which rows the segment's distribution is learned from (bool).
    iters : int
        EM iterations.

    Returns
    -------
    numpy.ndarray
        (n, 12) prior probabilities, rows summing to 1.
    """
    lik = np.exp(loglik - loglik.max(axis=1, keepdims=True))
    lik = lik / lik.sum(axis=1, keepdims=True)
    use = use.astype(bool)
    prior = np.full((n_seg, 12), 1 / 12)
    for _ in range(iters):
        post = lik * prior[seg_idx]
        post /= post.sum(axis=1, keepdims=True)
        acc = np.zeros((n_seg, 12))
        np.add.at(acc, seg_idx[use], post[use])
        new = (acc + 1 / 12) / (acc.sum(axis=1, keepdims=True) + 1)
        done = np.abs(new - prior).max() < 1e-6
        prior = new
        if done:
            break
    post = lik * prior[seg_idx]
    post /= post.sum(axis=1, keepdims=True)
    acc = np.zeros((n_seg, 12))
    np.add.at(acc, seg_idx[use], post[use])
    mine = np.where(use[:, None], post, 0.0)
    row = acc[seg_idx] - mine + 1 / 12  # leave the row out
    return row / row.sum(axis=1, keepdims=True)


_SMOOTH_MIN_ROWS = 10  # a segment with fewer seasonal rows gets a flat prior


def segment_prior_smooth(
    loglik: np.ndarray, seg_idx: np.ndarray, n_seg: int, use: np.ndarray
) -> np.ndarray:
    """Each row's prior over its peak month, (n, 12): per segment, (1 - w) / 12 + w vm(m; mu,
    k), a von Mises bump of centre ``mu`` and concentration ``k`` on the 12 months (normalised
    over them) holding a share ``w`` of the segment's peaks, over a uniform floor. The three
    are fitted by maximising the marginal likelihood of the segment's rows ``use`` (their month
    likelihoods summed over the prior), from a few starts. Three numbers fitted on the segment's
    seasonal rows: the row itself is not left out (its weight is one over their count). A
    segment with fewer than ``_SMOOTH_MIN_ROWS`` seasonal rows gets the flat prior.

    Parameters
    ----------
    loglik : numpy.ndarray
        (n, 12) month log-likelihoods (:func:`month_loglik`).
    seg_idx : numpy.ndarray
        Each row's segment, 0 to ``n_seg - 1``.
    n_seg : int
        Number of segments.
    use : numpy.ndarray
        Which rows the segment's prior is learned from (bool).

    Returns
    -------
    numpy.ndarray
        (n, 12) prior probabilities, rows summing to 1.
    """
    lik = np.exp(loglik - loglik.max(axis=1, keepdims=True))
    lik = lik / lik.sum(axis=1, keepdims=True)
    use = use.astype(bool)
    out = np.full((n_seg, 12), 1 / 12)

    def prior_of(th: np.ndarray) -> np.ndarray:
        k, w = np.exp(np.clip(th[1], -5, 5)), 1 / (1 + np.exp(-np.clip(th[2], -30, 30)))
        bump = np.exp(k * (np.cos(_MONTH_ANGLE - th[0]) - 1))  # stable for a large k
        return (1 - w) / 12 + w * bump / bump.sum()

    for g in range(n_seg):
        rows = lik[use & (seg_idx == g)]
        if len(rows) < _SMOOTH_MIN_ROWS:
            continue
        centre = float(np.angle((rows * np.exp(1j * _MONTH_ANGLE)).sum()))

        def nll(th: np.ndarray, rows=rows) -> float:
            return -float(np.log(rows @ prior_of(th) + 1e-300).sum())

        fits = [minimize(nll, [centre, k0, 0.0], method="Nelder-Mead") for k0 in (-1.0, 1.0, 2.5)]
        fitted = prior_of(min(fits, key=lambda r: r.fun).x)
        if np.isfinite(fitted).all():  # else the flat prior stays
            out[g] = fitted
    return out[seg_idx]


def map_and_spread(post: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The most probable month (1-12) of each row's posterior (n, 12), and the smallest k such
    that months within ±k of it hold at least ``level`` of the probability.

    Parameters
    ----------
    post : numpy.ndarray
        (n, 12) posterior probabilities over the months.
    level : float
        The probability the ±k months must hold (e.g. 0.9).

    Returns
    -------
    tuple of numpy.ndarray
        (month 1-12, k) per row.
    """
    mode = post.argmax(axis=1)
    pm = np.full(len(post), 6)
    for k in range(5, -1, -1):
        idx = (mode[:, None] + np.arange(-k, k + 1)[None, :]) % 12
        pm = np.where(np.take_along_axis(post, idx, axis=1).sum(axis=1) >= level, k, pm)
    return mode + 1, pm


def posterior(loglik: np.ndarray, log_prior: np.ndarray) -> np.ndarray:
    """Each row's posterior over the 12 months.

    Parameters
    ----------
    loglik : numpy.ndarray
        (n, 12) month log-likelihoods.
    log_prior : numpy.ndarray
        (n, 12) or (1, 12) log prior.

    Returns
    -------
    numpy.ndarray
        (n, 12) probabilities, rows summing to 1.
    """
    lp = loglik + log_prior
    post = np.exp(lp - lp.max(axis=1, keepdims=True))
    return post / post.sum(axis=1, keepdims=True)


def harmonic_cov(res: pd.DataFrame) -> np.ndarray:
    """The harmonic coefficients' covariance matrices from a fit's columns.

    Parameters
    ----------
    res : pandas.DataFrame
        Columns ``var_alpha``, ``var_beta`` and ``cov_ab``, one row per fit.

    Returns
    -------
    numpy.ndarray
        (n, 2, 2) covariance matrices.
    """
    va, vb, c = (res[k].to_numpy(dtype=float) for k in ("var_alpha", "var_beta", "cov_ab"))
    return np.stack([np.stack([va, c], axis=1), np.stack([c, vb], axis=1)], axis=1)


def _folds(ids: np.ndarray) -> np.ndarray:
    """Two halves of the rows (0 or 1), fixed by a hash of their ids: the same client falls in
    the same half in every run and at every date."""
    return (pd.util.hash_array(np.asarray(ids).astype(str).astype(object)) % 2).astype(int)


_NULL_GRID = 400  # the null table: 400 radii by 400 angles, each point of probability 1/160,000
_NULL_TAIL = 200  # beyond the table's 200 largest values its tail is extrapolated


def _prior_stat(r: np.ndarray, theta: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """log sum_m prior_m exp(L_m), L_m = max(r cos(theta - phi_m), 0)² / 2 (phi_m month m's
    phase): the likelihood ratio of a harmonic of length r and phase theta (standardised)
    against no season, for a peak in month m with its amplitude profiled out, averaged over the
    prior of peak months (rows of ``prior``, (n, 12)). A flat prior gives the two-sided test
    (the statistic grows with r alone, to within the months' grid), a prior on one month the
    one-sided test along it."""
    half_sq = np.maximum(r[:, None] * np.cos(theta[:, None] - _MONTH_ANGLE[None, :]), 0.0) ** 2 / 2
    top = half_sq.max(axis=1)
    return top + np.log((prior * np.exp(half_sq - top[:, None])).sum(1))


def _null_p(t: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """P(T >= t) for T = ``_prior_stat`` of a standard normal harmonic (no season) under one
    prior (12,): a stratified grid of the null (chi-square radii with 2 degrees by uniform
    angles, each point equally likely), ties counted as at least t; beyond its
    ``_NULL_TAIL`` largest values the tail is the exponential one of a chi-square with 2
    degrees over 2 (T is at most r² / 2), continued from there."""
    g = _NULL_GRID
    r = np.sqrt(-2 * np.log1p(-(np.arange(g) + 0.5) / g))
    th = 2 * np.pi * (np.arange(g) + 0.5) / g
    rr, tt = (v.ravel() for v in np.meshgrid(r, th))
    table = np.sort(_prior_stat(rr, tt, np.broadcast_to(prior, (len(rr), 12))))
    # ties count as at least as large: a prior with no mass on half the year has an atom
    # (no evidence toward its months), where the p-value is 1, not a coin's
    above = len(table) - np.searchsorted(table, t - 1e-9 * (1 + np.abs(t)), side="left")
    edge = table[-_NULL_TAIL]
    tail = _NULL_TAIL / len(table) * np.exp(-(t - edge))
    return np.where(above >= _NULL_TAIL, above / len(table), np.minimum(tail, 1.0))


def prior_weighted_p(out: pd.DataFrame, segment: str, long: np.ndarray, alpha: float) -> np.ndarray:
    """Each client's p-value of the test weighted by where its segment's seasons peak.

    The statistic is ``_prior_stat``: the harmonic's likelihood ratio averaged over the
    segment's prior of peak months (``segment_prior_smooth``: a bump around the segment's
    month over a uniform floor, fitted on the seasonal clients of the other half, ``_folds``,
    by the 2-df test at ``alpha``), so the prior is independent of the client's own noise. The
    harmonic is whitened by its covariance (its phase) and its length taken from the
    calibrated 2-df p-value (r² = the chi-square-2 quantile of 1 - p), so under no season it
    is a standard normal pair and the statistic's null distribution is that of standard normal
    harmonics under the same prior (``_null_p``): the level is exact whatever the prior. Where
    a segment's clients peak together the prior is sharp and the test is near the one-sided
    test along its month, which finds a weak season there that the 2-df test misses; where
    they peak all over the year the prior is flat and the test is the 2-df one. (It replaced
    a Bonferroni combination of the 2-df test with a one-sided test along the industry's
    direction, each at half the level, for industries whose peaks were together; ``make
    bench``'s worlds with industry peaks, development seeds 2001-2003: jittered peaks exact
    86.0 -> 87.3 %, within one month 95.8 -> 97.3, two-year histories 83.2 -> 84.5 and
    94.4 -> 96.8; the others within 0.4 point.)

    Parameters
    ----------
    out : pandas.DataFrame
        One row per client: ``client_id``, the ``segment`` column and
        :func:`~kapot.models.harmonic.fit_harmonic`'s ``alpha``, ``beta``, ``var_alpha``,
        ``var_beta``, ``cov_ab`` and ``p_value`` (the calibrated 2-df test's).
    segment : str
        The column whose clients' peaks make the prior (the industry).
    long : numpy.ndarray
        Booleans, one per row: the rows with an own verdict (history long enough).
    alpha : float
        The 2-df test's level that picks the seasonal clients the prior is fitted on.

    Returns
    -------
    numpy.ndarray
        The p-values, one per row (the 2-df one where the harmonic is not finite).
    """
    # not at the top: 0.88 s and 57 MB in a served kernel (see harmonic._prior_dispersion)
    from scipy import stats

    a = out["alpha"].to_numpy(dtype=float)
    b = out["beta"].to_numpy(dtype=float)
    p2 = out["p_value"].to_numpy(dtype=float)
    ok = np.isfinite(a) & np.isfinite(b) & np.isfinite(p2)
    cov = harmonic_cov(out)
    cov = np.where(np.isfinite(cov), cov, 0.0) + 1e-12 * np.eye(2)
    v = np.stack([np.where(ok, a, 0.0), np.where(ok, b, 0.0)], axis=1)
    loglik = month_loglik(v[:, 0], v[:, 1], cov)
    names, idx = np.unique(out[segment].astype(str).to_numpy(), return_inverse=True)
    seasonal = long & ok & (p2 < alpha)
    half = _folds(out["client_id"].to_numpy())
    prior = np.full((len(out), 12), 1 / 12)
    for k in (0, 1):
        other = segment_prior_smooth(loglik, idx, len(names), seasonal & (half != k))
        prior[half == k] = other[half == k]
    # whitened (the covariance's inverse square root): a standard normal pair under no season
    val, vec = np.linalg.eigh(cov)
    inv_half = vec @ (np.maximum(val, 1e-300)[..., None] ** -0.5 * np.swapaxes(vec, 1, 2))
    z = np.einsum("nij,nj->ni", inv_half, v)
    theta = np.arctan2(z[:, 1], z[:, 0])
    r = np.sqrt(stats.chi2.isf(np.clip(np.where(ok, p2, 1.0), 1e-300, 1.0), 2))
    p = np.ones(len(out))
    kinds, kind = np.unique(np.round(prior, 12), axis=0, return_inverse=True)
    kind = kind.ravel()
    for j in range(len(kinds)):  # one null per prior: a segment's half
        rows = np.flatnonzero(kind == j)
        prior_j = np.broadcast_to(kinds[j], (len(rows), 12))
        p[rows] = _null_p(_prior_stat(r[rows], theta[rows], prior_j), kinds[j])
    return np.where(ok, p, p2)
