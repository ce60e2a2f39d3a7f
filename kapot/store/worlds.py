"""What a synthetic world is: :class:`SynthConfig`, the generator's settings, and the worlds
that differ in structure as settings over its defaults (the seasonality methods were chosen on
all of them at once; the held-out world is only ever reported). :mod:`kapot.store.synth`
draws a world's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["SynthConfig", "SEASONALITY_WORLDS", "HELD_OUT_WORLD"]


@dataclass(frozen=True)
class SynthConfig:
    """What to generate (:func:`kapot.store.synth.generate`). Shares are of all clients unless
    said otherwise, each drawn independently per client.

    Parameters
    ----------
    n_clients : int, default 3000
        Buyers and prospects together.
    years : int, default 3
        Length of the history, which ends on ``end`` (whole months from its start).
    end : datetime.date, default 2026-10-31
        Last day of the history (inclusive).
    seed : int, default 0
        Random seed: same config, same data.
    lang : {"en", "ru"}, optional
        Language of the names (clients, managers, regions, categories); default the current.
    prospect_share : float, default 0.2
        Clients with no sales at all.
    seasonal_share : float, default 0.3
        Buyers with a purchase peak month (a von Mises month profile).
    non_profile_share : float, default 0.07
        Buyers who buy mostly items we no longer supply.
    late_payer_share : float, default 0.15
        Chronic late payers (most of their invoices paid weeks after due).
    churn_share : float, default 0.15
        Clients who stop buying, six months or more after they start.
    new_client_share : float, default 0.3
        Clients who start after the history's first month.
    skus_per_category : int, default 40
        SKUs per category (14 categories), of Zipf popularity.
    off_assortment_share : float, default 0.15
        SKUs no longer supplied (never a category's best seller).
    return_share : float, default 0.005
        Sales lines returned a few days later, in part or whole.
    target_lines : int, optional
        If set, order rates are scaled so the expected line count is about this.

    Other Parameters
    ----------------
    season_kappa : tuple of float, default (1.0, 2.0)
        Range of a seasonal client's concentration (uniform); larger: a sharper peak.
    industry_peaks : bool, default False
        Each industry has one peak month, its seasonal clients near it.
    peak_jitter : float, default 0.0
        Standard deviation, in months, of a client's peak around its industry's.
    growth_mean, growth_sd : float, default 0.05 and 0.2
        Log growth of a client's order rate per year, normal across clients.
    order_dispersion : float, default 0.0
        Gamma noise per client-month: order counts of variance mu + d * mu^2.
    quiet_spells : float, default 0.0
        Chance that a month starts a quiet spell without orders.
    quiet_months : float, default 3.0
        Mean length of a quiet spell, in months (geometric).
    affinity_power : float, default 1.0
        Above 1, what a client buys follows its industry more closely.
    mix_noise_shape : float, default 2.0
        Gamma shape of a client's own taste in categories (larger: less of it).

    Notes
    -----
    The other parameters make the seasonality worlds (issue 13) and the engine worlds (issue
    10); their defaults reproduce the original generator exactly, and the seasonality worlds'
    extra draws come from a random stream of their own, so the main stream is untouched.
    """

    n_clients: int = 3000
    years: int = 3
    end: dt.date = dt.date(2026, 10, 31)
    seed: int = 0
    lang: str | None = None
    prospect_share: float = 0.2
    seasonal_share: float = 0.3
    non_profile_share: float = 0.07
    late_payer_share: float = 0.15
    churn_share: float = 0.15
    new_client_share: float = 0.3
    skus_per_category: int = 40
    off_assortment_share: float = 0.15
    return_share: float = 0.005
    target_lines: int | None = None
    # seasonality worlds (issue 13)
    season_kappa: tuple[float, float] = (1.0, 2.0)
    industry_peaks: bool = False
    peak_jitter: float = 0.0
    growth_mean: float = 0.05
    growth_sd: float = 0.2
    order_dispersion: float = 0.0
    quiet_spells: float = 0.0
    quiet_months: float = 3.0
    # engine worlds (issue 10)
    affinity_power: float = 1.0
    mix_noise_shape: float = 2.0


# Worlds that differ in structure, for choosing and checking the seasonality method: each is a
# set of SynthConfig settings over the defaults. The method and its thresholds are chosen on
# all of them but HELD_OUT_WORLD at once; the held-out one is only reported.
SEASONALITY_WORLDS: dict[str, dict] = {
    "today": {},  # the generator as it was: peaks spread over the building season or the year
    "weak_to_strong": {"season_kappa": (0.6, 2.6), "seasonal_share": 0.4},
    "industry_jitter": {"industry_peaks": True, "peak_jitter": 0.7, "season_kappa": (0.7, 2.2)},
    "lumpy": {"order_dispersion": 0.8, "quiet_spells": 0.04, "quiet_months": 3.0},
    "trends_churn": {"growth_sd": 0.5, "churn_share": 0.35, "new_client_share": 0.5},
    "short": {"years": 2, "new_client_share": 0.5, "industry_peaks": True, "peak_jitter": 0.5},
    # held out: an export like the 1C one (peaks near the industry's, strength varying
    # widely, over-dispersed counts with long quiet gaps, trends and churn)
    "export_like": {
        "industry_peaks": True,
        "peak_jitter": 0.6,
        "season_kappa": (0.7, 2.4),
        "order_dispersion": 0.5,
        "quiet_spells": 0.03,
        "quiet_months": 4.0,
        "growth_sd": 0.35,
        "churn_share": 0.25,
    },
}


HELD_OUT_WORLD = "export_like"
