"""The one builder of a calculator :class:`~kapot.faces.calculator.Query` from a face's
filter values: the page's widgets and the CLI's options both come through here, so a filter
means the same thing on both."""

from __future__ import annotations

from collections.abc import Iterable

from kapot.errors import KapotError
from kapot.faces.calculator import Query
from kapot.i18n import tr

__all__ = ["build_query", "split_skus"]


def split_skus(text: str) -> tuple[str, ...]:
    """SKUs typed into one field, separated by ``,`` or ``;`` (blanks dropped).

    Parameters
    ----------
    text : str
        What the manager typed, e.g. ``"A-1, B-2; C-3"``.

    Returns
    -------
    tuple of str
        The SKUs in the order typed.
    """
    return tuple(s.strip() for s in text.replace(";", ",").split(",") if s.strip())


def _peak(value: str | int | None) -> str | int | None:
    if value is None or value == "any":
        return None
    if isinstance(value, int) or value in ("current", "next"):
        return value
    try:
        return int(value)
    except ValueError:
        raise KapotError(tr("calculator.bad_month", value=value)) from None


def build_query(
    *,
    categories: Iterable[str] = (),
    skus: Iterable[str] = (),
    regions: Iterable[str] = (),
    managers: Iterable[str] = (),
    pays_on_time: bool = False,
    peak_month: str | int | None = None,
    exclude_off_assortment: bool = False,
    new_buyers_only: bool = False,
    who: str = "all",
    size_tiers: Iterable[str] = (),
    segments: Iterable[str] = (),
    min_expected_value: float = 0.0,
    limit: int = 50,
) -> Query:
    """A :class:`Query` from filter values as a face holds them.

    Parameters
    ----------
    categories, skus, regions, managers, size_tiers, segments : iterable of str
        The chosen values; empty means any.
    pays_on_time, exclude_off_assortment, new_buyers_only : bool
        The check boxes.
    peak_month : str, int or None
        ``None`` or ``"any"`` for any month, ``"current"``, ``"next"``, or a month 1..12 (as a
        number or its text, as typed on the command line).
    who : str
        ``"all"``, ``"existing"`` or ``"prospects"``.
    min_expected_value : float
        Clients whose expected value is below are not shown.
    limit : int
        How many clients the list holds.

    Returns
    -------
    Query

    Raises
    ------
    KapotError
        A peak month that is neither a number nor ``current``/``next``.
    """
    return Query(
        categories=tuple(categories),
        skus=tuple(skus),
        regions=tuple(regions),
        managers=tuple(managers),
        pays_on_time=pays_on_time,
        peak_month=_peak(peak_month),
        exclude_off_assortment=exclude_off_assortment,
        new_buyers_only=new_buyers_only,
        who=who,
        size_tiers=tuple(size_tiers),
        segments=tuple(segments),
        min_expected_value=min_expected_value,
        limit=limit,
    )
