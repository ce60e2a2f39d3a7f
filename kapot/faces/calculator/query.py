"""What a manager asks the calculator (:class:`Query`), the reasons it may give (``REASON_KEYS``), and the nearest known values for an error message."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Query", "REASON_KEYS", "nearest"]


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


def nearest(name: str, known: Iterable[str], *, n: int = 5) -> str:
    """The known values closest to ``name`` (difflib, ignoring case), for an error message;
    when none is close, the first few known values."""
    values = sorted({str(k) for k in known if isinstance(k, str) and k})
    by_lower: dict[str, str] = {}
    for v in values:
        by_lower.setdefault(v.lower(), v)
    hits = difflib.get_close_matches(str(name).lower(), list(by_lower), n=n, cutoff=0.5)
    if hits:
        return ", ".join(by_lower[h] for h in hits)
    return ", ".join(values[: 2 * n]) + (", …" if len(values) > 2 * n else "") or "-"


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
