"""Peak-purchase month per client (and per category, and per client x category).

The model, fitted for all rows at once (batched Newton/IRLS in NumPy, no loop over clients):

    orders[c, t] ~ quasi-Poisson,  log E = a_c + b_c * t + α_c cos(2π m_t / 12) + β_c sin(2π m_t / 12)

over the client's full months before ``as_of`` (at most ``max_months``, from its first
purchase). The linear term ``b_c t`` detrends, so a growing client is not mistaken for one that
peaks in the last months. The test of seasonality is the likelihood-ratio test of α = β = 0
against the trend-only model, scaled by the client's dispersion and referred to F: a
quasi-Poisson F-test that stays honest on over-dispersed real data. One client's 30-odd months
say little about its noise, so its Pearson dispersion is moderated toward the common one of all
clients, empirical Bayes as limma and edgeR do it (a scaled inverse chi-square prior fitted by
moments, d0 prior degrees of freedom; the F-test then has d0 + n - 4 of them): on Poisson data
that is nearly the exact chi-square test, on over-dispersed data the common dispersion scales
every client's statistic. That F is then calibrated on the clients themselves (an empirical
null): quiet spells and lumpy months put more noise at the yearly frequency than single months'
dispersion shows, so the no-season statistics come out wider than F, alike for every client;
the lower half of the observed statistics (where seasonal clients are rare) gives that width,
and every statistic is divided by it (never multiplied: the model's F is the floor). On
clients without a season the p-values are then uniform in every world of
``kapot.synth.SEASONALITY_WORLDS``, whatever the dispersion. (Fits of pooled rows, categories
and segments, use each row's own dispersion, floored at 1, and refer to chi-square where it is
at most 1.)

The harmonic (α, β) is refitted with negative-binomial weights, zero-inflated (a month can be
quiet whatever the season), with the clients' common over-dispersion and quiet share: a lumpy
month or a quiet spell sways the phase less than under Poisson weights. The peak month is the
posterior mode over the 12 months: each month's likelihood (the harmonic along that month's
direction, its amplitude profiled out) times an empirical-Bayes prior, the segment's
distribution of peak months estimated from its seasonal clients by EM (the nonparametric
maximum-likelihood prior on the 12 months), the client itself left out. Its weight is
data-driven: an industry whose clients peak together gets a sharp prior that settles a noisy
phase on the industry's month; one whose clients peak all over the year gets a flat one.
``peak_pm`` is the peak's uncertainty: the smallest k such that the months within ±k of it hold
``peak_level`` (90 %) of the posterior; ``strength`` is the peak month's expected orders over
an average month's, exp(A) / I0(A) with A = sqrt(α² + β²).

Clients with less than ``min_months`` of history (and prospects) borrow strength from their
segment (industry by default): their harmonic coefficients are shrunk toward the segment's,
weighted by precision (an empirical-Bayes normal prior whose variance is estimated from the
segment's long-history clients; ``peak_pm`` from that posterior's variance). ``source`` says
where a peak came from: ``own``, ``segment`` or ``none`` (not seasonal).

Client x category pairs are tested like clients (they are many rows of one kind), with a
client's categories sharing an empirical-Bayes prior of their peak month (they peak together
as far as the data say so), and a pair is not observed after its client has lapsed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "SeasonalityConfig",
    "fit_harmonic",
    "client_seasonality",
    "profile_seasonality",
    "peak_label",
    "horizon_months",
    "season_timing",
]


@dataclass(frozen=True)
class SeasonalityConfig:
    """``alpha`` is the test level; ``min_months`` the history needed for an own verdict."""

    alpha: float = 0.05
    min_months: int = 24
    min_orders: int = 12
    max_months: int = 36
    min_segment_strength: float = 1.2  # a borrowed peak must be at least this pronounced
    peak_level: float = 0.9  # the ±months of a peak hold the true peak with this probability


def peak_label(
    month: object, pm: object = None, lang: str | None = None, *, short: bool = False
) -> str:
    """A peak month with its uncertainty for the page and the card: "peak in June, ±1 month"
    ("peak in June" when the month is certain, only the month's name when ``pm`` is unknown;
    "" when there is no peak). ``month`` 1-12 (0 or empty: no peak), ``pm`` the seasonality
    table's ``peak_pm``. ``short``: "June ±1" for a table's peak-month column."""
    from kapot.i18n import month_name, tr

    if month is None or pd.isna(month) or not 1 <= int(month) <= 12:
        return ""
    name = month_name(int(month), lang)
    if pm is None or pd.isna(pm):
        return name
    pm = int(pm)
    if short:
        return name if pm == 0 else tr("seasonality.short_pm", lang, month=name, pm=pm)
    key = "peak_exact" if pm == 0 else "peak_pm_one" if pm == 1 else "peak_pm_many"
    return tr(f"seasonality.{key}", lang, month=name, pm=pm)


def _last_full_month(as_of: dt.date) -> pd.Period:
    return pd.Period(as_of, freq="M") - 1


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
    y: np.ndarray, w: np.ndarray, x: np.ndarray, offset: np.ndarray | None = None, iters: int = 30
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched Poisson regression. y, w, offset: (n, T); x: (T, p). Returns beta, mu, hessian.

    ``offset`` is the log exposure (e.g. how many clients a pooled count covers)."""
    n, p = y.shape[0], x.shape[1]
    off = np.zeros_like(y) if offset is None else offset
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
    """Fit the trend + first-harmonic model to each row of ``y`` (counts; ``w`` 1 where the row
    was observed; ``offset`` the log exposure of pooled rows). Returns per row: alpha, beta
    (harmonic coefficients), their variances, p_value, peak_month, strength, n (months
    observed), total (orders), f_stat and df2 (the F statistic and its denominator degrees).

    ``moderate``: dispersions moderated toward the rows' common one (rows of one kind, e.g.
    clients). ``calibrate`` (with ``moderate``): the test is calibrated on the rows themselves
    (an empirical null, see ``_null_scale``), and the harmonic coefficients are refitted by
    negative-binomial weights with the rows' common over-dispersion, which a few lumpy months
    sway less than Poisson weights."""
    from scipy import stats  # here, not at the top: the served page imports this module

    y = np.where(w > 0, y, 0.0)  # unobserved months carry no evidence, whatever they hold
    x = _design(months)
    full_b, full_mu, full_h = _irls(y, w, x, offset)
    null_b, null_mu, _ = _irls(y, w, x[:, :2], offset)
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
                f = f / _null_scale(f[n >= 24], df2[n >= 24], _NULL_QUANTILE)
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
            "peak_month": _peak(a, b),
            "strength": _strength(a, b),
            "n": n,
            "total": (y * w).sum(1),
            "f_stat": f,
            "df2": df2,
        }
    )


