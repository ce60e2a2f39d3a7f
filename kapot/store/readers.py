"""Read CSV (any delimiter, UTF-8/BOM/cp1251, gzip), XLSX and Parquet into raw frames.

A reader finds the header row (exports often start with a title block), checks it, and returns
the data as strings (CSV/XLSX) or typed columns (Parquet) with the file row of every data row,
so that later errors can name the file, row and column.

The encoding of a text file is chosen per file and checked on the whole file, not on a sample:
a file is UTF-8 when its first non-ASCII line is valid UTF-8, otherwise cp1251 (the encoding of
Russian Windows and 1C exports). A file that mixes the two (some lines UTF-8, some cp1251) is an
error naming the first line that does not decode in the chosen encoding, since reading it whole
either way would store mojibake. With ``mixed_encoding`` each line is decoded on its own (UTF-8
where it is valid UTF-8, else the fallback encoding) and the lines read in the fallback are
counted.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.store.encodings import (
    FALLBACK_ENCODING,
    UTF8_NAMES,
    bom_encoding,
    choose_encoding,
    decode_per_line,
    open_bytes,
)
from kapot.store.parsing import MAX_FIELD_CHARS, shown

__all__ = ["RawTable", "read_table", "ReadOptions"]

_SNIFF_BYTES = 1 << 18
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER_SCAN_ROWS = 30
_DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class ReadOptions:
    """Per-input options, from a mapping file or arguments.

    Parameters
    ----------
    encoding : str, optional
        A text file's encoding (a Python codec name); None: detected (UTF-8 or cp1251).
    delimiter : str, optional
        A text file's field delimiter; None: detected among ``,``, ``;``, tab and ``|``.
    decimal : str, optional
        The decimal sign, ``,`` or ``.``; None: detected per column.
    date_format : str, optional
        A ``strptime`` format of the dates; None: the known formats.
    sheet : str or int, optional
        A workbook's sheet, by name or 0-based position; None: the first.
    header_row : int, optional
        The 1-based row of the header in the file; None: the best-scoring of the first 30.
    mixed_encoding : bool
        Decode a text file line by line (UTF-8 where valid, else the fallback encoding)
        instead of refusing one that mixes encodings.
    """

    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    date_format: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None
    mixed_encoding: bool = False


@dataclass
class RawTable:
    """A file's data with its own headers, before mapping to canonical columns.

    Attributes
    ----------
    file : str
        The file's path (or ``<table DataFrame>`` for a frame), as error messages name it.
    data : pandas.DataFrame
        The rows under the header, the file's headers as columns; cells as text or None
        (typed in a parquet file or a frame).
    first_row : int
        The 1-based file row of ``data``'s first row.
    header_row : int or None
        The 1-based file row of the header; None for a parquet file or a frame.
    encoding, delimiter : str or None
        Those used for a text file (``utf-8+cp1251`` when lines were read in the fallback);
        None otherwise.
    fallback_lines : int
        With ``mixed_encoding``: lines decoded in the fallback encoding.
    fallback_encoding : str or None
        That encoding, when a line was read in it.
    """

    file: str
    data: pd.DataFrame
    first_row: int
    header_row: int | None
    encoding: str | None = None
    delimiter: str | None = None
    fallback_lines: int = 0
    fallback_encoding: str | None = None

    def row_of(self, position: int) -> int:
        """The file row of the data row at ``position``, as a user finds it in the file.

        Parameters
        ----------
        position : int
            0-based position in :attr:`data`.

        Returns
        -------
        int
            The 1-based row of the file (a spreadsheet's row, a text file's line).
        """
        return self.first_row + int(position)


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def read_table(
    path: str | Path,
    *,
    options: ReadOptions = ReadOptions(),
    header_score: Callable[[list[str]], int],
) -> RawTable:
    """Read one input file.

    Parameters
    ----------
    path : str or pathlib.Path
        The file: .csv, .txt, .tsv (optionally .gz), .xlsx/.xlsm, or .parquet.
    options : ReadOptions, optional
        Encoding, delimiter, sheet, header row; detected where ``None``.
    header_score : callable
        Scores a candidate header row (a list of cells: how many known column names it
        has); the best-scoring row among the first 30 is the header.

    Returns
    -------
    RawTable
        The rows under the header, every cell as text or None (typed in a parquet file),
        with the file's own headers as columns; the encoding and delimiter used (text files)
        and the file rows of the data (:meth:`RawTable.row_of`).

    Raises
    ------
    KapotError
        Naming the file (and row and column where one is at fault): a missing or empty file,
        no header or no rows, a duplicate or oversized header, a bad or mixed encoding, an
        unknown sheet, a workbook that is not one.
    """
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise KapotError(tr("ingest.file_missing"), file=name)
    if path.stat().st_size == 0:
        raise KapotError(tr("ingest.empty_file"), file=name)
    kind = _suffix(path)
    if kind == ".parquet":
        return _read_parquet(path)
    if kind in (".xlsx", ".xlsm", ".xls"):
        return _read_excel(path, options, header_score)
    return _read_csv(path, options, header_score)


def _check_header(header: list[str], file: str, row: int | None) -> list[str]:
    cleaned = [str(h).strip() if h is not None and not _isna(h) else "" for h in header]
    if not any(cleaned):
        raise KapotError(tr("ingest.no_header"), file=file, row=row)
    for h in cleaned:
        if len(h) > MAX_FIELD_CHARS:
            raise KapotError(
                tr(
                    "checks.field_too_long",
                    length=f"{len(h):,}",
                    limit=f"{MAX_FIELD_CHARS:,}",
                ),
                file=file,
                row=row,
                column=shown(h),
            )
    seen: set[str] = set()
    for h in cleaned:
        if h and h in seen:
            raise KapotError(tr("ingest.duplicate_header"), file=file, row=row, column=shown(h))
        seen.add(h)
    # unnamed columns get a placeholder so that pandas keeps them apart
    return [h if h else f"__unnamed_{i}" for i, h in enumerate(cleaned)]


def _isna(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _pick_header(rows: list[list[str]], score: Callable[[list[str]], int]) -> int:
    best, best_score = 0, -1
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        s = score([str(c) for c in row if c is not None])
        if s > best_score:
            best, best_score = i, s
    if best_score <= 0:
        # nothing recognised: take the first row with as many cells as the widest row
        width = max(
            (sum(1 for c in r if str(c).strip()) for r in rows[:_HEADER_SCAN_ROWS]), default=0
        )
        for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
            if sum(1 for c in row if str(c).strip()) == width:
                return i
    return best


def _detect_delimiter(lines: list[str]) -> str:
    best, best_key = ",", (-1.0, 0)
    for d in _DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        except csv.Error:  # a line as one huge field under a wrong delimiter
            continue
        if not counts:
            continue
        widest = max(counts)
        if widest < 2:
            continue
        # share of rows with the modal width; preambles lower it a little, not much
        values, freq = np.unique(counts, return_counts=True)
        modal = values[np.argmax(freq)]
        consistency = freq.max() / len(counts)
        key = (round(consistency, 1) if modal > 1 else 0.0, int(modal))
        if key > best_key:
            best, best_key = d, key
    return best


def _read_csv(path: Path, options: ReadOptions, score: Callable[[list[str]], int]) -> RawTable:
    name = str(path)
    with open_bytes(path) as fh:
        try:
            head = fh.read(_SNIFF_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise KapotError(tr("ingest.unreadable", error=str(exc)), file=name) from exc
    truncated = len(head) > _SNIFF_BYTES
    head = head[:_SNIFF_BYTES]
    if not head.strip():
        raise KapotError(tr("ingest.empty_file"), file=name)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise KapotError(tr("ingest.binary_file"), file=name)
    if options.encoding is not None:
        try:
            requested: str | None = codecs.lookup(options.encoding).name
        except LookupError as exc:
            raise KapotError(
                tr("ingest.unknown_encoding", encoding=options.encoding), file=name
            ) from exc
    else:
        requested = None
    fallback_lines = 0
    fallback = None
    source: Path | io.StringIO = path
    try:
        if options.mixed_encoding and bom_encoding(head) != "utf-16":
            fallback = (
                requested
                if requested is not None and requested not in UTF8_NAMES
                else FALLBACK_ENCODING
            )
            decoded, fallback_lines = decode_per_line(path, fallback, name)
            encoding = "utf-8" if fallback_lines == 0 else f"utf-8+{fallback}"
            text = decoded[:_SNIFF_BYTES]
            truncated = len(decoded) > _SNIFF_BYTES
            source = io.StringIO(decoded)
        else:
            encoding = choose_encoding(path, requested, name)
            text = head.decode(encoding, errors="strict" if not truncated else "ignore")
    except (OSError, EOFError) as exc:
        raise KapotError(tr("ingest.unreadable", error=str(exc)), file=name) from exc
    lines = text.splitlines()
    if truncated and len(lines) > 1:
        lines = lines[:-1]
    delimiter = options.delimiter or _detect_delimiter(lines[:200])
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    rows = _csv_rows(lines[: _HEADER_SCAN_ROWS + 5], delimiter, name)
    if options.header_row is not None:
        header_idx = options.header_row - 1
    else:
        header_idx = _pick_header(rows, score)
    if header_idx >= len(rows):
        raise KapotError(tr("ingest.no_header"), file=name, row=header_idx + 1)
    header = _check_header(rows[header_idx], name, header_idx + 1)
    # csv.reader rows may span lines (quoted newlines); count physical lines to skip
    skip = _physical_lines(lines, delimiter, header_idx + 1)
    try:
        with warnings.catch_warnings():
            # pandas only warns when the first data line has more fields than the header, and
            # drops the extra ones: a shifted line must not load
            warnings.simplefilter("error", pd.errors.ParserWarning)
            data = pd.read_csv(
                source,
                sep=delimiter,
                encoding=encoding if isinstance(source, Path) else None,
                skiprows=skip,
                header=None,
                names=header,
                index_col=False,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=True,
                engine="c",
                compression="infer" if isinstance(source, Path) else None,
            )
    except UnicodeDecodeError as exc:  # checked above; kept for files changed meanwhile
        raise KapotError(tr("ingest.bad_encoding", encoding=encoding), file=name) from exc
    except pd.errors.ParserWarning as exc:
        row = _first_data_line(lines, skip)
        raise KapotError(tr("checks.too_many_fields"), file=name, row=row) from exc
    except pd.errors.ParserError as exc:
        # pandas counts lines from the top of the file, the skipped ones included
        match = re.search(r"line (\d+)", str(exc))
        row = int(match.group(1)) if match else None
        raise KapotError(
            tr("ingest.bad_row", error=shown(str(exc).strip(), 200)), file=name, row=row
        ) from exc
    except pd.errors.EmptyDataError:
        data = pd.DataFrame(columns=header, dtype=str)
    if data.empty:
        raise KapotError(tr("ingest.no_rows"), file=name, row=header_idx + 1)
    return RawTable(
        file=name,
        data=data,
        first_row=skip + 1,
        header_row=header_idx + 1,
        encoding=encoding,
        delimiter=delimiter,
        fallback_lines=fallback_lines,
        fallback_encoding=fallback if fallback_lines else None,
    )


def _first_data_line(lines: list[str], skip: int) -> int | None:
    for i in range(skip, len(lines)):
        if lines[i].strip():
            return i + 1
    return None


def _csv_error(exc: csv.Error, name: str, row: int | None) -> KapotError:
    if "field larger than field limit" in str(exc):
        return KapotError(
            tr("checks.field_too_long_line", limit=f"{csv.field_size_limit():,}"),
            file=name,
            row=row,
        )
    return KapotError(tr("ingest.bad_row", error=str(exc)), file=name, row=row)


def _csv_rows(lines: list[str], delimiter: str, name: str) -> list[list[str]]:
    reader = csv.reader(lines, delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for r in reader:
            rows.append(r)
    except csv.Error as exc:
        raise _csv_error(exc, name, reader.line_num) from None
    return rows


def _physical_lines(lines: list[str], delimiter: str, n_records: int) -> int:
    if n_records == 0:
        return 0
    buf = io.StringIO("\n".join(lines))
    reader = csv.reader(buf, delimiter=delimiter)
    for _ in range(n_records):
        next(reader, None)  # the same lines were read by _csv_rows without an error
    return reader.line_num


def _read_excel(path: Path, options: ReadOptions, score: Callable[[list[str]], int]) -> RawTable:
    name = str(path)
    _check_workbook_magic(path, name)
    sheet = options.sheet if options.sheet is not None else 0
    try:
        book = pd.ExcelFile(path)
    except Exception as exc:  # openpyxl raises a zoo of types for corrupt files
        raise KapotError(tr("ingest.unreadable", error=str(exc)), file=name) from exc
    with book:
        names = [str(n) for n in book.sheet_names]
        if (
            isinstance(sheet, int)
            and not 0 <= sheet < len(names)
            or (not isinstance(sheet, int) and str(sheet) not in names)
        ):
            raise KapotError(
                tr("encoding.sheet_not_found", sheet=str(sheet), sheets=", ".join(names)),
                file=name,
            )
        try:
            grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
        except Exception as exc:
            raise KapotError(tr("ingest.unreadable", error=str(exc)), file=name) from exc
    grid = grid.dropna(how="all")
    if grid.empty:
        raise KapotError(tr("ingest.empty_file"), file=name)
    rows = [
        ["" if _isna(c) else str(c) for c in r]
        for r in grid.head(_HEADER_SCAN_ROWS).itertuples(index=False)
    ]
    if options.header_row is not None:
        header_pos = list(grid.index).index(options.header_row - 1)
    else:
        header_pos = _pick_header(rows, score)
    header_row = int(grid.index[header_pos]) + 1
    header = _check_header(list(grid.iloc[header_pos]), name, header_row)
    body = grid.iloc[header_pos + 1 :]
    if body.empty:
        raise KapotError(tr("ingest.no_rows"), file=name, row=header_row)
    file_rows = body.index.to_numpy() + 1
    data = pd.DataFrame({h: _excel_cells_to_str(body.iloc[:, i]) for i, h in enumerate(header)})
    raw = RawTable(
        file=name,
        data=data.reset_index(drop=True),
        first_row=int(file_rows[0]),
        header_row=header_row,
    )
    # blank rows were dropped, so rows are not contiguous: keep the exact numbers
    raw.row_of = lambda position, _rows=file_rows: int(_rows[int(position)])  # type: ignore[method-assign]
    return raw


def _check_workbook_magic(path: Path, name: str) -> None:
    """An .xlsx/.xlsm is a ZIP package and an .xls an OLE2 file: anything else (a CSV or an
    HTML table saved under an Excel name, as some exports do) gets a clear message."""
    with open(path, "rb") as fh:
        magic = fh.read(len(_OLE_MAGIC))
    kind = _suffix(path)
    expected = _OLE_MAGIC if kind == ".xls" else _ZIP_MAGIC
    if not magic.startswith(expected):
        looks = "text" if _looks_like_text(path) else "other"
        raise KapotError(tr(f"encoding.not_excel_{looks}", suffix=kind), file=name)


def _looks_like_text(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    return b"\x00" not in head and bool(head.strip())


def _excel_cells_to_str(col: pd.Series) -> pd.Series:
    def conv(v: object) -> object:
        if v is None or _isna(v):
            return None
        if isinstance(v, pd.Timestamp) or hasattr(v, "isoformat"):
            return v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return (
        pd.Series([conv(v) for v in col], dtype="object")
        .astype("str")
        .where(col.notna().to_numpy(), None)
    )


def _read_parquet(path: Path) -> RawTable:
    name = str(path)
    try:
        data = pd.read_parquet(path)
    except Exception as exc:
        raise KapotError(tr("ingest.unreadable", error=str(exc)), file=name) from exc
    _check_header([str(c) for c in data.columns], name, None)
    if data.empty:
        raise KapotError(tr("ingest.no_rows"), file=name)
    data.columns = [str(c) for c in data.columns]
    return RawTable(file=name, data=data.reset_index(drop=True), first_row=1, header_row=None)
