"""The one exception type a user can cause, with the file, row and column it concerns."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["KapotError", "nearest"]


class KapotError(Exception):
    """An error caused by input or usage, safe to show to a user as one line.

    Parameters
    ----------
    message : str
        What went wrong, already translated.
    file, row, column : optional
        Where it went wrong. ``row`` is the 1-based line (CSV) or sheet row (XLSX) in the file.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def nearest(name: str, known: Iterable[str], *, n: int = 5) -> str:
    """The known values closest to ``name`` (difflib, ignoring case), for an error message;
    when none is close, the first few known values.

    Parameters
    ----------
    name : str
        What the user typed (a region, a SKU, a column).
    known : iterable of str
        The valid values; empty strings and non-strings are ignored, duplicates counted once.
    n : int, default 5
        At most this many close matches (difflib cutoff 0.5); with none close, the first
        ``2 * n`` known values in sorted order, then ``…`` if there are more.

    Returns
    -------
    str
        The values joined by ``", "`` in their known spelling, or ``"-"`` when ``known`` is empty.
    """
    values = sorted({str(k) for k in known if isinstance(k, str) and k})
    by_lower: dict[str, str] = {}
    for v in values:
        by_lower.setdefault(v.lower(), v)
    hits = difflib.get_close_matches(str(name).lower(), list(by_lower), n=n, cutoff=0.5)
    if hits:
        return ", ".join(by_lower[h] for h in hits)
    return ", ".join(values[: 2 * n]) + (", …" if len(values) > 2 * n else "") or "-"