def _null_scale(f: np.ndarray, df2: np.ndarray, q: float) -> float:
    """How much wider than the model says the no-season statistics are, estimated from the
    rows themselves (an empirical null, as Efron's): under no season F / c follows F(2, df2);
    the lower part of the observed F values (below their ``q`` quantile, where seasonal rows
    are rare) gives c by truncated maximum likelihood. Quiet spells and lumpy months put more
    noise at the yearly frequency than the dispersion of single months shows, and that widens
    every row's statistic alike. Never below 1: the model's own F is the floor."""
    from scipy import stats
    from scipy.optimize import minimize_scalar

    ok = np.isfinite(f)
    f, df2 = f[ok], np.broadcast_to(df2, ok.shape)[ok]
    if len(f) < 50:
        return 1.0
    x0 = float(np.quantile(f, q))
    low = f <= x0
    if x0 <= 0 or low.sum() < 25:
        return 1.0
    xs, ds = np.maximum(f[low], 1e-12), df2[low]

    def nll(log_c: float) -> float:  # truncated F(2, df2) likelihood of the scale c
        c = np.exp(log_c)
        return -float((stats.f.logpdf(xs / c, 2, ds) - log_c - stats.f.logcdf(x0 / c, 2, ds)).sum())

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


_MONTH_ANGLE = 2 * np.pi * np.arange(1, 13) / 12
_NULL_QUANTILE = 0.5  # the empirical null is fitted below this quantile (chosen on all worlds)
_LAPSE_MONTHS = 4  # trailing empty months before a lapse can be called (chosen on all worlds)


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


