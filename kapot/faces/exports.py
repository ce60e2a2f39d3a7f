"""Call lists and tables as CSV and Excel files that a spreadsheet opens without running
anything: the one export path of the CLI (``--format csv|xlsx``) and the page's downloads.

Client names, phones and e-mails come from CRMs and web forms that outsiders fill, so every
text cell is hostile. Following OWASP's "CSV injection" guidance:

* **Excel (xlsx)**: text is written as text cells (openpyxl data type ``s``), so a name like
  ``=HYPERLINK("http://evil.example/x","click")`` is shown as typed and never becomes a formula;
  a phone ``+7 (495) 123-45-67`` stays exactly as it is. Numbers are number cells, dates date
  cells, missing values empty cells. Characters XML cannot hold (NUL and other control bytes)
  are dropped, and a carriage return becomes a line break (as any XML reader would read it).
* **CSV**: a text field that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading single quote (``'+7 (495) 123-45-67``: still readable and dialable, no
  longer a formula); every text field of the rows is quoted and its double quotes doubled
  (the header, which is kapot's own, only where needed); numbers are
  written bare, as numbers. Reading the file back and removing that one quote gives the
  original text (:func:`unquote_csv_cell`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import numbers
import os

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

__all__ = [
    "FORMULA_PREFIXES",
    "safe_csv_cell",
    "unquote_csv_cell",
    "to_csv_text",
    "to_xlsx_bytes",
    "write_csv",
    "write_xlsx",
]

#: What makes a spreadsheet treat a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_XML_ILLEGAL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _kind(value) -> str:
    """``empty``, ``bool``, ``number``, ``date`` or ``text`` for one cell value."""
    if value is None or (
        not isinstance(value, (str, bytes)) and np.ndim(value) == 0 and pd.isna(value)
    ):
        return "empty"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, numbers.Number):
        return "number" if math.isfinite(float(value)) else "empty"
    if isinstance(value, (dt.date, pd.Timestamp, np.datetime64)):
        return "date"
    return "text"


def safe_csv_cell(text: str) -> str:
    """``text`` as a CSV field a spreadsheet will not execute.

    Parameters
    ----------
    text : str
        One cell's text.

    Returns
    -------
    str
        ``text`` with a leading ``'`` when it begins with one of :data:`FORMULA_PREFIXES`
        (after any quotes of its own, so that :func:`unquote_csv_cell` gives it back
        exactly); otherwise unchanged.
    """
    return "'" + text if text.lstrip("'").startswith(FORMULA_PREFIXES) else text


def unquote_csv_cell(text: str) -> str:
    """The original text of a field written by :func:`safe_csv_cell`.

    Parameters
    ----------
    text : str
        A field as read back from the CSV.

    Returns
    -------
    str
        ``text`` without the one quote :func:`safe_csv_cell` added (unchanged otherwise).
    """
    danger = text.startswith("'") and text.lstrip("'").startswith(FORMULA_PREFIXES)
    return text[1:] if danger else text


def _csv_value(value):
    kind = _kind(value)
    if kind == "empty":
        return ""
    if kind == "bool":
        return "True" if value else "False"
    if kind == "number":
        return int(value) if isinstance(value, (numbers.Integral, np.integer)) else float(value)
    if kind == "date":
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat(sep=" ")
    return safe_csv_cell(str(value))


def to_csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV text, neutralised as described in the module docstring.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any columns, in order; the index is not written. Text cells a spreadsheet would run
        get a leading quote; numbers are bare, dates ISO, missing values empty.

    Returns
    -------
    str
        Comma-separated, header first, ``\\r\\n`` line ends, every text field of the rows quoted.
    """
    buf = io.StringIO()
    # the header is ours (quoted only where needed, so scripts can match it); the rows are not
    csv.writer(buf, lineterminator="\r\n").writerow([safe_csv_cell(str(c)) for c in frame.columns])
    writer = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    cols = [frame[c].to_numpy(dtype=object) for c in frame.columns]
    for row in zip(*cols, strict=True):
        writer.writerow([_csv_value(v) for v in row])
    return buf.getvalue()


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], *, bom: bool = False) -> None:
    """Write :func:`to_csv_text` to a file in UTF-8.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any columns, as for :func:`to_csv_text`.
    path : str or os.PathLike
        The file, replaced if it exists.
    bom : bool, default False
        Begin with a byte-order mark, so that Excel reads the file as UTF-8.
    """
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        fh.write(to_csv_text(frame))


def _xlsx_workbook(frame: pd.DataFrame, sheet: str):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet

    def text_cell(row: int, col: int, value: str):
        cell = ws.cell(row=row, column=col)
        cell.value = str(value).replace("\r\n", "\n").replace("\r", "\n").translate(_XML_ILLEGAL)
        cell.data_type = "s"  # text, whatever it begins with: never a formula
        return cell

    for j, name in enumerate(frame.columns, start=1):
        text_cell(1, j, name).font = _bold()
    cols = [frame[c].to_numpy(dtype=object) for c in frame.columns]
    widths = [min(max(len(str(c)), 8), 60) for c in frame.columns]
    for i, row in enumerate(zip(*cols, strict=True), start=2):
        for j, value in enumerate(row, start=1):
            kind = _kind(value)
            if kind == "empty":
                continue
            if kind == "text":
                text_cell(i, j, value)
                widths[j - 1] = min(max(widths[j - 1], len(str(value))), 60)
                continue
            cell = ws.cell(row=i, column=j)
            if kind == "bool":
                cell.value = bool(value)
            elif kind == "number":
                cell.value = (
                    int(value)
                    if isinstance(value, (numbers.Integral, np.integer))
                    else float(value)
                )
            else:
                ts = pd.Timestamp(value)
                cell.value = ts.date() if ts == ts.normalize() else ts.to_pydatetime()
                cell.number_format = "yyyy-mm-dd" if ts == ts.normalize() else "yyyy-mm-dd hh:mm"
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width + 2
    ws.freeze_panes = "A2"
    return wb


def _bold():
    return Font(bold=True)


def to_xlsx_bytes(frame: pd.DataFrame, *, sheet: str = "kapot") -> bytes:
    """The frame as an Excel workbook: text cells for text, number cells for numbers, date
    cells for dates, nothing a spreadsheet would execute.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any columns, in order; each value's type decides its cell's (missing: an empty cell).
    sheet : str, default "kapot"
        The worksheet's name (Excel allows at most 31 characters, no ``[]:*?/\\``).

    Returns
    -------
    bytes
        The ``.xlsx`` file: a bold header row, frozen; columns sized to their text (8 to 60).
    """
    buf = io.BytesIO()
    _xlsx_workbook(frame, sheet).save(buf)
    return buf.getvalue()


def write_xlsx(frame: pd.DataFrame, path: str | os.PathLike[str], *, sheet: str = "kapot") -> None:
    """Write :func:`to_xlsx_bytes` to a file.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any columns, as for :func:`to_xlsx_bytes`.
    path : str or os.PathLike
        The file, replaced if it exists.
    sheet : str, default "kapot"
        The worksheet's name.
    """
    with open(path, "wb") as fh:
        fh.write(to_xlsx_bytes(frame, sheet=sheet))
