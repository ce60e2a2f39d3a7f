"""Seasonality: peak-month accuracy per synthetic world against the generator's truth and an
oracle's ceiling."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from bench.oracle import fair_oracle, oracle_peaks
from kapot.models.features import client_category_monthly, monthly_orders
from kapot.models.seasonality import SeasonalityConfig, client_seasonality, pair_seasonality
from kapot.store.ingest import ingest
from kapot.store.synth import (
    HELD_OUT_WORLD,
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
                scores |= oracle_peaks(d, monthly, long.to_numpy(), as_of)
                # the fair ceiling: the most powerful test at kapot's 5 % false-season rate
                scores |= fair_oracle(d, monthly, long.to_numpy(), as_of, seed=seed)
                # the oracle on the clients kapot flags: how far its month is from the best
                flagged = s.loc[s["seasonal"] & (s["months_of_history"] >= 24), "client_id"]
                best = oracle_peaks(d, monthly, flagged.to_numpy(), as_of)
                scores["oracle_exact_flagged"] = best["oracle_exact"]
                per_seed.append(scores)
                db.unlink()
            f = pd.DataFrame(per_seed)
            agg = f.mean().round(3).to_dict()
            agg["n_24m"] = int(f["n_24m"].sum())
            agg["n_seasonal"] = int(f["n_seasonal"].sum())
            agg["n_fair_false_pos"] = int(f["n_fair_false_pos"].sum())
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
        # the fair ceiling: an oracle that must also decide "seasonal" at a 5 % false-season
        # rate (the most powerful test); under 0.85 in a world, no method held to the
        # false-season target can reach 0.85 exact there
        "worst_fair_exact": min(v["fair_exact"] for v in tuning.values()),
        "worlds_fair_under_target": ",".join(k for k, v in rows.items() if v["fair_exact"] < 0.85),
        "worst_pairs_exact": min(v["pairs_exact"] for v in tuning.values()),
        "worst_pairs_false_pos": max(v["pairs_false_pos"] for v in tuning.values()),
        "target": "every world: exact>=0.85 within_1>=0.95 false_pos<=0.05",
    }
    for world, agg in rows.items():
        label = f"held-out world {world}" if world == HELD_OUT_WORLD else f"world {world}"
        out[label] = agg
    return out
