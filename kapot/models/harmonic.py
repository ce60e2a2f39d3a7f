"""The seasonality GLM and its calibrated test, fitted for all rows at once (batched
Newton/IRLS in NumPy, no loop over rows):

    orders[r, t] ~ quasi-Poisson,  log E = a_r + b_r * t + α_r cos(2π m_t / 12) + β_r sin(2π m_t / 12)

The linear term detrends. The test of seasonality is the likelihood-ratio test of α = β = 0
against the trend-only model, scaled by the row's dispersion and referred to F. One row's 30-odd
months say little about its noise, so its Pearson dispersion is moderated toward the common one
of all rows, empirical Bayes as limma and edgeR do it (a scaled inverse chi-square prior fitted
by moments, d0 prior degrees of freedom). That F is then calibrated on the rows themselves (an
empirical null): quiet spells and lumpy months put more noise at the yearly frequency than
single months' dispersion shows, so the lower half of the observed statistics, where seasonal
rows are rare, gives how much wider than F the no-season statistics are, and every statistic
is divided by that (never multiplied: the model's F is the floor). That half can say too
little where the no-season statistics' tail is heavier than their body (lumpy months with
quiet spells: 5.7 % of the non-seasonal clients flagged at 5 %, development seeds), so the same test of a
harmonic at a control period no season has (18 months, added to the model with a quadratic
trend) sets a floor for the scale: its statistics are no-season ones for every row, seasonal
or not. On clients without a season the p-values are then uniform or conservative in every
world of ``kapot.store.synth.SEASONALITY_WORLDS``, whatever the dispersion. The harmonic
(α, β) is refitted with zero-inflated negative-binomial weights (the rows' common
over-dispersion and quiet share), so a lumpy month or a quiet spell sways the phase less.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["fit_harmonic", "peak_month_of", "peak_strength"]


def _design(months: pd.PeriodIndex) -> np.ndarray:
    t = np.arange(len(months), dtype=float)
    t = (t - t.mean()) / 12.0
    ang = 2 * np.pi * months.month.to_numpy() / 12.0
    return np.column_stack([np.ones_like(t), t, np.cos(ang), np.sin(ang)])


def _gram(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Each row's weighted Gram matrix X' diag(w) X, (n, p, p), as one matrix product (the
    outer products of the design's rows, precomputed): far faster than an einsum."""
    p = x.shape[1]
    outer = (x[:, :, None] * x[:, None, :]).reshape(len(x), p * p)
    return (weights @ outer).reshape(len(weights), p, p)


