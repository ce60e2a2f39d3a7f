"""The peak month as a posterior over the 12 months: each month's likelihood (the harmonic
along that month's direction, its amplitude profiled out) times an empirical-Bayes prior, the
segment's distribution of peak months estimated from its seasonal rows by EM (the
nonparametric maximum-likelihood prior on the 12 months), the row itself left out. The prior's
weight is data-driven: a segment whose rows peak together gets a sharp prior, one whose rows
peak all over the year a flat one. The ±months of a peak hold a given share of the posterior.

Clients' peaks use a smooth version of that prior (``_segment_prior_smooth``): a share of the
segment peaking around one month (a von Mises bump, its centre, width and share fitted by
maximum marginal likelihood) over a uniform floor. The nonparametric prior is spiky where
peaks spread over a season (it piles the mass on a few months and pulls true peaks off them);
the smooth one follows a season spread over months and still a segment that peaks together
(``make bench`` tuning worlds, development seeds, exact peak month: trends and churn
77.6 -> 81.4 %, weak to strong 82.6 -> 83.9 %, lumpy 55.2 -> 57.6 %, two-year histories
83.7 -> 82.7 %, jittered industry peaks 88.2 -> 87.4 %: the worst tuning world up, the best
down a little). A client x category pair keeps the nonparametric prior over its client's few
categories (too few rows for a shape).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize

__all__: list[str] = []


_MONTH_ANGLE = 2 * np.pi * np.arange(1, 13) / 12


def _month_loglik(a: np.ndarray, b: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Log-likelihood of each calendar month as a row's peak, (n, 12): the harmonic (a, b) is
    about normal with covariance ``cov`` (n, 2, 2); for a peak in month m it lies along m's
    direction with an unknown amplitude, profiled out (at least 0)."""
    u = np.stack([np.cos(_MONTH_ANGLE), np.sin(_MONTH_ANGLE)], axis=1)
    cov = np.where(np.isfinite(cov), cov, 0.0) + 1e-12 * np.eye(2)
    vi = np.linalg.inv(cov)
    v = np.stack([np.nan_to_num(a), np.nan_to_num(b)], axis=1)
    uvv = np.einsum("mi,nij,nj->nm", u, vi, v)
    uvu = np.einsum("mi,nij,mj->nm", u, vi, u)
    return np.maximum(uvv, 0) ** 2 / (2 * uvu)


def _segment_prior(
    loglik: np.ndarray, seg_idx: np.ndarray, n_seg: int, use: np.ndarray, iters: int = 60
) -> np.ndarray:
    """Each row's prior over its peak month, (n, 12): the distribution of peak months of its
    segment, estimated from the segment's rows ``use`` by empirical Bayes (the nonparametric
    maximum-likelihood prior on the 12 months, by EM, with one pseudo-row spread evenly), the
    row itself left out. Where a segment's rows peak together the prior is sharp and pulls a
    noisy phase hard; where they peak all over the year it is flat and leaves each row its own
    month. The data set the weight, no constant does."""
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


def _segment_prior_smooth(
    loglik: np.ndarray, seg_idx: np.ndarray, n_seg: int, use: np.ndarray
) -> np.ndarray:
    """Each row's prior over its peak month, (n, 12): per segment, (1 - w) / 12 + w vm(m; mu,
    k), a von Mises bump of centre ``mu`` and concentration ``k`` on the 12 months (normalised
    over them) holding a share ``w`` of the segment's peaks, over a uniform floor. The three
    are fitted by maximising the marginal likelihood of the segment's rows ``use`` (their month
    likelihoods summed over the prior), from a few starts. Three numbers fitted on the segment's
    seasonal rows: the row itself is not left out (its weight is one over their count). A
    segment with fewer than ``_SMOOTH_MIN_ROWS`` seasonal rows gets the flat prior."""
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


def _map_and_spread(post: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The most probable month (1-12) of each row's posterior (n, 12), and the smallest k such
    that months within ±k of it hold at least ``level`` of the probability."""
    mode = post.argmax(axis=1)
    pm = np.full(len(post), 6)
    for k in range(5, -1, -1):
        idx = (mode[:, None] + np.arange(-k, k + 1)[None, :]) % 12
        pm = np.where(np.take_along_axis(post, idx, axis=1).sum(axis=1) >= level, k, pm)
    return mode + 1, pm


def _posterior(loglik: np.ndarray, log_prior: np.ndarray) -> np.ndarray:
    lp = loglik + log_prior
    post = np.exp(lp - lp.max(axis=1, keepdims=True))
    return post / post.sum(axis=1, keepdims=True)


def _cov(res: pd.DataFrame) -> np.ndarray:
    va, vb, c = (res[k].to_numpy(dtype=float) for k in ("var_alpha", "var_beta", "cov_ab"))
    return np.stack([np.stack([va, c], axis=1), np.stack([c, vb], axis=1)], axis=1)
