"""The one exception type a user can cause, with the file, row and column it concerns."""

from __future__ import annotations

__all__ = ["KapotError"]


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