def _peak(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    month = np.round(np.arctan2(b, a) * 12 / (2 * np.pi)).astype(int) % 12
    return np.where(month == 0, 12, month)


def _strength(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    amp = np.hypot(a, b)
    return np.exp(amp) / np.i0(amp)


def _matrix(monthly: pd.DataFrame, key: str | list[str], as_of: dt.date, max_months: int):
    last = _last_full_month(as_of)
    months = pd.period_range(last - (max_months - 1), last, freq="M")
    m = monthly.copy()
    m["period"] = pd.PeriodIndex(m["month"], freq="M")
    m = m[(m["period"] >= months[0]) & (m["period"] <= months[-1])]
    keys = m[key].drop_duplicates().reset_index(drop=True)
    keys = pd.MultiIndex.from_frame(keys) if isinstance(key, list) else pd.Index(keys, name=key)
    row = keys.get_indexer(pd.MultiIndex.from_frame(m[key]) if isinstance(key, list) else m[key])
    col = m["period"].array.asi8 - months[0].ordinal
    y = np.zeros((len(keys), len(months)))
    np.add.at(y, (row, col.astype(int)), m["orders"].to_numpy(dtype=float))
    return keys, months, y


def profile_seasonality(
    monthly: pd.DataFrame,
    key: str | list[str],
    as_of: dt.date,
    config: SeasonalityConfig = SeasonalityConfig(),
    *,
    moderate: bool = False,
    prior_by: str | None = None,
) -> pd.DataFrame:
    """Seasonality of aggregated rows (a category, a client x category): every month of the
    window counts, from the row's first order. ``monthly`` has ``key``, month, orders.

    ``moderate``: the rows are many of one kind (client x category pairs), so their test is
    the clients' one: dispersions moderated toward the common one, calibrated on the rows
    themselves, NB-weighted phase (see ``fit_harmonic``). ``prior_by``: a column of ``key``
    whose rows share an empirical-Bayes prior of the peak month (a client's categories peak
    together as far as the data say so). ``peak_pm`` is the ±months of a seasonal peak."""
    keys, months, y = _matrix(monthly, key, as_of, config.max_months)
    w = _observed(monthly, key, keys, months, y)
    if prior_by is not None:
        # a pair is not observed after its client has lapsed (the client's orders tell that
        # far better than one category's few): a churned client's categories have no season
        group = keys.get_level_values(prior_by)
        names, idx = np.unique(np.asarray(group, dtype=str), return_inverse=True)
        yg = np.zeros((len(names), y.shape[1]))
        np.add.at(yg, idx, y)
        g_monthly = monthly.assign(**{prior_by: monthly[prior_by].astype(str)})
        g_monthly = g_monthly.groupby([prior_by, "month"], as_index=False)["orders"].sum()
        wg = _observed(g_monthly, prior_by, pd.Index(names, name=prior_by), months, yg)
        w = w * wg[idx]
    res = fit_harmonic(y, w, months, moderate=moderate, calibrate=moderate)
    res.index = keys
    res = res.reset_index()
    res["seasonal"] = (res["p_value"] < config.alpha) & (res["n"] >= config.min_months)
    loglik = _month_loglik(res["alpha"].to_numpy(), res["beta"].to_numpy(), _cov(res))
    if prior_by is not None:
        names, idx = np.unique(res[prior_by].astype(str).to_numpy(), return_inverse=True)
        log_prior = np.log(_segment_prior(loglik, idx, len(names), res["seasonal"].to_numpy()))
    else:
        log_prior = np.zeros((1, 12))
    peak, pm = _map_and_spread(_posterior(loglik, log_prior), config.peak_level)
    res["peak_month"] = np.where(res["seasonal"], peak, 0)
    res["peak_pm"] = pd.array(np.where(res["seasonal"], pm, 0), dtype="Int64")
    res.loc[~res["seasonal"], "peak_pm"] = pd.NA
    return pd.concat([res, _profile_frame(_profile(y, w, months))], axis=1)


def _observed(
    monthly: pd.DataFrame, key, keys, months: pd.PeriodIndex, y: np.ndarray
) -> np.ndarray:
    """The observed months of each row of ``y``, from each key's first order ever and the
    data's first month (see ``_observed_clients``)."""
    periods = pd.PeriodIndex(monthly["month"], freq="M").asi8
    first_ord = monthly.assign(_p=periods).groupby(key)["_p"].min()
    first = first_ord.reindex(keys).to_numpy() - months[0].ordinal
    data_start = int(periods.min() - months[0].ordinal) if len(periods) else 0
    return _observed_clients(y, first, data_start)


def _observed_clients(
    y: np.ndarray, first: np.ndarray, data_start: int, *, grace: int = 6
) -> np.ndarray:
    """Which client-months count, given each client's first order ever (``first``, an index
    into the window; negative if before it) and the data's first month (``data_start``).

    * A client first seen before the window, or within ``grace`` months of the data's start (we
      cannot tell a newcomer from an older client there), is observed from the window's (or
      the data's) start, leading empty months included: they are off-season evidence.
    * A newcomer is observed from the month after its first order: that month is non-empty by
      construction (it is how the start was found) and would look like a peak.
    * A client that has lapsed (a run of empty trailing months, at least 4, that its own
      average rate makes implausible, P(no order) < 1e-4) is observed up to its last order: a
      churned client's drop to zero is not a season.
    """
    T = y.shape[1]
    t = np.arange(T)[None, :]
    existing = (first < 0) | (first <= data_start + grace - 1)
    start = np.where(existing, max(data_start, 0), first + 1)
    w = t >= start[:, None]
    any_order = (y > 0).any(axis=1)
    last = T - 1 - np.argmax((y > 0)[:, ::-1], axis=1)
    trailing = np.where(any_order, T - 1 - last, 0)
    active_months = np.maximum(w.sum(1) - trailing, 1)
    rate = (y * w).sum(1) / active_months
    lapsed = (trailing >= _LAPSE_MONTHS) & (rate * trailing > -np.log(1e-4))
    w &= ~(lapsed[:, None] & (t > last[:, None]))
    return w.astype(float)


def client_seasonality(
    monthly: pd.DataFrame,
    clients: pd.DataFrame,
    as_of: dt.date,
    *,
    segment: str = "industry",
    config: SeasonalityConfig = SeasonalityConfig(),
) -> pd.DataFrame:
    """Peak month per client, with the test and the source of the verdict.

    Parameters
    ----------
    monthly : client_id, month, orders (from ``kapot.features.monthly_orders``).
    clients : client_id and the ``segment`` column (prospects included).
    as_of : only full months before it are used.

    Returns
    -------
    DataFrame with client_id, peak_month (1-12, 0 when not seasonal), peak_pm (its ±months,
    empty when not seasonal), seasonal, p_value, strength, months_of_history, cycles, source (own / segment / none), orders, and the
    12-month profile m01..m12 (share of the client's orders in each calendar month,
    corrected for how often each month occurs in the window).
    """
    keys, months, y = _matrix(monthly, "client_id", as_of, config.max_months)
    w = _observed(monthly, "client_id", keys, months, y)
    own = fit_harmonic(y, w, months, moderate=True, calibrate=True)
    own.insert(0, "client_id", keys.to_numpy())
    prof = _profile(y, w, months)

    seg = (
        clients[["client_id", segment]].copy()
        if segment in clients
        else clients[["client_id"]].assign(**{segment: None})
    )
    seg[segment] = seg[segment].astype("object").where(seg[segment].notna(), "?")
    out = seg.merge(own, on="client_id", how="left")
    out["n"] = out["n"].fillna(0)
    out["total"] = out["total"].fillna(0)
    long = out["n"] >= config.min_months

    # segment profiles: counts pooled over the segment's clients with at least one full yearly
    # cycle, with the number of clients observed each month as exposure
    row_seg = seg.set_index("client_id")[segment].reindex(keys).fillna("?").to_numpy()
    pool = (
        pd.Series((out["n"] >= 12).to_numpy(), index=out["client_id"])
        .reindex(keys)
        .fillna(False)
        .to_numpy()
    )
    seg_names = np.unique(row_seg)
    seg_idx = np.searchsorted(seg_names, row_seg)
    ys = np.zeros((len(seg_names), len(months)))
    ws = np.zeros_like(ys)
    np.add.at(ys, seg_idx[pool], (y * w)[pool])
    np.add.at(ws, seg_idx[pool], w[pool])
    observed = (ws > 0).astype(float)
    seg_fit = fit_harmonic(ys, observed, months, offset=np.log(np.maximum(ws, 1)))
    seg_fit.index = seg_names
    # prior spread of the harmonic coefficients within each segment (method of moments)
    lo = out[long]
    spread = (
        (
            lo.groupby(segment)[["alpha", "beta"]].var().mean(axis=1)
            - lo.groupby(segment)[["var_alpha", "var_beta"]].mean().mean(axis=1)
        )
        .fillna(0.01)
        .clip(lower=0.01)
    )  # a segment with one long-history client has no spread
    tau2 = out[segment].map(spread).fillna(spread.mean() if len(spread) else 0.1).to_numpy()
    sa = out[segment].map(seg_fit["alpha"]).fillna(0).to_numpy()
    sb = out[segment].map(seg_fit["beta"]).fillna(0).to_numpy()
    sp = out[segment].map(seg_fit["p_value"]).fillna(1).to_numpy()
    var_c = np.nan_to_num(((out["var_alpha"] + out["var_beta"]) / 2).to_numpy(), nan=np.inf)
    var_c = np.where(out["n"].to_numpy() >= 6, var_c, np.inf)
    wgt = np.where(np.isfinite(var_c), tau2 / (tau2 + var_c), 0.0)
    a = np.where(np.isfinite(var_c), out["alpha"].fillna(0).to_numpy(), 0.0)
    b = np.where(np.isfinite(var_c), out["beta"].fillna(0).to_numpy(), 0.0)
    shr_a, shr_b = wgt * a + (1 - wgt) * sa, wgt * b + (1 - wgt) * sb

    own_seasonal = long.to_numpy() & (out["p_value"].to_numpy() < config.alpha)
    seg_seasonal = (
        ~long.to_numpy()
        & (sp < config.alpha)
        & (_strength(shr_a, shr_b) >= config.min_segment_strength)
    )
    source = np.where(own_seasonal, "own", np.where(seg_seasonal, "segment", "none"))
    # own peaks: the posterior over the 12 months under the segment's empirical-Bayes prior
    loglik = _month_loglik(out["alpha"].to_numpy(), out["beta"].to_numpy(), _cov(out))
    seg_names, seg_idx = np.unique(out[segment].astype(str).to_numpy(), return_inverse=True)
    prior = _segment_prior(loglik, seg_idx, len(seg_names), own_seasonal)
    own_peak, own_pm = _map_and_spread(_posterior(loglik, np.log(prior)), config.peak_level)
    # borrowed peaks: the shrunk coefficients, whose variance is the normal posterior's
    fin = np.isfinite(var_c)
    post_var = np.where(
        fin, tau2 * np.where(fin, var_c, 0) / (tau2 + np.where(fin, var_c, 0)), tau2
    )
    seg_cov = post_var[:, None, None] * np.eye(2)[None, :, :]
    _, seg_pm = _map_and_spread(
        _posterior(_month_loglik(shr_a, shr_b, seg_cov), np.zeros((1, 12))), config.peak_level
    )
    peak = np.where(
        own_seasonal,
        own_peak,
        np.where(seg_seasonal, _peak(shr_a, shr_b), 0),
    )
    peak_pm = pd.array(
        np.where(own_seasonal, own_pm, np.where(seg_seasonal, seg_pm, -1)), dtype="Int64"
    )
    peak_pm[~(own_seasonal | seg_seasonal)] = pd.NA
    strength = np.where(
        own_seasonal,
        out["strength"].to_numpy(),
        np.where(seg_seasonal, _strength(shr_a, shr_b), 1.0),
    )
    result = pd.DataFrame(
        {
            "client_id": out["client_id"].to_numpy(),
            "as_of": pd.Timestamp(as_of),
            "peak_month": peak.astype(int),
            "peak_pm": peak_pm,
            "seasonal": own_seasonal | seg_seasonal,
            "p_value": out["p_value"].to_numpy(),
            "strength": np.round(strength.astype(float), 4),
            "months_of_history": out["n"].astype(int).to_numpy(),
            "cycles": np.round(out["n"].to_numpy() / 12, 2),
            "orders": out["total"].astype(int).to_numpy(),
            "source": source,
        }
    )
    profile = _profile_frame(prof)
    profile.insert(0, "client_id", keys.to_numpy())
    result = result.merge(profile, on="client_id", how="left")
    return result


def _profile(y: np.ndarray, w: np.ndarray, months: pd.PeriodIndex) -> np.ndarray:
    """Share of orders per calendar month, each month's rate over the times it was observed
    (a window holding three Novembers and two Julys does not favour November)."""
    cal = months.month.to_numpy() - 1
    per_month = np.zeros((len(y), 12))
    seen = np.zeros((len(y), 12))
    np.add.at(per_month.T, cal, (y * w).T)
    np.add.at(seen.T, cal, w.T)
    rate = np.divide(per_month, seen, out=np.zeros_like(per_month), where=seen > 0)
    return rate / np.maximum(rate.sum(1, keepdims=True), 1e-12)


def _profile_frame(prof: np.ndarray) -> pd.DataFrame:
    """The profile as columns m01..m12, plus ``profile_peak_month``: the busiest calendar
    month as observed (descriptive, no test, not detrended; 0 when there are no orders)."""
    frame = pd.DataFrame(prof, columns=[f"m{i:02d}" for i in range(1, 13)])
    frame["profile_peak_month"] = np.where(prof.sum(1) > 0, prof.argmax(1) + 1, 0)
    return frame


def horizon_months(as_of: dt.date, horizon_days: int) -> list[int]:
    """The calendar months (1-12) a horizon of ``horizon_days`` from ``as_of`` touches, as the
    calculator's reasons count them (one look a week, the first day included)."""
    days = range(0, max(int(horizon_days), 1), 7)
    return sorted({(as_of + dt.timedelta(days=d)).month for d in days})


def season_timing(
    table: pd.DataFrame, as_of: dt.date, horizon_days: int, *, max_pm: int = 1
) -> pd.DataFrame:
    """When a seasonal row (a client, a client x category pair) buys: is its peak in the
    horizon, and how much more than in an average month does it buy there.

    Parameters
    ----------
    table : a seasonality table (``client_category_seasonality`` or ``seasonality``): its key
        columns and peak_month, peak_pm, seasonal, strength; alpha and beta where present
        (the pair table has them), else the peak and strength give the harmonic.
    as_of, horizon_days : the horizon, as the calculator's.
    max_pm : a peak vaguer than ±``max_pm`` months is never "in season": on the pairs of the
        synthetic worlds, in-season pairs at ±2 and more were mostly of non-seasonal clients
        (precision 0.75 in the default world with them, 0.91 and more without, short
        histories aside).

    Returns
    -------
    The table's client_id (and category) and ``in_season`` (seasonal with a peak at most
    ±``max_pm`` months wide, and the peak or a month within its ±months in the horizon),
    ``season_lift`` (the fitted season's expected orders over the horizon's months against an
    average month's: 1 for a row without a season, above 1 in its season, below off it) and
    ``peak_month``, ``peak_pm``.
    """
    keys = [c for c in ("client_id", "category") if c in table.columns]
    months = np.array(horizon_months(as_of, horizon_days))
    seasonal = table["seasonal"].fillna(False).astype(bool).to_numpy()
    peak = pd.to_numeric(table["peak_month"], errors="coerce").fillna(0).to_numpy(dtype=int)
    pm = pd.to_numeric(table["peak_pm"], errors="coerce").fillna(0).to_numpy(dtype=int)
    # the harmonic: alpha and beta where the table has them, else the amplitude A from the
    # strength exp(A) / I0(A) and the phase from the peak (a client's borrowed peak has no own)
    grid = np.linspace(0, 6, 601)
    strength = table["strength"].fillna(1).to_numpy(dtype=float)
    amp = np.interp(strength, _strength(grid, np.zeros_like(grid)), grid)
    a, b = amp * np.cos(peak * 2 * np.pi / 12), amp * np.sin(peak * 2 * np.pi / 12)
    if {"alpha", "beta"} <= set(table.columns):
        own_a, own_b = (table[k].to_numpy(dtype=float) for k in ("alpha", "beta"))
        has = np.isfinite(own_a) & np.isfinite(own_b)
        a, b = np.where(has, own_a, a), np.where(has, own_b, b)
    ang = 2 * np.pi * months / 12
    index = (
        np.exp(a[:, None] * np.cos(ang) + b[:, None] * np.sin(ang)) / np.i0(np.hypot(a, b))[:, None]
    )
    lift = np.where(seasonal, index.mean(axis=1), 1.0)
    dist = np.abs((peak[:, None] - months[None, :] + 6) % 12 - 6).min(axis=1)
    out = table[keys].copy()
    out["in_season"] = seasonal & (peak > 0) & (dist <= pm) & (pm <= max_pm)
    out["season_lift"] = np.round(lift, 4)
    out["peak_month"] = np.where(seasonal, peak, 0)
    out["peak_pm"] = table["peak_pm"].to_numpy()
    return out.reset_index(drop=True)
