"""Preparing an input for a load: the mapping file, the columns matched to the canonical table, values parsed and checked, soft problems counted; nothing is written."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.store.currency import (
    normalise_currency,
)
from kapot.store.headers import normalise_header
from kapot.store.parsing import (
    MAX_ABS_NUMBER,
    ColumnContext,
    parse_bools,
    parse_dates,
    parse_ids,
    parse_numbers,
    parse_text,
    shown,
    shown_list,
)
from kapot.store.readers import RawTable, ReadOptions, read_table
from kapot.store.schema import TABLES, Table

__all__ = ["Source", "TableReport", "load_mapping", "prepare"]


_OPTION_KEYS = {
    "encoding",
    "delimiter",
    "decimal",
    "date_format",
    "sheet",
    "header_row",
    "mixed_encoding",
}


def load_mapping(mapping: str | os.PathLike[str] | dict | None) -> dict[str, dict]:
    """Read and check a TOML mapping: ``[table]`` options and ``[table.columns]`` names.

    Parameters
    ----------
    mapping : str, os.PathLike, dict or None
        A TOML file, or the same content as a dict; None for no mapping. Its sections are
        canonical tables; a section's keys are read options (``encoding``, ``delimiter``,
        ``decimal``, ``date_format``, ``sheet``, ``header_row``, ``mixed_encoding``) and
        ``columns`` (canonical column -> the header in the file). A top-level ``currency``
        is the company's currency.

    Returns
    -------
    dict
        Table name to its section, and ``currency`` (normalised) if given; ``{}`` for None.

    Raises
    ------
    KapotError
        Naming the file, for a missing or unreadable file, an unknown table, column or
        option, a ``mixed_encoding`` that is not a boolean, or an unknown currency.
    """
    if mapping is None:
        return {}
    if isinstance(mapping, dict):
        data, name = mapping, "<mapping>"
    else:
        name = str(mapping)
        try:
            with open(mapping, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise KapotError(tr("ingest.file_missing"), file=name) from exc
        except tomllib.TOMLDecodeError as exc:
            raise KapotError(tr("ingest.bad_mapping", error=str(exc)), file=name) from exc
    data = dict(data)
    for table, spec in data.items():
        if table == "currency":  # a setting of the company, not a table
            data["currency"] = normalise_currency(spec, source=name)
            continue
        if table not in TABLES:
            raise KapotError(tr("ingest.mapping_unknown_table", table=table), file=name)
        for key, value in spec.items():
            if key == "columns":
                for canonical in value:
                    try:
                        TABLES[table].column(canonical)
                    except KeyError:
                        raise KapotError(
                            tr("ingest.mapping_unknown_column", table=table, name=canonical),
                            file=name,
                        ) from None
            elif key not in _OPTION_KEYS:
                raise KapotError(
                    tr("ingest.mapping_unknown_option", table=table, name=key), file=name
                )
            elif key == "mixed_encoding" and not isinstance(value, bool):
                raise KapotError(
                    tr("encoding.mixed_not_bool", table=table, value=str(value)), file=name
                )
    return data


def _options(spec: dict) -> ReadOptions:
    return ReadOptions(**{k: v for k, v in spec.items() if k in _OPTION_KEYS})


def _header_scorer(table: Table, fixed: dict[str, str]):
    known = {s for c in table.all_columns for s in c.synonyms}
    wanted = {normalise_header(v) for v in fixed.values()}

    def score(cells: list[str]) -> int:
        norm = [normalise_header(c) for c in cells if str(c).strip()]
        if wanted:
            return 100 * len(wanted & set(norm)) + sum(n in known for n in norm)
        return sum(n in known for n in norm)

    return score


def _map_columns(
    table: Table, headers: list[str], fixed: dict[str, str], file: str
) -> dict[str, str]:
    """canonical -> header. Fixed names first, then synonyms in order of preference."""
    result: dict[str, str] = {}
    used: set[str] = set()
    stripped = {h.strip(): h for h in headers}
    for canonical, header in fixed.items():
        if header.strip() not in stripped:
            raise KapotError(
                tr(
                    "ingest.mapped_column_missing",
                    canonical=canonical,
                    found=shown_list(headers),
                ),
                file=file,
                column=header,
            )
        result[canonical] = stripped[header.strip()]
        used.add(stripped[header.strip()])
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(normalise_header(h), h)
    # required columns pick first so an optional column cannot steal their header
    ordered = sorted(table.all_columns, key=lambda c: not c.required)
    for col in ordered:
        if col.name in result:
            continue
        for syn in col.synonyms:
            h = by_norm.get(syn)
            if h is not None and h not in used:
                result[col.name] = h
                used.add(h)
                break
    return result


@dataclass
class Prepared:
    """One input ready to load: its canonical frame and its report.

    Attributes
    ----------
    table : str
        The canonical table (``sales``, ``clients``, ...).
    frame : pandas.DataFrame
        The table's canonical columns found in the input, typed, valid rows only (``sales``
        always with ``amount``).
    report : TableReport
        What reading and checking it found.
    """

    table: str
    frame: pd.DataFrame
    report: TableReport


def _raw_from_frame(df: pd.DataFrame, name: str) -> RawTable:
    if df.empty:
        raise KapotError(tr("ingest.no_rows"), file=name)
    data = df.reset_index(drop=True)
    data.columns = [str(c) for c in data.columns]
    return RawTable(file=name, data=data, first_row=1, header_row=None)


def prepare(
    table_name: str,
    source: Source,
    *,
    spec: dict | None = None,
    strict: bool = False,
    mixed_encoding: bool = False,
) -> Prepared:
    """Read, map and parse one input without touching the warehouse.

    Headers are matched to the table's canonical columns (the mapping's names first, then the
    known synonyms in English and Russian), values parsed by the column's kind, and rows with
    a missing required value or a repeated key dropped and counted per reason.

    Parameters
    ----------
    table_name : str
        The canonical table: ``sales``, ``clients``, ``products``, ``invoices`` or
        ``categories``.
    source : str, os.PathLike or pandas.DataFrame
        A file (csv, tsv, xlsx, parquet...) or a frame whose column headers are matched the
        same way; ``sales`` needs columns for date, client_id, sku, quantity and amount (or a
        unit price, then amount is quantity x price).
    spec : dict, optional
        The table's section of the mapping (:func:`load_mapping`): read options and
        ``columns``.
    strict : bool, default False
        Raise on the first soft problem (a missing required value, a repeated key) instead of
        dropping and counting the rows.
    mixed_encoding : bool, default False
        Decode a text file line by line instead of refusing one that mixes encodings.

    Returns
    -------
    Prepared
        ``frame``: the canonical columns found, typed, valid rows only (``sales`` always with
        ``amount``); ``report``: the :class:`TableReport` (rows read, columns matched, rows
        rejected per reason, returns and warnings).

    Raises
    ------
    KapotError
        For a hard problem (a required column missing, a value that cannot be parsed, a
        number too large), naming the file, row and column.
    """
    table = TABLES[table_name]
    spec = spec or {}
    fixed = dict(spec.get("columns", {}))
    opts = _options(spec)
    if mixed_encoding:
        opts = dataclasses.replace(opts, mixed_encoding=True)
    if isinstance(source, pd.DataFrame):
        raw = _raw_from_frame(source, f"<{table_name} DataFrame>")
    else:
        raw = read_table(source, options=opts, header_score=_header_scorer(table, fixed))
    headers = list(raw.data.columns)
    mapping = _map_columns(table, headers, fixed, raw.file)
    report = TableReport(
        table=table_name,
        file=raw.file,
        rows_read=len(raw.data),
        columns=dict(mapping),
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        header_row=raw.header_row,
        fallback_lines=raw.fallback_lines,
        fallback_encoding=raw.fallback_encoding,
    )
    has_price = "price" in mapping
    for col in table.columns:
        if col.required and col.name not in mapping and not (col.name == "amount" and has_price):
            raise KapotError(
                tr("ingest.missing_column", canonical=col.name, found=shown_list(headers)),
                file=raw.file,
                row=raw.header_row,
                column=col.name,
            )
    parsed: dict[str, pd.Series] = {}
    for canonical, header in mapping.items():
        col = table.column(canonical)
        ctx = ColumnContext(raw.file, header, raw.row_of)
        values = raw.data[header]
        if col.kind == "date":
            parsed[canonical] = parse_dates(values, ctx, date_format=opts.date_format)
        elif col.kind in ("number", "int"):
            nums = parse_numbers(values, ctx, decimal=opts.decimal, delimiter=raw.delimiter)
            if col.kind == "int":
                frac = nums.notna() & (nums != np.round(nums))
                if frac.any():
                    pos = int(np.argmax(frac.to_numpy()))
                    raise ctx.error(tr("ingest.bad_int", value=shown(values.iloc[pos])), pos)
                nums = nums.round().astype("Int64")
            parsed[canonical] = nums
        elif col.kind == "bool":
            parsed[canonical] = parse_bools(values, ctx)
        elif col.kind == "id":
            parsed[canonical] = parse_ids(values, ctx)
        else:
            parsed[canonical] = parse_text(values, ctx)
    frame = pd.DataFrame(parsed, index=raw.data.index)
    if table_name == "sales":
        if "amount" not in frame:
            frame["amount"] = frame["quantity"] * frame["price"]
        elif has_price:
            fill = frame["amount"].isna()
            frame.loc[fill, "amount"] = frame.loc[fill, "quantity"] * frame.loc[fill, "price"]
        if has_price:
            # each factor is below the limit, their product need not be
            product = frame["amount"].abs() >= MAX_ABS_NUMBER
            if product.any():
                pos = int(np.argmax(product.to_numpy()))
                raise KapotError(
                    tr(
                        "checks.too_large",
                        value=f"{frame['amount'].iloc[pos]:.6g}",
                        limit=f"{MAX_ABS_NUMBER:.0e}",
                    ),
                    file=raw.file,
                    row=raw.row_of(pos),
                    column=shown(mapping.get("amount", mapping["price"])),
                )
    frame, rejected = _soft_checks(table, frame, raw, mapping, strict)
    report.rejected = rejected
    if table_name == "sales":
        report.returns = int(((frame["quantity"] < 0) | (frame["amount"] < 0)).sum())
        # -1,000,000 units for +50: a typo or a broken export, loaded but reported
        conflict = ((frame["quantity"] < 0) & (frame["amount"] > 0)) | (
            (frame["quantity"] > 0) & (frame["amount"] < 0)
        )
        if conflict.any():
            report.warnings["sign_conflict"] = int(conflict.sum())
    return Prepared(table_name, frame, report)


def _soft_checks(
    table: Table, frame: pd.DataFrame, raw: RawTable, mapping: dict[str, str], strict: bool
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop rows with a missing required value or a repeated key, counting them per reason."""
    reasons: Counter[str] = Counter()
    keep = pd.Series(True, index=frame.index)
    required = [c.name for c in table.columns if c.required]
    for name in required:
        missing = frame[name].isna() & keep
        if missing.any():
            if strict:
                pos = int(np.argmax(missing.to_numpy()))
                raise KapotError(
                    tr("ingest.missing_value", canonical=name),
                    file=raw.file,
                    row=raw.row_of(pos),
                    column=mapping.get(name, name),
                )
            reasons[f"missing_{name}"] += int(missing.sum())
            keep &= ~missing
    if table.name != "sales":
        key = list(table.key)
        dup = frame.duplicated(subset=key, keep="last") & keep
        if dup.any():
            if strict:
                pos = int(np.argmax(dup.to_numpy()))
                raise KapotError(
                    tr("ingest.duplicate_key", key=", ".join(key)),
                    file=raw.file,
                    row=raw.row_of(pos),
                    column=mapping.get(key[0], key[0]),
                )
            reasons["duplicate_key"] += int(dup.sum())
            keep &= ~dup
    return frame[keep].reset_index(drop=True), dict(reasons)


