"""The seasonality bench's oracles: what a method that knew every parameter of the generator but
the peak could do from the same orders, in the same window as kapot's.

* :func:`oracle_peaks`, the ceiling of the month alone: told which clients are seasonal, the
  most probable peak month of each.
* :func:`fair_oracle`, the ceiling of any method held to a 5 % false-season rate: it must also
  decide "seasonal" at that rate. By Neyman and Pearson the most powerful test of "no season"
  against "a season" is the likelihood ratio of the two models, the seasonal one's peak
  marginalised over the distribution peaks are drawn from, both with the client's true
  parameters; one threshold for all clients (the most detections for a given share of false
  seasons over the whole population), set on simulated no-season clients of the same world
  so that exactly 5 % of them are flagged. The flagged clients get the posterior-mode month.
  Its exact share counts the seasonal clients it does not flag as misses, as kapot's does.

Both model the counts as the generator draws them: negative binomial months where the world
is over-dispersed, quiet spells as a two-state hidden Markov chain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln, logsumexp

from kapot.store.synth import SEASON_BUILDING

__all__ = ["oracle_peaks", "fair_oracle"]


def _inputs(d, monthly: pd.DataFrame, ids: np.ndarray, as_of) -> dict:
    """The oracle's view of clients ``ids`` (buyers): their orders ``y`` in the 36 full months
    before ``as_of``, the months each was active (from the truth's start and churn, inside the
    generated history), its no-season expected orders ``base`` (rate and growth) and the
    calendar month of each column."""
    cfg = d.config
    tr = d.truth.set_index("client_id").loc[ids]
    last = pd.Period(as_of, freq="M") - 1
    months = pd.period_range(last - 35, last, freq="M")
    end = pd.Timestamp(cfg.end)
    first = (end - pd.DateOffset(years=cfg.years) + pd.Timedelta(days=1)).to_period("M")
    t_gen = (months.asi8 - first.ordinal).astype(float)
    y = np.zeros((len(ids), len(months)))
    mm = monthly[monthly["client_id"].isin(ids)]
    row = pd.Index(ids).get_indexer(mm["client_id"])
    col = pd.PeriodIndex(mm["month"], freq="M").asi8 - months[0].ordinal
    ok = (col >= 0) & (col < len(months))
    np.add.at(y, (row[ok], col[ok]), mm["orders"].to_numpy(dtype=float)[ok])
    start = pd.PeriodIndex(pd.to_datetime(tr["start"]), freq="M").asi8 - first.ordinal
    churn = pd.to_datetime(tr["churned"])
    stop = np.where(
        churn.notna(), pd.PeriodIndex(churn.fillna(end), freq="M").asi8 - first.ordinal, 10**6
    )
    active = (t_gen[None] >= start[:, None]) & (t_gen[None] < stop[:, None]) & (t_gen[None] >= 0)
    rate = tr["orders_per_month"].to_numpy()
    base = rate[:, None] * np.exp(tr["growth"].to_numpy()[:, None] * t_gen[None] / 12.0)
    return {
        "truth": tr,
        "y": y,
        "active": active,
        "base": base,
        "cal": months.month.to_numpy(),
        "in_history": t_gen >= 0,
    }


def _loglik(y: np.ndarray, active: np.ndarray, mu: np.ndarray, cfg) -> np.ndarray:
    """Log-likelihood of each row's active months under expected orders ``mu`` (n, T): Poisson
    or negative binomial months, and with quiet spells a two-state hidden Markov chain
    (active, quiet) run forward over the window."""
    mu = np.maximum(mu, 1e-12)
    dd, q, ends = cfg.order_dispersion, cfg.quiet_spells, 1.0 / max(cfg.quiet_months, 1.0)
    if dd > 0:
        k = 1 / dd
        le = gammaln(y + k) - gammaln(k) - gammaln(y + 1)
        le += k * np.log(k / (k + mu)) + y * np.log(mu / (k + mu))
    else:
        le = y * np.log(mu) - mu - gammaln(y + 1)
    if q == 0:
        return (le * active).sum(1)
    trans = np.array([[1 - q, q], [ends * (1 - q), 1 - ends * (1 - q)]])  # [active, quiet]
    pi_q = q / (q + ends * (1 - q))
    e_act = np.where(active, np.exp(le), 1.0)
    e_quiet = np.where(active, (y == 0).astype(float), 1.0)
    fwd = np.stack([(1 - pi_q) * e_act[:, 0], pi_q * e_quiet[:, 0]], 1)
    total = np.zeros(len(y))
    for t in range(y.shape[1]):
        if t:
            fwd = (fwd @ trans) * np.stack([e_act[:, t], e_quiet[:, t]], 1)
        norm = np.maximum(fwd.sum(1), 1e-300)
        total += np.log(norm)
        fwd = fwd / norm[:, None]
    return total


def _month_logliks(inp: dict, y: np.ndarray, kappa: np.ndarray, cfg) -> np.ndarray:
    """(n, 12): the log-likelihood of ``y`` for a peak in each month, concentration ``kappa``."""
    ll = np.zeros((len(y), 12))
    for m in range(1, 13):
        season = np.exp(kappa[:, None] * np.cos(2 * np.pi * (inp["cal"][None] - m) / 12))
        mu = inp["base"] * season / np.i0(kappa)[:, None]
        ll[:, m - 1] = _loglik(y, inp["active"], mu, cfg)
    return ll


def _peak_prior(d, industry: pd.Series) -> np.ndarray:
    """(n, 12): the distribution the generator draws a seasonal client's peak from, for clients
    of these industries."""
    cfg, tr = d.config, d.truth
    n = len(industry)
    if cfg.industry_peaks:  # the industry's month (the mode of its clients' true peaks) + jitter
        ind = tr[tr["seasonal"]].groupby("industry")["peak_month"].agg(lambda s: s.mode().iloc[0])
        p0 = industry.map(ind).to_numpy()
        sd = max(cfg.peak_jitter, 1e-3)
        prior = np.full((n, 12), 1e-12)
        for sh in range(-6, 6):
            p_sh = stats.norm.cdf(sh + 0.5, 0, sd) - stats.norm.cdf(sh - 0.5, 0, sd)
            prior[np.arange(n), (p0 - 1 + sh) % 12] += p_sh
        return prior
    # building industries: 70 % in April-September
    prior = np.full((n, 12), 1 / 12)
    building = np.r_[np.full(3, 0.3 / 12), np.full(6, 0.3 / 12 + 0.7 / 6), np.full(3, 0.3 / 12)]
    prior[industry.isin(list(SEASON_BUILDING)).to_numpy()] = building
    return prior


def _circ(a, b):
    return np.minimum((a - b) % 12, (b - a) % 12)


def oracle_peaks(d, monthly: pd.DataFrame, client_ids: np.ndarray, as_of) -> dict:
    """The ceiling of the exact-peak score: the most probable peak month of each truly seasonal
    client in ``client_ids`` for an oracle that knows every parameter of the generator but the
    peak (rate, growth, concentration, start and churn, the counts' over-dispersion and quiet
    spells, and the distribution peaks are drawn from) and is told the client is seasonal, from
    the same observed orders in the same window as the method. No method that sees only the
    orders can beat it on average.

    Parameters
    ----------
    d : kapot.store.synth.SynthData
        The world (its ``truth`` and ``config``).
    monthly : pandas.DataFrame
        Columns ``client_id``, ``month``, ``orders``.
    client_ids : numpy.ndarray
        The clients scored (the truly seasonal ones among them are).
    as_of : datetime.date
        The window is the 36 full months before it.

    Returns
    -------
    dict
        ``oracle_exact``, ``oracle_within_1``: shares of the seasonal clients.
    """
    tr = d.truth
    ids = tr.loc[tr["seasonal"] & tr["client_id"].isin(client_ids), "client_id"].to_numpy()
    inp = _inputs(d, monthly, ids, as_of)
    ts = inp["truth"]
    ll = _month_logliks(inp, inp["y"], ts["kappa"].to_numpy(), d.config)
    est = (ll + np.log(_peak_prior(d, ts["industry"]))).argmax(1) + 1
    diff = _circ(est, ts["peak_month"].to_numpy())
    return {"oracle_exact": (diff == 0).mean(), "oracle_within_1": (diff <= 1).mean()}


def _simulate_no_season(inp: dict, cfg, rng: np.random.Generator) -> np.ndarray:
    """Orders of the same clients without a season, drawn as the generator draws them: gamma
    noise per month, quiet spells (starting inside the generated history), Poisson counts."""
    lam = inp["base"] * inp["active"]
    if cfg.order_dispersion > 0:
        d = cfg.order_dispersion
        lam = lam * rng.gamma(1.0 / d, d, size=lam.shape)
    if cfg.quiet_spells > 0:
        t = np.arange(lam.shape[1])
        starts = (rng.random(lam.shape) < cfg.quiet_spells) & inp["in_history"][None]
        length = rng.geometric(1.0 / max(cfg.quiet_months, 1.0), size=lam.shape)
        until = np.where(starts, t[None, :] + length, -1)
        lam = np.where(np.maximum.accumulate(until, axis=1) > t[None, :], 0.0, lam)
    return rng.poisson(lam).astype(float)


def _lr_stat(inp: dict, y: np.ndarray, kappa, log_prior: np.ndarray, cfg):
    """The Neyman-Pearson statistic, log of the seasonal model's likelihood (its peak
    marginalised over the prior) over the no-season model's, and the month log-likelihoods.
    ``kappa`` is each row's concentration (n,), or a list of (n,) arrays, equally likely
    values it is marginalised over (a concentration not known)."""
    kappas = kappa if isinstance(kappa, list) else [kappa]
    ll = logsumexp([_month_logliks(inp, y, k, cfg) for k in kappas], axis=0) - np.log(len(kappas))
    ll0 = _loglik(y, inp["active"], inp["base"], cfg)
    return logsumexp(ll - ll0[:, None] + log_prior, axis=1), ll


def _kappa_grid(cfg, n: int, points: int = 6) -> list:
    """The world's range of concentrations as ``points`` equally likely values (midpoints)."""
    lo, hi = cfg.season_kappa
    return [np.full(n, lo + (hi - lo) * (i + 0.5) / points) for i in range(points)]


