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
    """What a manager asks for. Empty tuples mean "any".

    Parameters
    ----------
    categories, skus : tuple of str
        The items to sell (categories and SKUs in the data); a client's score is its
        probability of buying any of them in the horizon, its expected value their sum. Both
        empty: everything we supply.
    regions : tuple of str
        Only clients in these regions.
    pays_on_time : bool
        Only clients who pay on time.
    peak_month : str, int or None
        Only seasonal clients whose peak falls in this month: ``"current"`` or ``"next"``
        (of the scores' date), a month 1..12; None, ``""`` or ``"any"``: no filter.
    exclude_off_assortment : bool
        Leave out clients whose ``off_assortment_share`` (the share of their revenue spent on
        what we do not sell) is above ``off_assortment_threshold``.
    off_assortment_threshold : float
        That share, 0..1.
    new_buyers_only : bool
        Only clients who have not bought the chosen items before (with several: not every
        one of them).
    who : str
        ``"existing"`` (clients, not prospects), ``"prospects"`` or ``"all"``.
    size_tiers : tuple of str
        Only clients in these size tiers (``kapot.models.segments``).
    segments : tuple of str
        Only clients in any of these RFM segments, ABC classes or cluster codes.
    managers : tuple of str
        Only the clients of these managers.
    min_expected_value : float
        Only clients whose expected value for the chosen items is at least this, in the
        warehouse's currency; 0: no filter.
    limit : int
        At most this many clients listed.
    rank_by : str
        ``"probability"`` (of buying in the horizon) or ``"expected_value"``.
    """

    categories: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    pays_on_time: bool = False
    peak_month: str | int | None = None
    exclude_off_assortment: bool = False
    off_assortment_threshold: float = 0.5
    new_buyers_only: bool = False
    who: str = "all"
    size_tiers: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()
    min_expected_value: float = 0.0
    limit: int = 50
    rank_by: str = "probability"
