"""Read CSV (any delimiter, UTF-8/BOM/cp1251, gzip), XLSX and Parquet into raw frames.

A reader finds the header row (exports often start with a title block), checks it, and returns
the data as strings (CSV/XLSX) or typed columns (Parquet) with the file row of every data row,
so that later errors can name the file, row and column.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import tr

__all__ = ["RawTable", "read_table", "ReadOptions"]

_SNIFF_BYTES = 1 << 18
_HEADER_SCAN_ROWS = 30
_DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class ReadOptions:
    """Per-input options, from a mapping file or arguments; ``None`` means detect."""

    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    date_format: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None  # 1-based row of the header in the file


@dataclass
class RawTable:
    """A file's data with its own headers, before mapping to canonical columns."""

    file: str
    data: pd.DataFrame
    first_row: int  # file row number of data.iloc[0]
    header_row: int | None
    encoding: str | None = None
    delimiter: str | None = None

    def row_of(self, position: int) -> int:
        """The file row of the data row at ``position`` (0-based)."""
        return self.first_row + int(position)


def _open_bytes(path: Path) -> io.BufferedIOBase:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


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
    path : file to read (.csv, .txt, .tsv, optionally .gz; .xlsx/.xlsm; .parquet).
    options : encoding, delimiter, sheet, header row; detected where ``None``.
    header_score : scores a candidate header row (how many known column names it has); the
        best-scoring row among the first 30 is the header.
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
    seen: set[str] = set()
    for h in cleaned:
        if h and h in seen:
            raise KapotError(tr("ingest.duplicate_header"), file=file, row=row, column=h)
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


def _detect_encoding(sample: bytes, truncated: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    probe = sample[:-4] if truncated else sample
    try:
        probe.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the probe is still UTF-8
        if truncated and exc.start >= len(probe) - 3:
            return "utf-8"
    return "cp1251"  # the encoding of Russian Windows/1C exports


def _detect_delimiter(lines: list[str]) -> str:
    best, best_key = ",", (-1.0, 0)
    for d in _DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=d)]
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
    with _open_bytes(path) as fh:
        try:
            sample = fh.read(_SNIFF_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise KapotError(tr("ingest.unreadable", error=str(exc)), file=name) from exc
    truncated = len(sample) > _SNIFF_BYTES
    sample = sample[:_SNIFF_BYTES]
    if not sample.strip():
        raise KapotError(tr("ingest.empty_file"), file=name)
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise KapotError(tr("ingest.binary_file"), file=name)
    encoding = options.encoding or _detect_encoding(sample, truncated)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise KapotError(tr("ingest.unknown_encoding", encoding=encoding), file=name) from exc
    try:
        text = sample.decode(encoding, errors="strict" if not truncated else "ignore")
    except UnicodeDecodeError as exc:
        line = sample[: exc.start].count(b"\n") + 1
        raise KapotError(tr("ingest.bad_encoding", encoding=encoding), file=name, row=line) from exc
    lines = text.splitlines()
    if truncated and len(lines) > 1:
        lines = lines[:-1]
    delimiter = options.delimiter or _detect_delimiter(lines[:200])
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    rows = list(csv.reader(lines[: _HEADER_SCAN_ROWS + 5], delimiter=delimiter))
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
        data = pd.read_csv(
            path,
            sep=delimiter,
            encoding=encoding,
            skiprows=skip,
            header=None,
            names=header,
            index_col=False,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
            engine="c",
            compression="infer",
        )
    except UnicodeDecodeError as exc:
        raise KapotError(tr("ingest.bad_encoding", encoding=encoding), file=name) from exc
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        row = int(match.group(1)) + skip if match else None
        raise KapotError(tr("ingest.bad_row", error=str(exc).strip()), file=name, row=row) from exc
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
    )


def _physical_lines(lines: list[str], delimiter: str, n_records: int) -> int:
    if n_records == 0:
        return 0
    buf = io.StringIO("\n".join(lines))
    reader = csv.reader(buf, delimiter=delimiter)
    for _ in range(n_records):
        next(reader, None)
    return reader.line_num


def _read_excel(path: Path, options: ReadOptions, score: Callable[[list[str]], int]) -> RawTable:
    name = str(path)
    sheet = options.sheet if options.sheet is not None else 0
    try:
        grid = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object)
    except ValueError as exc:
        raise KapotError(
            tr("ingest.bad_sheet", sheet=str(sheet), error=str(exc)), file=name
        ) from exc
    except Exception as exc:  # openpyxl raises a zoo of types for corrupt files
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
