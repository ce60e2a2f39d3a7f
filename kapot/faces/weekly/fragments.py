"""HTML pieces the report's sections share: a fragment that displays itself, one table of money rows and count rows, the client columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kapot.faces.display import Column, rows_html, table_html

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Raw", "table_rows", "CLIENT_COLUMNS"]


CLIENT_COLUMNS = [
    Column("name", "report.col_name"),
    Column("region", "report.col_region"),
    Column("manager", "report.col_manager"),
]


class Raw:
    """An HTML fragment that displays itself.

    Parameters
    ----------
    fragment : str
        The HTML, shown as it is (the caller escaped its text).
    """

    def __init__(self, fragment: str) -> None:
        self.fragment = fragment

    def _repr_html_(self) -> str:
        return self.fragment


def table_rows(
    frame: pd.DataFrame,
    money_cols: Sequence[Column],
    int_cols: Sequence[Column],
    *,
    money_rows: int,
    lang: str | None,
) -> str:
    """One HTML table of ``frame``: its first ``money_rows`` rows formatted with ``money_cols``,
    the rest with ``int_cols`` (each a list of :class:`kapot.faces.display.Column` naming
    columns of ``frame``).

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows, money rows first; every column a :class:`~kapot.faces.display.Column` of
        ``money_cols`` or ``int_cols`` names.
    money_cols, int_cols : list of kapot.faces.display.Column
        The same columns, formatted for the money rows and for the count rows (the headers
        come from ``money_cols``).
    money_rows : int
        How many of the first rows are money.
    lang : str or None
        ``en`` or ``ru``; None for the language in force.

    Returns
    -------
    str
        The ``<table>`` (:func:`kapot.faces.display.table_html`).
    """

    tail = rows_html(frame.iloc[money_rows:], int_cols, lang)
    return table_html(frame.iloc[:money_rows], money_cols, lang, more_rows=tail)
