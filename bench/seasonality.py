"""Seasonality: peak-month accuracy per synthetic world against the generator's truth and an
oracle's ceiling."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

from kapot.models.features import client_category_monthly, monthly_orders
from kapot.models.seasonality import SeasonalityConfig, client_seasonality, pair_seasonality
from kapot.store.ingest import ingest
from kapot.store.synth import (
    HELD_OUT_WORLD,
    SEASON_BUILDING,
    SEASONALITY_WORLDS,
    SynthConfig,
    generate,
)
from kapot.store.warehouse import Warehouse


def _season_scores(s, truth, *, pairs=None) -> dict:
    """Peak-month accuracy of a seasonality table against the generator's truth, on clients
    (and client x category pairs) with at least 24 months: exact, within one month, the share
    of non-seasonal ones flagged, the share of true peaks inside the stated ±months, and the
    two parts of a miss: the share of seasonal clients the test flags (``flagged``) and the
    exact share among those (``exact_flagged``)."""

    def circ(a, b):
        return np.minimum((a - b) % 12, (b - a) % 12)

    x = s.merge(truth, on="client_id", suffixes=("", "_true"))
    long = x["months_of_history"] >= 24
    ts = x[x["seasonal_true"] & long]
    ns = x[~x["seasonal_true"] & ~x["prospect"] & long]
    found = ts[ts["seasonal"]]
    diff = circ(ts["peak_month"], ts["peak_month_true"])
    out = {
        "n_24m": len(ts) + len(ns),
        "n_seasonal": len(ts),
        "exact": (ts["peak_month"] == ts["peak_month_true"]).mean(),
        "within_1": (diff <= 1).mean(),
        "false_pos": ns["seasonal"].mean(),
        "pm_cover": (
            circ(found["peak_month"], found["peak_month_true"]) <= found["peak_pm"]
        ).mean(),
        "flagged": ts["seasonal"].mean(),
        "exact_flagged": (found["peak_month"] == found["peak_month_true"]).mean(),
    }
    short = x[x["seasonal_true"] & ~long & (x["source"] == "segment")]
    out["short_borrowed_within_1"] = (
        circ(short["peak_month"], short["peak_month_true"]) <= 1
    ).mean()
    if pairs is not None:
        y = pairs.merge(
            truth[["client_id", "seasonal", "peak_month"]], on="client_id", suffixes=("", "_true")
        )
        y = y[y["n"] >= 24]
        tp, np_ = y[y["seasonal_true"]], y[~y["seasonal_true"]]
        out["pairs_exact"] = (tp["peak_month"] == tp["peak_month_true"]).mean()
        out["pairs_within_1"] = (circ(tp["peak_month"], tp["peak_month_true"]) <= 1).mean()
        out["pairs_false_pos"] = np_["seasonal"].mean()
    return out


def _oracle_peaks(d, cfg, monthly, client_ids, as_of) -> dict:
    """The ceiling of the exact-peak score: the most probable peak month of each truly seasonal
    client in ``client_ids`` for an oracle that knows every parameter of the generator but the
    peak (rate, growth, concentration, start and churn, the counts' over-dispersion and quiet
    spells, and the distribution peaks are drawn from), from the same observed orders in the
    same window as the method. Quiet spells are a two-state hidden Markov chain, over-dispersed
    months negative binomial. No method that sees only the orders can beat it on average."""
    tr = d.truth.set_index("client_id")
    ts = tr[tr["seasonal"] & tr.index.isin(client_ids)]
    last = pd.Period(as_of, freq="M") - 1
    months = pd.period_range(last - 35, last, freq="M")
    end = pd.Timestamp(cfg.end)
    first = (end - pd.DateOffset(years=cfg.years) + pd.Timedelta(days=1)).to_period("M")
    t_gen = (months.asi8 - first.ordinal).astype(float)
    ids = ts.index.to_numpy()
    y = np.zeros((len(ids), len(months)))
    mm = monthly[monthly["client_id"].isin(ids)]
    row = pd.Index(ids).get_indexer(mm["client_id"])
    col = pd.PeriodIndex(mm["month"], freq="M").asi8 - months[0].ordinal
    ok = (col >= 0) & (col < len(months))
    np.add.at(y, (row[ok], col[ok]), mm["orders"].to_numpy(dtype=float)[ok])
    start = pd.PeriodIndex(pd.to_datetime(ts["start"]), freq="M").asi8 - first.ordinal
    churn = pd.to_datetime(ts["churned"])
    stop = np.where(
        churn.notna(), pd.PeriodIndex(churn.fillna(end), freq="M").asi8 - first.ordinal, 10**6
    )
    active = (t_gen[None] >= start[:, None]) & (t_gen[None] < stop[:, None]) & (t_gen[None] >= 0)
    kappa, rate = ts["kappa"].to_numpy(), ts["orders_per_month"].to_numpy()
    base = rate[:, None] * np.exp(ts["growth"].to_numpy()[:, None] * t_gen[None] / 12.0)
    dd, q, ends = cfg.order_dispersion, cfg.quiet_spells, 1.0 / max(cfg.quiet_months, 1.0)
    trans = np.array([[1 - q, q], [ends * (1 - q), 1 - ends * (1 - q)]])  # [active, quiet]
    pi_q = q / (q + ends * (1 - q)) if q > 0 else 0.0
    cal = months.month.to_numpy()
    ll = np.zeros((len(ids), 12))
    for m in range(1, 13):
        season = np.exp(kappa[:, None] * np.cos(2 * np.pi * (cal[None] - m) / 12))
        mu = np.maximum(base * season / np.i0(kappa)[:, None], 1e-12)
        if dd > 0:
            k = 1 / dd
            le = gammaln(y + k) - gammaln(k) - gammaln(y + 1)
            le += k * np.log(k / (k + mu)) + y * np.log(mu / (k + mu))
        else:
            le = y * np.log(mu) - mu - gammaln(y + 1)
        if q == 0:
            ll[:, m - 1] = (le * active).sum(1)
            continue
        e_act = np.where(active, np.exp(le), 1.0)
        e_quiet = np.where(active, (y == 0).astype(float), 1.0)
        fwd = np.stack([(1 - pi_q) * e_act[:, 0], pi_q * e_quiet[:, 0]], 1)
        total = np.zeros(len(ids))
        for t in range(y.shape[1]):
            if t:
                fwd = (fwd @ trans) * np.stack([e_act[:, t], e_quiet[:, t]], 1)
            norm = np.maximum(fwd.sum(1), 1e-300)
            total += np.log(norm)
            fwd = fwd / norm[:, None]
        ll[:, m - 1] = total
    if cfg.industry_peaks:  # the industry's month (the mode of its clients' true peaks) + jitter
        ind = tr[tr["seasonal"]].groupby("industry")["peak_month"].agg(lambda s: s.mode().iloc[0])
        p0 = ts["industry"].map(ind).to_numpy()
        sd = max(cfg.peak_jitter, 1e-3)
        prior = np.full((len(ids), 12), 1e-12)
        for sh in range(-6, 6):
            p_sh = stats.norm.cdf(sh + 0.5, 0, sd) - stats.norm.cdf(sh - 0.5, 0, sd)
            prior[np.arange(len(ids)), (p0 - 1 + sh) % 12] += p_sh
    else:  # building industries: 70 % in April-September
        prior = np.full((len(ids), 12), 1 / 12)
        building = np.r_[np.full(3, 0.3 / 12), np.full(6, 0.3 / 12 + 0.7 / 6), np.full(3, 0.3 / 12)]
        prior[ts["industry"].isin(list(SEASON_BUILDING)).to_numpy()] = building
    est = (ll + np.log(prior)).argmax(1) + 1
    truth = ts["peak_month"].to_numpy()
    diff = np.minimum((est - truth) % 12, (truth - est) % 12)
    return {"oracle_exact": (diff == 0).mean(), "oracle_within_1": (diff <= 1).mean()}


def bench_seasonality(seeds: tuple[int, ...] = (1001, 1002, 1003), clients: int = 5000) -> dict:
    """Peak-month accuracy on synthetic truth in every world of
    ``kapot.store.synth.SEASONALITY_WORLDS`` (seeds the tests and the method's development did not
    use), clients and client x category pairs with at least 24 months; the held-out world,
    never looked at while the method was chosen, is reported apart."""
    end = dt.date(2026, 10, 31)
    as_of = end + dt.timedelta(days=1)
    cfg = SeasonalityConfig()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for world, settings in SEASONALITY_WORLDS.items():
            per_seed = []
            for seed in seeds:
                d = generate(SynthConfig(n_clients=clients, seed=seed, end=end, **settings))
                db = Path(tmp) / f"{world}-{seed}.duckdb"
                ingest(d.sales, clients=d.clients, products=d.products, db=db)
                with Warehouse(db).read() as con:
                    monthly = monthly_orders(con, as_of)
                    s = client_seasonality(monthly, d.clients, as_of)
                    pm = client_category_monthly(con, as_of, months=cfg.max_months)
                pairs = pair_seasonality(pm, as_of, cfg, clients=d.clients)
                scores = _season_scores(s, d.truth, pairs=pairs)
                long = s.loc[s["months_of_history"] >= 24, "client_id"]
                scores |= _oracle_peaks(d, d.config, monthly, long.to_numpy(), as_of)
                # the oracle on the clients kapot flags: how far its month is from the best
                flagged = s.loc[s["seasonal"] & (s["months_of_history"] >= 24), "client_id"]
                best = _oracle_peaks(d, d.config, monthly, flagged.to_numpy(), as_of)
                scores["oracle_exact_flagged"] = best["oracle_exact"]
                per_seed.append(scores)
                db.unlink()
            f = pd.DataFrame(per_seed)
            agg = f.mean().round(3).to_dict()
            agg["n_24m"] = int(f["n_24m"].sum())
            agg["n_seasonal"] = int(f["n_seasonal"].sum())
            rows[world] = agg
    tuning = {k: v for k, v in rows.items() if k != HELD_OUT_WORLD}
    worst = min(tuning, key=lambda k: tuning[k]["exact"])
    out = {
        "what": f"seasonality per world, seeds {seeds}, {clients:,} clients each, >= 24 months",
        "worst_tuning_world": worst,
        "worst_exact": min(v["exact"] for v in tuning.values()),
        "worst_within_1": min(v["within_1"] for v in tuning.values()),
        "worst_false_pos": max(v["false_pos"] for v in tuning.values()),
        # the ceiling: an oracle knowing the generator's parameters, told the client is
        # seasonal, from the same orders; a world whose oracle is under 0.85 cannot reach it
        "worst_oracle_exact": min(v["oracle_exact"] for v in tuning.values()),
        "worst_pairs_exact": min(v["pairs_exact"] for v in tuning.values()),
        "worst_pairs_false_pos": max(v["pairs_false_pos"] for v in tuning.values()),
        "target": "every world: exact>=0.85 within_1>=0.95 false_pos<=0.05",
    }
    for world, agg in rows.items():
        label = f"held-out world {world}" if world == HELD_OUT_WORLD else f"world {world}"
        out[label] = agg
    return out
