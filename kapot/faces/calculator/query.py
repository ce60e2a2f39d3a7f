"""What a manager asks the calculator (:class:`Query`), the reasons it may give (``REASON_KEYS``), and the nearest known values for an error message."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Query", "REASON_KEYS"]


REASON_KEYS = (
    "buys_regularly",
    "same_season",
    "peak_in_horizon",
    "peers_buy",
    "similar_basket",
    "lookalike",
    "pays_on_time",
    "growing",
    "reorder_due",
)


@dataclass(frozen=True)
class Query:
    """What a manager asks for. Empty lists mean "any"."""

    categories: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    pays_on_time: bool = False
    peak_month: str | int | None = None  # "current", "next", 1..12 or None
    exclude_off_assortment: bool = False
    off_assortment_threshold: float = 0.5
    new_buyers_only: bool = False
    who: str = "all"  # existing, prospects, all
    size_tiers: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()  # RFM segment names or ABC classes
    managers: tuple[str, ...] = ()
    min_expected_value: float = 0.0
    limit: int = 50
    rank_by: str = "probability"  # or expected_value