def fair_oracle(
    d,
    monthly: pd.DataFrame,
    client_ids: np.ndarray,
    as_of,
    *,
    alpha: float = 0.05,
    reps: int = 4,
    seed: int = 0,
) -> dict:
    """The ceiling of any method held to a false-season rate of ``alpha``: the most powerful
    test (Neyman-Pearson, every parameter but the peak known) at that rate, then the
    posterior-mode month of the clients it flags.

    The threshold is the ``1 - alpha`` quantile of the statistic on ``reps`` simulated
    no-season copies of the world's seasonal clients in ``client_ids`` (their rate, growth,
    start, churn, concentration and industry; orders drawn without the season). Two checks
    come with it: the share flagged of another, independent simulation of those copies
    (``fair_null_check``) and of the world's own generated non-seasonal clients in
    ``client_ids``, each given a concentration drawn from the world's range
    (``fair_false_pos``); both should be ``alpha`` within sampling error.

    Parameters
    ----------
    d : kapot.store.synth.SynthData
        The world (its ``truth`` and ``config``).
    monthly : pandas.DataFrame
        Columns ``client_id``, ``month``, ``orders``.
    client_ids : numpy.ndarray
        The clients scored (buyers with at least 24 months, say).
    as_of : datetime.date
        The window is the 36 full months before it.
    alpha : float
        The false-season rate.
    reps : int
        Simulated no-season copies of each seasonal client that set the threshold.
    seed : int
        Seed of the simulations.

    Returns
    -------
    dict
        ``fair_exact``, ``fair_within_1`` (shares of the seasonal clients flagged and at their
        month, or within one), ``fair_flagged`` (share flagged), ``fair_null_check`` and
        ``fair_false_pos`` (above), ``n_fair_false_pos`` (how many non-seasonal clients); and
        the same four ``fair_kappa_unknown_*`` for the oracle that does not know the
        concentration either (the season's likelihood marginalised over the world's range of
        it, its threshold set the same way): a tighter ceiling, still above any method's.
    """
    cfg, tr = d.config, d.truth
    rng = np.random.default_rng([seed, 13013])
    scored = tr[tr["client_id"].isin(client_ids) & ~tr["prospect"]]
    ids = scored.loc[scored["seasonal"], "client_id"].to_numpy()
    inp = _inputs(d, monthly, ids, as_of)
    ts = inp["truth"]
    kappa, log_prior = ts["kappa"].to_numpy(), np.log(_peak_prior(d, ts["industry"]))
    sims = [_simulate_no_season(inp, cfg, rng) for _ in range(reps + 1)]  # the last: a check
    out = {}
    for name, k in (("fair", kappa), ("fair_kappa_unknown", _kappa_grid(cfg, len(ids)))):
        stat, ll = _lr_stat(inp, inp["y"], k, log_prior, cfg)
        null = [_lr_stat(inp, y0, k, log_prior, cfg)[0] for y0 in sims]
        threshold = float(np.quantile(np.concatenate(null[:-1]), 1 - alpha))
        flag = stat > threshold
        diff = _circ((ll + log_prior).argmax(1) + 1, ts["peak_month"].to_numpy())
        out[f"{name}_exact"] = (flag & (diff == 0)).mean()
        out[f"{name}_within_1"] = (flag & (diff <= 1)).mean()
        out[f"{name}_flagged"] = flag.mean()
        out[f"{name}_null_check"] = (null[-1] > threshold).mean()
        if name == "fair":
            fair_threshold = threshold
    # the generator's own non-seasonal clients, a concentration drawn from the world's range
    ns_ids = scored.loc[~scored["seasonal"], "client_id"].to_numpy()
    ns = _inputs(d, monthly, ns_ids, as_of)
    ns_kappa = rng.uniform(*cfg.season_kappa, size=len(ns_ids))
    ns_prior = np.log(_peak_prior(d, ns["truth"]["industry"]))
    ns_stat = _lr_stat(ns, ns["y"], ns_kappa, ns_prior, cfg)[0]
    out["fair_false_pos"] = (ns_stat > fair_threshold).mean()
    out["n_fair_false_pos"] = len(ns_ids)
    return out
