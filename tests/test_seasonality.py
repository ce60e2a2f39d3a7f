"""Seasonality: the test on hand-made series, and the models on synthetic truth."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kapot.models.features import monthly_orders
from kapot.models.seasonality import client_seasonality
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate
from kapot.store.warehouse import Warehouse

MONTHS = pd.period_range("2022-01", "2024-12", freq="M")


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
    # (at the pairs' 5 % level: 3.1, 3.2 and 3.8 % on this seed)
    from kapot.models.seasonality import pair_seasonality
    from kapot.store.synth import SEASONALITY_WORLDS

    d = generate(SynthConfig(n_clients=1500, seed=8, end=END, **SEASONALITY_WORLDS[world]))
    pairs = pair_seasonality(_pair_monthly(d), AS_OF, clients=d.clients)
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


@pytest.mark.parametrize("world", ["industry_jitter", "short"])
def test_industry_prior_finds_weak_seasons_and_keeps_the_level(world, monkeypatch):
    # where an industry's clients peak together, the test weighted by its prior of peak months
    # finds more seasonal clients than the 2-df test alone, at their month, and the p-values
    # of clients without a season are still uniform or conservative, never liberal
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
    # the 2-df test alone
    monkeypatch.setattr(seasonality, "prior_weighted_p", lambda out, *_: out["p_value"])
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


@pytest.mark.parametrize("world", _world_names())
def test_pairs_of_clients_without_a_season_are_calibrated(world):
    # the pairs' industry-weighted test on clients generated without any season in this
    # world's structure: the p-values of pairs with two cycles are uniform or conservative
    from scipy import stats

    from kapot.models.seasonality import pair_seasonality
    from kapot.store.synth import SEASONALITY_WORLDS

    cfg = {**SEASONALITY_WORLDS[world], "seasonal_share": 0.0}
    d = generate(SynthConfig(n_clients=1500, seed=11, end=END, **cfg))
    pairs = pair_seasonality(_pair_monthly(d), AS_OF, clients=d.clients)
    p = pairs.loc[pairs["n"] >= 24, "p_value"].dropna().to_numpy()
    assert len(p) > 500
    assert stats.kstest(p, "uniform", alternative="greater").pvalue > 0.01
    for a in (0.01, 0.05, 0.1):
        assert (p < a).mean() <= a + 2.5 * np.sqrt(a * (1 - a) / len(p))


@pytest.mark.parametrize("world", ["industry_jitter", "short"])
def test_pairs_industry_prior_finds_weak_seasons_and_keeps_the_level(world):
    # where an industry's clients peak together, the pairs' test weighted by its prior finds
    # more pairs of seasonal clients, more of them at their client's month, than the 2-df test
    # with the client's categories' prior alone; pairs of other clients stay under the level
    from kapot.models.seasonality import pair_seasonality
    from kapot.store.synth import SEASONALITY_WORLDS

    d = generate(SynthConfig(n_clients=1500, seed=9, end=END, **SEASONALITY_WORLDS[world]))
    monthly = _pair_monthly(d)

    def verdicts(clients):
        pairs = pair_seasonality(monthly, AS_OF, clients=clients)
        x = pairs.merge(d.truth, on="client_id", suffixes=("", "_true"))
        return x[x["n"] >= 24]

    both, alone = verdicts(d.clients), verdicts(None)
    true_b, true_a = both[both["seasonal_true"]], alone[alone["seasonal_true"]]
    assert len(true_b) > 150
    assert true_b["seasonal"].sum() > true_a["seasonal"].sum()
    exact_b = (true_b["peak_month"] == true_b["peak_month_true"]).mean()
    assert exact_b > (true_a["peak_month"] == true_a["peak_month_true"]).mean()
    none = both[~both["seasonal_true"]]
    assert none["seasonal"].mean() <= 0.05 + 2.5 * np.sqrt(0.05 * 0.95 / len(none))