Source = str | os.PathLike[str] | pd.DataFrame


@dataclass
class TableReport:
    """What happened to one input.

    Attributes
    ----------
    table : str
        The canonical table.
    file : str
        The input's file (or ``<table DataFrame>``).
    rows_read : int
        Data rows read.
    loaded : int
        New rows (sales lines; keys new to a dimension table).
    updated : int
        Existing keys refreshed (dimension tables).
    duplicates : int
        Lines already in the warehouse, not loaded again (sales).
    returns : int
        Lines with a negative quantity or amount, kept as returns (sales).
    rejected : dict of str to int
        Rows dropped per reason (``missing_<column>``, ``duplicate_key``).
    columns : dict of str to str
        Canonical column -> the header it was read from.
    encoding, delimiter : str or None
        Those of a text file; None otherwise.
    header_row : int or None
        The 1-based file row of the header; None for a parquet file or a frame.
    warnings : dict of str to int
        Rows loaded but worth a look, per reason (``sign_conflict``: quantity and amount of
        opposite signs).
    fallback_lines : int
        With ``mixed_encoding``: lines decoded in the fallback encoding.
    fallback_encoding : str or None
        That encoding, when a line was read in it.
    """

    table: str
    file: str
    rows_read: int = 0
    loaded: int = 0
    updated: int = 0
    duplicates: int = 0
    returns: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    warnings: dict[str, int] = field(default_factory=dict)
    fallback_lines: int = 0
    fallback_encoding: str | None = None

    @property
    def rejected_total(self) -> int:
        """How many rows were rejected, for any reason."""
        return sum(self.rejected.values())
