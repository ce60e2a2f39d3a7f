"""Synthetic worlds that differ in structure, as settings over SynthConfig's defaults: the seasonality methods were chosen on all of them at once; the held-out world is only ever reported."""

from __future__ import annotations

__all__ = ["SEASONALITY_WORLDS", "HELD_OUT_WORLD"]


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
