"""Peak-purchase month per client (and per category, and per client x category).

The model and its calibrated test are in ``harmonic`` (a detrended first-harmonic GLM of
monthly order counts, fitted for all rows at once, its quasi-Poisson F-test moderated and
calibrated on the rows themselves, the phase refitted with zero-inflated negative-binomial
weights); the peak month as a posterior over the 12 months under the segment's
empirical-Bayes prior is in ``peak_prior``. ``peak_pm`` is the peak's uncertainty: the
smallest k such that the months within ±k of it hold ``peak_level`` (90 %) of the posterior;
``strength`` is the peak month's expected orders over an average month's, exp(A) / I0(A) with
A = sqrt(α² + β²). A client's test is weighted by where its industry's seasons peak
(``peak_prior.prior_weighted_p``): the harmonic's likelihood ratio averaged over the industry's prior of
peak months, fitted on the other half of the clients, against its exact null distribution; a
weak season at the industry's month is found, the level kept.

A client's window is its full months before ``as_of`` (at most ``max_months``, from its first
purchase; a churned client's ends at its last order). Clients with less than ``min_months`` of
history (and prospects) borrow strength from their segment (industry by default): their
harmonic coefficients are shrunk toward the segment's, weighted by precision (an
empirical-Bayes normal prior whose variance is estimated from the segment's long-history
clients; ``peak_pm`` from that posterior's variance). ``source`` says where a peak came from:
``own``, ``segment`` or ``none`` (not seasonal).

Client x category pairs are tested like clients (they are many rows of one kind), their test
weighted by where the client's industry peaks as a client's is, with a client's categories
sharing an empirical-Bayes prior of their peak month (they peak together as far as the data
say so) times the industry's smooth prior, and a pair is not observed after its client has
lapsed.
``pair_seasonality`` is that call, as the pipeline makes it; ``season_timing`` (in
``kapot.models.timing``) turns a seasonality table into timing for a horizon: in season or
not, and the season's lift over an average month (for the reasons and the scores).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kapot.models.harmonic import fit_harmonic, peak_month_of, peak_strength
from kapot.models.peak_prior import (
    harmonic_cov,
    map_and_spread,
    month_loglik,
    posterior,
    prior_weighted_p,
    segment_prior,
    segment_prior_smooth,
)
from kapot.models.timing import horizon_months, season_timing

__all__ = [
    "SeasonalityConfig",
    "fit_harmonic",
    "client_seasonality",
    "profile_seasonality",
    "pair_seasonality",
    "horizon_months",
    "season_timing",
]


@dataclass(frozen=True)
class SeasonalityConfig:
    """Settings of the seasonality test.

    Attributes
    ----------
    alpha : float
        The clients' test level.
    min_months : int
        Months of history a row needs for its own verdict (below it a client borrows its
        segment's season).
    min_orders : int
        Not read by any model (the pairs' minimum is ``client_category_monthly``'s own
        ``min_orders``); kept so that configurations naming it still construct.
    max_months : int
        The window: at most this many full months before ``as_of``.
    min_segment_strength : float
        A borrowed (segment) peak must be at least this pronounced (see ``strength``).
    peak_level : float
        The ±months of a peak hold the true peak with this probability.
    pair_alpha : float
        The client x category pairs' test level. Their calibrated test ran a little hot with
        the lower half of the yearly statistics as the only null (at a nominal 5 %, 4.1-5.5 %
        of the pairs of non-seasonal clients flagged) and was run at 4 %; with the control
        harmonic's floor under the null (``kapot.models.harmonic``) it held its level
        (2.5-4.7 % at 5 % on the tuning worlds' development seeds) and ran at 5 %. Weighted
        by the industry's prior (``peak_prior.prior_weighted_p``) its p-values stay uniform
        on clients without any season, but beside seasonal clients the pairs of non-seasonal
        ones were flagged 3.4-5.1 % of the time at 5 % (development seeds 2001-2003; 5.1 with
        trends and churn): their harmonics lean toward the summer the building industries'
        prior points at. At 4.5 % they are flagged 3.0-4.7 %.
    """

    alpha: float = 0.05
    min_months: int = 24
    min_orders: int = 12
    max_months: int = 36
    min_segment_strength: float = 1.2
    peak_level: float = 0.9
    pair_alpha: float = 0.045


def _last_full_month(as_of: dt.date) -> pd.Period:
    return pd.Period(as_of, freq="M") - 1


_LAPSE_MONTHS = 4  # trailing empty months before a lapse can be called (chosen on all worlds)


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
    segments: pd.DataFrame | None = None,
    segment: str = "industry",
) -> pd.DataFrame:
    """Seasonality of aggregated rows (a category, a client x category): every month of the
    window counts, from the row's first order.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Orders per row and month: the ``key`` columns, ``month`` (a date in the month) and
        ``orders``.
    key : str or list of str
        The column(s) naming a row, like ``'category'`` or ``['client_id', 'category']``.
    as_of : datetime.date
        Only full months before it are used.
    config : SeasonalityConfig
        ``max_months``, ``min_months``, ``peak_level``; the level is ``alpha``, or
        ``pair_alpha`` with ``prior_by``.
    moderate : bool
        The rows are many of one kind (client x category pairs), so their test is the
        clients' one: dispersions moderated toward the common one, calibrated on the rows
        themselves, NB-weighted phase (see ``fit_harmonic``).
    prior_by : str, optional
        A column of ``key`` whose rows share an empirical-Bayes prior of the peak month (a
        client's categories peak together as far as the data say so); a row is not observed
        after that group has lapsed.
    segments : pandas.DataFrame, optional
        With ``prior_by`` (and a ``client_id`` column in ``key``): columns ``prior_by`` and
        ``segment``, the group's segment. The rows' test is then weighted by where their
        segment peaks (``peak_prior.prior_weighted_p``, the prior fitted on the rows of the
        other half of the clients), and a row's peak has its segment's smooth prior as well
        as its group's; a group missing here is in segment ``'?'``.
    segment : str
        The column of ``segments`` naming the segment.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``monthly`` with an order in the window: the ``key`` columns,
        :func:`~kapot.models.harmonic.fit_harmonic`'s columns (``alpha``, ``beta``,
        ``var_alpha``, ``var_beta``, ``cov_ab``, ``p_value``, ``strength``, ``n``, ``total``,
        ``f_stat``, ``df2``), ``seasonal``, ``peak_month`` (1-12 of the posterior, 0 when not
        seasonal), ``peak_pm`` (the peak's ±months, NA when not seasonal), the profile
        ``m01``..``m12`` and ``profile_peak_month``.
    """
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
    level = config.pair_alpha if prior_by is not None else config.alpha
    long = (res["n"] >= config.min_months).to_numpy()
    seg_idx = None
    if prior_by is not None and segments is not None:
        # the test weighted by where the group's segment peaks, as the clients' is
        seg_of = segments.drop_duplicates(prior_by).set_index(prior_by)[segment]
        seg_of.index = seg_of.index.astype(str)
        res[segment] = res[prior_by].astype(str).map(seg_of).fillna("?").astype(str).to_numpy()
        res["p_value"] = prior_weighted_p(res, segment, long, level)
        _, seg_idx = np.unique(res.pop(segment).to_numpy(), return_inverse=True)
    res["seasonal"] = (res["p_value"] < level) & long
    loglik = month_loglik(res["alpha"].to_numpy(), res["beta"].to_numpy(), harmonic_cov(res))
    if prior_by is not None:
        names, idx = np.unique(res[prior_by].astype(str).to_numpy(), return_inverse=True)
        seasonal = res["seasonal"].to_numpy()
        log_prior = np.log(segment_prior(loglik, idx, len(names), seasonal))
        if seg_idx is not None:  # and the segment's smooth prior, as a client's peak has it
            log_prior += np.log(segment_prior_smooth(loglik, seg_idx, seg_idx.max() + 1, seasonal))
    else:
        log_prior = np.zeros((1, 12))
    peak, pm = map_and_spread(posterior(loglik, log_prior), config.peak_level)
    res["peak_month"] = np.where(res["seasonal"], peak, 0)
    res["peak_pm"] = pd.array(np.where(res["seasonal"], pm, 0), dtype="Int64")
    res.loc[~res["seasonal"], "peak_pm"] = pd.NA
    return pd.concat([res, _profile_frame(_profile(y, w, months))], axis=1)


def pair_seasonality(
    monthly: pd.DataFrame,
    as_of: dt.date,
    config: SeasonalityConfig = SeasonalityConfig(),
    *,
    clients: pd.DataFrame | None = None,
    segment: str = "industry",
) -> pd.DataFrame:
    """The client x category pairs' seasonality, as the pipeline publishes it: tested like
    clients, a client's categories sharing a prior of their peak month, at the pairs' level
    ``config.pair_alpha`` (see :func:`profile_seasonality`).

    Parameters
    ----------
    monthly : pandas.DataFrame
        Columns ``client_id``, ``category``, ``month``, ``orders``, as
        :func:`kapot.models.features.client_category_monthly` returns them.
    as_of : datetime.date
        Only full months before it are used.
    config : SeasonalityConfig
        The settings.
    clients : pandas.DataFrame, optional
        Columns ``client_id`` and ``segment``: the pairs' test is weighted by where the
        client's segment peaks, and their peaks have its prior, as the clients' have
        (without it, or without that column, the 2-df test and the client's categories'
        prior alone).
    segment : str
        The column of ``clients`` the pairs borrow their segment's season from.

    Returns
    -------
    pandas.DataFrame
        As :func:`profile_seasonality` with ``key`` ``['client_id', 'category']``; an empty
        ``monthly`` gives an empty table with columns ``client_id``, ``category``,
        ``seasonal``, ``peak_month``, ``peak_pm``, ``strength``.
    """
    if monthly.empty:
        return pd.DataFrame(
            columns=["client_id", "category", "seasonal", "peak_month", "peak_pm", "strength"]
        )
    segments = clients if clients is not None and segment in clients else None
    return profile_seasonality(
        monthly,
        ["client_id", "category"],
        as_of,
        config,
        moderate=True,
        prior_by="client_id",
        segments=segments,
        segment=segment,
    )


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
    monthly : pandas.DataFrame
        Columns ``client_id``, ``month``, ``orders`` (from
        :func:`kapot.models.features.monthly_orders`).
    clients : pandas.DataFrame
        Columns ``client_id`` and the ``segment`` column (prospects included); without the
        segment column every client is in segment ``'?'``.
    as_of : datetime.date
        Only full months before it are used.
    segment : str
        The column whose clients a short history borrows its season from.
    config : SeasonalityConfig
        The settings.

    Returns
    -------
    pandas.DataFrame
        One row per client of ``clients``: ``client_id``, ``as_of``, ``peak_month`` (1-12, 0
        when not seasonal), ``peak_pm`` (its ±months, NA when not seasonal), ``seasonal``,
        ``p_value``, ``strength``, ``months_of_history``, ``cycles``, ``orders``, ``source``
        (own / segment / none), and the 12-month profile ``m01``..``m12`` (share of the
        client's orders in each calendar month, corrected for how often each month occurs in
        the window) with ``profile_peak_month``; NaN profile for a client without an order in
        the window.
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
    # the test weighted by the months the client's industry peaks in (the other half's)
    out["p_value"] = prior_weighted_p(out, segment, long.to_numpy(), config.alpha)

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
        & (peak_strength(shr_a, shr_b) >= config.min_segment_strength)
    )
    source = np.where(own_seasonal, "own", np.where(seg_seasonal, "segment", "none"))
    # own peaks: the posterior over the 12 months under the segment's smooth empirical-Bayes
    # prior (a bump around its month over a uniform floor, ``segment_prior_smooth``)
    loglik = month_loglik(out["alpha"].to_numpy(), out["beta"].to_numpy(), harmonic_cov(out))
    seg_names, seg_idx = np.unique(out[segment].astype(str).to_numpy(), return_inverse=True)
    prior = segment_prior_smooth(loglik, seg_idx, len(seg_names), own_seasonal)
    own_peak, own_pm = map_and_spread(posterior(loglik, np.log(prior)), config.peak_level)
    # borrowed peaks: the shrunk coefficients, whose variance is the normal posterior's
    fin = np.isfinite(var_c)
    post_var = np.where(
        fin, tau2 * np.where(fin, var_c, 0) / (tau2 + np.where(fin, var_c, 0)), tau2
    )
    seg_cov = post_var[:, None, None] * np.eye(2)[None, :, :]
    _, seg_pm = map_and_spread(
        posterior(month_loglik(shr_a, shr_b, seg_cov), np.zeros((1, 12))), config.peak_level
    )
    peak = np.where(
        own_seasonal,
        own_peak,
        np.where(seg_seasonal, peak_month_of(shr_a, shr_b), 0),
    )
    peak_pm = pd.array(
        np.where(own_seasonal, own_pm, np.where(seg_seasonal, seg_pm, -1)), dtype="Int64"
    )
    peak_pm[~(own_seasonal | seg_seasonal)] = pd.NA
    strength = np.where(
        own_seasonal,
        out["strength"].to_numpy(),
        np.where(seg_seasonal, peak_strength(shr_a, shr_b), 1.0),
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
