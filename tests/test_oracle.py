"""The seasonality bench's oracles (``bench/oracle.py``): the fair ceiling's false-season rate
is the level it is held to, and it beats or ties kapot on the same clients."""

import datetime as dt

import numpy as np
import pytest

from bench.oracle import fair_oracle, oracle_peaks
from kapot.models.seasonality import client_seasonality
from kapot.store.synth import SEASONALITY_WORLDS, SynthConfig, generate

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)


def _monthly(d):
    """Orders per client and month straight from the generated lines (distinct invoices,
    returns left out, as monthly_orders.sql counts them)."""
    s = d.sales[d.sales["quantity"] > 0]
    month = s["date"].dt.to_period("M").dt.to_timestamp()
    grouped = s.assign(client_id=s["client_id"].astype(str), month=month)
    return grouped.groupby(["client_id", "month"])["invoice_id"].nunique().rename("orders")


# three structures: Poisson counts with peaks over the building season, negative-binomial
# months with quiet spells (the hidden Markov chain), two-year histories with industry peaks
@pytest.mark.parametrize("world", ["today", "lumpy", "short"])
def test_the_fair_ceiling_holds_its_level_and_beats_kapot(world):
    d = generate(SynthConfig(n_clients=3000, seed=11, end=END, **SEASONALITY_WORLDS[world]))
    monthly = _monthly(d).reset_index()
    s = client_seasonality(monthly, d.clients, AS_OF)
    long = s.loc[s["months_of_history"] >= 24, "client_id"].to_numpy()
    fair = fair_oracle(d, monthly, long, AS_OF, seed=3)
    told = oracle_peaks(d, monthly, long, AS_OF)

    x = s.merge(d.truth, on="client_id", suffixes=("", "_true"))
    x = x[x["client_id"].isin(long)]
    ts = x[x["seasonal_true"]]
    assert len(ts) > 300 and fair["n_fair_false_pos"] > 800
    # the false-season rate is 5 % on no-season clients the threshold never saw: simulated
    # copies of the seasonal clients without their season, and the generator's own
    # non-seasonal clients (within three standard errors)
    checks = {
        "fair_null_check": len(ts),
        "fair_kappa_unknown_null_check": len(ts),
        "fair_false_pos": fair["n_fair_false_pos"],
    }
    for key, n in checks.items():
        assert abs(fair[key] - 0.05) < 3 * np.sqrt(0.05 * 0.95 / n), (key, fair[key])
    # the most powerful test at kapot's level, then the best month: at least kapot's exact
    # share on the same clients (misses counted alike), and the same months as the oracle
    # told which clients are seasonal, so never above it
    kapot_exact = (ts["peak_month"] == ts["peak_month_true"]).mean()
    assert fair["fair_exact"] >= kapot_exact
    assert fair["fair_exact"] <= told["oracle_exact"] + 1e-12
    assert fair["fair_flagged"] >= ts["seasonal"].mean()