def _irls(
    y: np.ndarray,
    w: np.ndarray,
    x: np.ndarray,
    offset: np.ndarray | None = None,
    iters: int = 30,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched Poisson regression. y, w, offset: (n, T); x: (T, p). Returns beta, mu, hessian.

    ``offset`` is the log exposure (e.g. how many clients a pooled count covers); ``start``
    (n, p) the coefficients to start from (a nested model's fit), else the rows' log means."""
    n, p = y.shape[0], x.shape[1]
    off = np.zeros_like(y) if offset is None else offset
    if start is not None:
        beta = np.array(start, dtype=float)
    else:
        beta = np.zeros((n, p))
        mean = (y * w).sum(1) / np.maximum((np.exp(off) * w).sum(1), 1e-12)
        beta[:, 0] = np.log(mean + 0.05)
    # a small ridge on the trend and harmonic terms (not the intercept) keeps rows with a
    # month or two of data finite; it is negligible next to a real history's information
    pen = np.diag(np.r_[1e-6, np.full(p - 1, 1e-2)])
    todo = np.arange(n)  # rows not yet converged: a converged row is not iterated again
    for _ in range(iters):
        b, yy, ww = beta[todo], y[todo], w[todo]
        mu = np.exp(np.clip(b @ x.T + off[todo], -30, 30)) * ww
        grad = (yy * ww - mu) @ x - b @ pen
        step = np.linalg.solve(_gram(mu, x) + pen, grad[..., None])[..., 0]
        beta[todo] = b + np.clip(step, -5, 5)
        todo = todo[np.abs(step).max(axis=1) >= 1e-7]
        if not len(todo):
            break
    mu = np.exp(np.clip(beta @ x.T + off, -30, 30)) * w
    hess = _gram(mu, x) + pen
    return beta, mu, hess


def _prior_dispersion(phi: np.ndarray, dof: np.ndarray) -> tuple[float, float]:
    """Empirical-Bayes prior of the dispersions (limma's fitFDist): the true dispersions are
    taken as scaled inverse chi-square draws, phi0 * d0 / chi2(d0), each row's Pearson estimate
    as its dispersion times chi2(dof) / dof; fitted by the moments of the log estimates.
    Returns (phi0, d0), d0 = inf when the spread is no more than sampling noise (one common
    dispersion)."""
    # scipy here and below, not at the top: a served kernel imports this module (the snapshot's
    # timing) and no scipy; optimize and special would add 0.40 s of CPU and 34.5 MB to it,
    # stats 0.88 s and 57 MB (measured after kapot.faces.page; tests/test_session.py)
    from scipy.optimize import brentq
    from scipy.special import digamma, polygamma

    ok = (phi > 0) & np.isfinite(phi) & (dof >= 4)
    if ok.sum() < 20:
        return 1.0, 0.0
    z = np.log(phi[ok]) - digamma(dof[ok] / 2) + np.log(dof[ok] / 2)
    excess = z.var() - polygamma(1, dof[ok] / 2).mean()
    if excess <= 1e-6:
        return float(np.exp(z.mean())), np.inf
    d0 = 2 * brentq(lambda h: polygamma(1, h) - excess, 1e-6, 1e7)
    return float(np.exp(z.mean() + digamma(d0 / 2) - np.log(d0 / 2))), float(d0)


def fit_harmonic(
    y: np.ndarray,
    w: np.ndarray,
    months: pd.PeriodIndex,
    offset: np.ndarray | None = None,
    *,
    moderate: bool = False,
    calibrate: bool = False,
) -> pd.DataFrame:
    """Fit the trend + first-harmonic model to each row of ``y`` and test its season.

    Without ``moderate`` each row's test is its own quasi-Poisson F-test (chi-square where the
    counts are not over-dispersed). A row observed in fewer than 8 months gets no p-value.

    Parameters
    ----------
    y : numpy.ndarray
        Orders, shape (rows, months); a value where ``w`` is 0 is ignored.
    w : numpy.ndarray
        Same shape: 1 where the row was observed in the month, 0 where not (before its first
        order, say); a pooled row may carry a fraction.
    months : pandas.PeriodIndex
        The monthly periods of ``y``'s columns, consecutive.
    offset : numpy.ndarray, optional
        Same shape: the log exposure of pooled rows (how many clients a count covers).
    moderate : bool
        Moderate each row's dispersion toward the rows' common one (rows of one kind, e.g.
        clients; empirical Bayes).
    calibrate : bool
        With ``moderate``: calibrate the test on the rows themselves (an empirical null, see
        ``_null_scale``) and refit the harmonic by zero-inflated negative-binomial weights with
        the rows' common over-dispersion, which a few lumpy months sway less than Poisson
        weights.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``y``, in order: ``alpha``, ``beta`` (the harmonic's coefficients),
        ``var_alpha``, ``var_beta``, ``cov_ab`` (their covariance, scaled by the dispersion),
        ``p_value`` (NaN under 8 months), ``peak_month`` (1-12), ``strength`` (peak month's
        orders over an average month's, exp(A) / I0(A)), ``n`` (months observed), ``total``
        (orders), ``f_stat`` and ``df2`` (the F statistic and its denominator degrees).
    """
    from scipy import stats  # not at the top: 0.88 s and 57 MB in a served kernel (above)

    y = np.where(w > 0, y, 0.0)  # unobserved months carry no evidence, whatever they hold
    x = _design(months)
    full_b, full_mu, full_h = _irls(y, w, x, offset)
    _, null_mu, _ = _irls(y, w, x[:, :2], offset)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(
            y > 0, y * np.log(np.where(y > 0, full_mu / np.maximum(null_mu, 1e-300), 1.0)), 0.0
        )
        lr = 2 * ((term - (full_mu - null_mu)) * w).sum(1)
        n = w.sum(1)
        pearson = (np.where(w > 0, (y - full_mu) ** 2 / np.maximum(full_mu, 1e-12), 0.0)).sum(1)
        dof = np.maximum(n - 4, 1)
        if moderate:
            # each row's dispersion moderated toward the rows' common one (empirical Bayes,
            # as limma and edgeR do): many clients tell more about the noise than one does
            raw = pearson / dof
            if calibrate:
                # negative-binomial variance: a busy client's months scatter more than a
                # quiet one's, Pearson dispersion about 1 + d x its mean (edgeR's trend)
                long = n >= 24
                d_nb = _common_nb_dispersion(y[long], w[long], full_mu[long])
                trend = 1 + d_nb * (full_mu * w).sum(1) / np.maximum(n, 1)
            else:
                trend = np.ones_like(raw)
            phi0, d0 = _prior_dispersion(raw / trend, dof * (n >= 12))
            phi = phi0 if np.isinf(d0) else (d0 * phi0 + dof * raw / trend) / (d0 + dof)
            phi = np.maximum(phi * trend, 1.0)
            f = np.maximum(lr, 0) / 2 / phi
            df2 = np.minimum(d0 + dof, 1e6)
            if calibrate:
                long = n >= 24
                scale = _null_scale(f[long], df2[long], _NULL_QUANTILE)
                if long.sum() >= 50:  # the control harmonic's statistics: a floor for it
                    off = None if offset is None else offset[long]
                    control = _control_f(
                        y[long], w[long], x, off, phi[long], start=full_b[long]
                    ).ravel()
                    ctrl_df2 = np.tile(df2[long], len(_CONTROL_PERIODS))
                    scale = max(scale, _null_scale(control, ctrl_df2))
                f = f / scale
            p = stats.f.sf(f, 2, df2)
        else:
            phi = np.maximum(pearson / dof, 1.0)
            f = np.maximum(lr, 0) / 2 / phi
            # quasi-Poisson F-test with the estimated dispersion where the counts are
            # overdispersed; where the estimate is at most 1 the dispersion is taken as 1
            # (Poisson), a known value, so the statistic is referred to chi-square, not to F
            over = pearson / dof > 1.0
            p = np.where(over, stats.f.sf(f, 2, dof), stats.chi2.sf(np.maximum(lr, 0), 2))
            df2 = np.where(over, dof, 1e6)
    p = np.where(n >= 8, p, np.nan)
    cov = np.linalg.inv(full_h)
    if moderate and calibrate:
        long = n >= 24
        d_nb = _common_nb_dispersion(y[long], w[long], full_mu[long])
        if d_nb > 0:
            full_b, cov = _zinb_refit(y, w, x, offset, full_b, d_nb, long)
            # NB information already holds the over-dispersion; the residual scale is the
            # moderated dispersion over the NB variance function, at least 1
            phi = np.ones_like(phi)
    a, b = full_b[:, 2], full_b[:, 3]
    return pd.DataFrame(
        {
            "alpha": a,
            "beta": b,
            "var_alpha": cov[:, 2, 2] * phi,
            "var_beta": cov[:, 3, 3] * phi,
            "cov_ab": cov[:, 2, 3] * phi,
            "p_value": p,
            "peak_month": peak_month_of(a, b),
            "strength": peak_strength(a, b),
            "n": n,
            "total": (y * w).sum(1),
            "f_stat": f,
            "df2": df2,
        }
    )


# the control period: the yearly harmonic's lower neighbour (2 cycles in 36 months), no
# season's harmonic; noise that grows toward low frequencies (quiet spells) is there at least
# as strong as at the year's. With 9 months as well (the upper neighbour, where it is weaker)
# as the null's only estimate, the lumpy world's non-seasonal clients were flagged 5.2 % of
# the time, with 18 alone 4.4 % (``make bench`` worlds, development seeds 2001-2003; the
# other worlds within 0.1 point). Alone it runs liberal under heavy negative-binomial noise
# (6.4 % flagged at d = 1.5, a scaled F fitted to a differently shaped null), hence a floor
# under the lower half's scale, not a replacement of it.
_CONTROL_PERIODS = (18.0,)


def _control_f(
    y: np.ndarray,
    w: np.ndarray,
    x: np.ndarray,
    offset: np.ndarray | None,
    phi: np.ndarray,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """The rows' F statistics, (periods, n), of a harmonic at each of ``_CONTROL_PERIODS``
    added to the full model (the yearly harmonic already in it) with a quadratic trend, over
    the row's dispersion ``phi``: the yearly test's statistic where there is no season by
    construction. A season's harmonics have periods 12, 6, 4... months, so a seasonal row's
    control statistics are no-season ones, and seasonal rows do not widen the null. The
    quadratic term keeps a curved trend (growth over two years) out of the 18-month harmonic.
    ``x`` is the yearly test's design; ``offset`` as in ``_irls``; ``start`` the yearly fit's
    coefficients (n, 4), where the nested fits start (from the log means they took 2.9 s of
    CPU on 79k clients)."""
    t = np.arange(y.shape[1], dtype=float)
    quad = ((t - t.mean()) / 12.0) ** 2
    base = np.column_stack([x, quad - quad.mean()])
    zeros = np.zeros((len(y), 1))
    first = None if start is None else np.hstack([start, zeros])
    base_b, base_mu, _ = _irls(y, w, base, offset, start=first)
    out = np.zeros((len(_CONTROL_PERIODS), len(y)))
    for i, period in enumerate(_CONTROL_PERIODS):
        ang = 2 * np.pi * t / period
        xc = np.column_stack([base, np.cos(ang), np.sin(ang)])
        _, mu, _ = _irls(y, w, xc, offset, start=np.hstack([base_b, zeros, zeros]))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(y > 0, mu / np.maximum(base_mu, 1e-300), 1.0)
            term = np.where(y > 0, y * np.log(ratio), 0.0)
        out[i] = np.maximum(2 * ((term - (mu - base_mu)) * w).sum(1), 0) / 2 / phi
    return out


def _null_scale(f: np.ndarray, df2: np.ndarray, q: float | None = None) -> float:
    """How much wider than the model says the no-season statistics are, estimated from the
    rows themselves (an empirical null, as Efron's): under no season F / c follows F(2, df2),
    and c is fitted to ``f`` by maximum likelihood (truncated to the values below their ``q``
    quantile when given: the yearly statistics' lower half, where seasonal rows are rare; all
    of them for the control statistics of ``_control_f``). Quiet spells and lumpy months put
    more noise at the yearly frequency than the dispersion of single months shows, and that
    widens every row's statistic alike. Never below 1: the model's own F is the floor."""
    # not at the top: 0.88 s and 57 MB in a served kernel (see _prior_dispersion)
    from scipy import stats
    from scipy.optimize import minimize_scalar

    ok = np.isfinite(f)
    f, df2 = f[ok], np.broadcast_to(df2, ok.shape)[ok]
    if len(f) < 50:
        return 1.0
    x0 = float(np.quantile(f, q)) if q is not None else np.inf
    low = f <= x0
    if x0 <= 0 or low.sum() < 25:
        return 1.0
    xs, ds = np.maximum(f[low], 1e-12), df2[low]

    def nll(log_c: float) -> float:  # (truncated) F(2, df2) likelihood of the scale c
        c = np.exp(log_c)
        cut = stats.f.logcdf(x0 / c, 2, ds) if np.isfinite(x0) else 0.0
        return -float((stats.f.logpdf(xs / c, 2, ds) - log_c - cut).sum())

    res = minimize_scalar(nll, bounds=(np.log(0.2), np.log(20.0)), method="bounded")
    return max(float(np.exp(res.x)), 1.0)


def _common_nb_dispersion(y: np.ndarray, w: np.ndarray, mu: np.ndarray) -> float:
    """The rows' common negative-binomial over-dispersion d (variance mu + d mu²), by moments
    of the Poisson fit's residuals."""
    num = (((y - mu) ** 2 - y) * w).sum()
    den = (mu**2 * w).sum()
    return max(float(num / den), 0.0) if den > 0 else 0.0


def _zinb_refit(
    y: np.ndarray,
    w: np.ndarray,
    x: np.ndarray,
    offset: np.ndarray | None,
    beta: np.ndarray,
    d: float,
    long: np.ndarray,
    rounds: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """Zero-inflated negative-binomial regression of every row (EM): a month is quiet (no
    order whatever the season) with a common probability pi0, else NB(mu, d). Quiet spells
    then stop dragging the phase toward where they happened to fall. pi0 and d are common to
    the rows, estimated on the ``long`` ones. Returns the coefficients and their covariance."""
    off = np.zeros_like(y) if offset is None else offset
    p = x.shape[1]
    beta = beta.copy()
    pen = np.diag(np.r_[1e-6, np.full(p - 1, 1e-2)])
    pi0 = 0.1
    zero = (y == 0) & (w > 0)
    for _ in range(rounds):
        mu = np.exp(np.clip(beta @ x.T + off, -30, 30))
        p_zero = (1 + d * mu) ** (-1 / d) if d > 0 else np.exp(-mu)
        z = np.where(zero, pi0 / (pi0 + (1 - pi0) * p_zero), 0.0)
        pi0 = float((z * w)[long].sum() / max(w[long].sum(), 1.0))
        u = w * (1 - z)
        for _ in range(4):
            mu = np.exp(np.clip(beta @ x.T + off, -30, 30))
            grad = (u * (y - mu) / (1 + d * mu)) @ x - beta @ pen
            hess = _gram(u * mu / (1 + d * mu), x) + pen
            beta += np.clip(np.linalg.solve(hess, grad[..., None])[..., 0], -5, 5)
        mu = np.exp(np.clip(beta @ x.T + off, -30, 30))
        den = (u * mu**2)[long].sum()
        d = max(float((u * ((y - mu) ** 2 - y))[long].sum() / den), 1e-3) if den > 0 else d
    mu = np.exp(np.clip(beta @ x.T + off, -30, 30))
    hess = _gram(u * mu / (1 + d * mu), x) + pen
    return beta, np.linalg.inv(hess)


_NULL_QUANTILE = 0.5  # the empirical null is fitted below this quantile (chosen on all worlds)


def peak_month_of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The calendar month where a yearly harmonic ``a cos + b sin`` peaks.

    Parameters
    ----------
    a, b : numpy.ndarray
        The harmonic's cosine and sine coefficients (log scale), one per row.

    Returns
    -------
    numpy.ndarray
        Months 1-12 (int), the nearest to the harmonic's phase.
    """
    month = np.round(np.arctan2(b, a) * 12 / (2 * np.pi)).astype(int) % 12
    return np.where(month == 0, 12, month)


def peak_strength(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How much a yearly harmonic lifts its peak month over the year's mean rate.

    Parameters
    ----------
    a, b : numpy.ndarray
        The harmonic's cosine and sine coefficients (log scale), one per row.

    Returns
    -------
    numpy.ndarray
        ``exp(amplitude) / I0(amplitude)``: 1 for no season, 2 for a peak at twice the mean.
    """
    amp = np.hypot(a, b)
    return np.exp(amp) / np.i0(amp)
