"""Ingestion: validate and normalise exports, then load them atomically into the warehouse.

``ingest(sales=..., clients=..., products=..., invoices=..., categories=...)`` reads each
input (a path or a DataFrame), maps its headers to the canonical columns (auto-detected in
English and Russian, or fixed by a TOML mapping file), parses dates and numbers, counts
soft problems per reason, and loads everything in one atomic publish:

* ``sales`` lines are keyed by their content and their ordinal among identical lines of the
  same file, so loading a file twice adds nothing and an overlapping next export adds only
  its new lines;
* ``clients``, ``products``, ``invoices`` and ``categories`` are upserted by their key; a
  blank cell never erases a stored value.

Hard problems (missing required column, unparseable date or number, a number that is not
finite or absurdly large, a date outside 1900-2200, a field over 128 KB, bad or mixed encoding,
empty file, duplicate header) raise :class:`kapot.KapotError` before anything is written.
Suspicious lines that are still loaded are counted as warnings (a sales line whose quantity
and amount have opposite signs).

``unload(load_id)`` takes the sales lines of one load back out in the same kind of atomic
publish, and records that in the ``loads`` table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kapot import runner
from kapot.currency import (
    describe_currency,
    guess_currency,
    normalise_currency,
    read_currency,
    write_currency,
)
from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.parsing import (
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
from kapot.readers import RawTable, ReadOptions, read_table
from kapot.schema import TABLES, Table, normalise_header
from kapot.warehouse import Warehouse

__all__ = [
    "ingest",
    "unload",
    "LoadReport",
    "TableReport",
    "UnloadReport",
    "load_mapping",
    "prepare",
]

Source = str | os.PathLike[str] | pd.DataFrame
_ORDER = ("categories", "clients", "products", "invoices", "sales")
_OPTION_KEYS = {
    "encoding",
    "delimiter",
    "decimal",
    "date_format",
    "sheet",
    "header_row",
    "mixed_encoding",
}


@dataclass
class TableReport:
    """What happened to one input."""

    table: str
    file: str
    rows_read: int = 0
    loaded: int = 0  # new rows
    updated: int = 0  # existing keys refreshed (dimension tables)
    duplicates: int = 0  # lines already in the warehouse (sales)
    returns: int = 0  # negative lines kept and flagged (sales)
    rejected: dict[str, int] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> header in the file
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    warnings: dict[str, int] = field(default_factory=dict)  # loaded, but worth a look
    fallback_lines: int = 0  # mixed_encoding: lines decoded in the fallback encoding
    fallback_encoding: str | None = None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


@dataclass
class LoadReport:
    """The outcome of one ``ingest`` call; also stored in the warehouse's ``loads`` table."""

    load_id: int
    db: str
    tables: list[TableReport]
    derived_clients: int = 0
    derived_products: int = 0
    currency: str | None = None  # the warehouse's currency after the load
    currency_source: str | None = None  # given, mapping, guessed, kept, or None (not set)
    currency_previous: str | None = None  # the one it replaced, if any

    def to_dict(self) -> dict:
        return asdict(self)

    def lines(self, lang: str | None = None) -> list[str]:
        """A human summary, one line per input, in the chosen language."""
        out = []
        for t in self.tables:
            out.append(
                tr(
                    "ingest.report_line",
                    lang,
                    table=t.table,
                    file=Path(t.file).name,
                    read=t.rows_read,
                    loaded=t.loaded,
                    updated=t.updated,
                    duplicates=t.duplicates,
                    rejected=t.rejected_total,
                )
            )
            for reason, n in sorted(t.rejected.items()):
                out.append(
                    "  - "
                    + tr(
                        "ingest.rejected_reason", lang, reason=tr(f"reject.{reason}", lang), count=n
                    )
                )
            if t.returns:
                out.append("  - " + tr("ingest.returns_kept", lang, count=t.returns))
            for reason, n in sorted(t.warnings.items()):
                out.append("  - " + tr(f"warning.{reason}", lang, count=n))
            if t.fallback_lines:
                out.append(
                    "  - "
                    + tr(
                        "encoding.fallback_lines",
                        lang,
                        count=t.fallback_lines,
                        encoding=t.fallback_encoding or "",
                    )
                )
        if self.derived_clients or self.derived_products:
            out.append(
                tr(
                    "ingest.derived",
                    lang,
                    clients=self.derived_clients,
                    products=self.derived_products,
                )
            )
        out.append(self._currency_line(lang))
        return out

    def _currency_line(self, lang: str | None) -> str:
        line = describe_currency(self.currency, self.currency_source, lang)
        if self.currency_previous:
            line += " " + tr("currency.report_replaced", lang, old=self.currency_previous)
        return line


# --------------------------------------------------------------------------- mapping


def load_mapping(mapping: str | os.PathLike[str] | dict | None) -> dict[str, dict]:
    """Read and check a TOML mapping: ``[table]`` options and ``[table.columns]`` names."""
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


# --------------------------------------------------------------------------- preparation


@dataclass
class Prepared:
    table: str
    frame: pd.DataFrame  # canonical columns that were present, typed, valid rows only
    report: TableReport
    extras: pd.DataFrame | None = None


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
    """Read, map and parse one input without touching the warehouse."""
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


# --------------------------------------------------------------------------- loading


def _upsert(
    con, table: Table, frame: pd.DataFrame, *, prefer_existing: bool = False
) -> tuple[int, int]:
    """Insert new keys, refresh existing ones; blanks never overwrite. Returns (new, updated)."""
    cols = [c.name for c in table.columns if c.name in frame.columns]
    if frame.empty:
        return 0, 0
    key = list(table.key)
    con.register("_incoming", frame[cols])
    try:
        key_match = " AND ".join(f't."{k}" = i."{k}"' for k in key)
        existing = con.execute(
            f'SELECT count(*) FROM _incoming i WHERE EXISTS (SELECT 1 FROM "{table.name}" t WHERE {key_match})'
        ).fetchall()[0][0]
        non_key = [c for c in cols if c not in key]
        col_list = ", ".join(f'"{c}"' for c in cols)
        if non_key:
            if prefer_existing:
                sets = ", ".join(
                    f'"{c}" = coalesce("{table.name}"."{c}", excluded."{c}")' for c in non_key
                )
            else:
                sets = ", ".join(
                    f'"{c}" = coalesce(excluded."{c}", "{table.name}"."{c}")' for c in non_key
                )
            conflict = f"DO UPDATE SET {sets}"
        else:
            conflict = "DO NOTHING"
        con.execute(
            f'INSERT INTO "{table.name}" ({col_list}) SELECT {col_list} FROM _incoming '
            f"ON CONFLICT ({', '.join(key)}) {conflict}"
        )
    finally:
        con.unregister("_incoming")
    return len(frame) - existing, existing


def _insert_sales(con, frame: pd.DataFrame, load_id: int) -> tuple[int, int]:
    """Append lines not yet stored. Returns (new, already there)."""
    cols = ["date", "invoice_id", "client_id", "sku", "quantity", "amount"]
    data = frame.reindex(columns=cols)
    data["date"] = data["date"].astype("datetime64[ns]")
    if data["invoice_id"].isna().all():
        data["invoice_id"] = pd.Series(None, index=data.index, dtype="object")
    con.register("_incoming_sales", data)
    try:
        runner.execute(con, "ingest/stage_sales")
    finally:
        con.unregister("_incoming_sales")
    before = runner.scalar(con, "ingest/sales_count", load_id=None)
    runner.execute(con, "ingest/insert_sales", load_id=load_id)
    after = runner.scalar(con, "ingest/sales_count", load_id=None)
    runner.execute(con, "ingest/drop_staged_sales")
    return after - before, len(frame) - (after - before)


def _derived(frame: pd.DataFrame, key: str, mapping: dict[str, str]) -> pd.DataFrame:
    """Dimension rows carried by sales lines: every key, with the latest non-blank value of
    each attribute the lines carry (the client's region, the product's category)."""
    present = {src: canon for src, canon in mapping.items() if src in frame.columns}
    sub = frame[[key, *present]]
    if "date" in frame.columns and present:
        sub = sub.iloc[np.argsort(frame["date"].to_numpy(), kind="stable")]
    last = (
        sub.groupby(key, sort=False).last() if present else sub.drop_duplicates(key).set_index(key)
    )
    return last.rename(columns=present).reset_index()


_CLIENT_EXTRAS = {
    "client_name": "name",
    "region": "region",
    "city": "city",
    "industry": "industry",
    "manager": "manager",
    "inn": "inn",
}
_PRODUCT_EXTRAS = {"product_name": "name", "category": "category", "price": "price"}


def _names_sample(prepared, per_column: int = 500) -> list[str]:
    """Up to ``per_column`` names per input column of names (clients, products, categories,
    regions...): what the currency guess looks at."""
    cols = ("name", "client_name", "product_name", "category", "region", "city", "industry")
    out: list[str] = []
    for prep in prepared:
        for col in cols:
            if col in prep.frame:
                out += prep.frame[col].dropna().astype(str).head(per_column).tolist()
    return out


def ingest(
    sales: Source | None = None,
    *,
    clients: Source | None = None,
    products: Source | None = None,
    invoices: Source | None = None,
    categories: Source | None = None,
    mapping: str | os.PathLike[str] | dict | None = None,
    db: str | os.PathLike[str] | None = None,
    strict: bool = False,
    replace: bool = False,
    loaded_at: dt.datetime | None = None,
    mixed_encoding: bool = False,
    currency: str | None = None,
) -> LoadReport:
    """Validate the inputs and load them into the warehouse in one atomic publish.

    Parameters
    ----------
    sales, clients, products, invoices, categories : path or DataFrame, optional
        Inputs; at least one. ``sales`` needs date, client_id, sku, quantity and amount (or a
        unit price); the rest enrich it (see the README's data model).
    mapping : path to a TOML mapping file, or the same as a dict.
    db : the warehouse file (default ``KAPOT_DB`` or ``data/kapot.duckdb``).
    strict : turn soft problems (a line without a client id...) into errors.
    replace : start from an empty warehouse instead of adding to the stored one.
    loaded_at : the time stamped on the load (default: now, UTC).
    mixed_encoding : decode text files line by line (UTF-8 where valid, else cp1251 or the
        mapping's ``encoding``) instead of refusing a file that mixes encodings; the lines
        read in the fallback are counted in the report. Also ``mixed_encoding = true`` per
        input in the mapping file.

    currency : the company's ISO 4217 currency code (else ``currency`` in the mapping, else the
        one stored, else a guess from the data: cp1251, Russian headers or mostly Cyrillic
        names mean RUB; see :mod:`kapot.currency`).

    Returns
    -------
    LoadReport
        per input: rows read, loaded, already present, rejected per reason.

    Raises
    ------
    KapotError
        for bad input, naming file, row and column; the warehouse is then unchanged.
    """
    sources = {
        "sales": sales,
        "clients": clients,
        "products": products,
        "invoices": invoices,
        "categories": categories,
    }
    sources = {k: v for k, v in sources.items() if v is not None}
    if not sources:
        raise KapotError(tr("ingest.nothing_to_load"))
    spec = load_mapping(mapping)
    given = normalise_currency(currency) if currency else spec.get("currency")
    prepared = {
        name: prepare(name, src, spec=spec.get(name), strict=strict, mixed_encoding=mixed_encoding)
        for name, src in sources.items()
    }
    wh = Warehouse(db)
    stamp = loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with wh.write(fresh=replace) as con:
        load_id = runner.scalar(con, "ingest/next_load_id")
        report = LoadReport(load_id=load_id, db=str(wh.path), tables=[])
        for name in _ORDER:
            if name not in prepared:
                continue
            prep = prepared[name]
            if name == "sales":
                frame = prep.frame
                derived = _derived(frame, "client_id", _CLIENT_EXTRAS)
                report.derived_clients, _ = _upsert(
                    con, TABLES["clients"], derived, prefer_existing=True
                )
                derived = _derived(frame, "sku", _PRODUCT_EXTRAS)
                report.derived_products, _ = _upsert(
                    con, TABLES["products"], derived, prefer_existing=True
                )
                prep.report.loaded, prep.report.duplicates = _insert_sales(con, frame, load_id)
            else:
                prep.report.loaded, prep.report.updated = _upsert(con, TABLES[name], prep.frame)
            report.tables.append(prep.report)
        # products whose category is a code get the name from the categories table
        runner.execute(con, "ingest/category_names")
        # the company's currency, published with the load
        stored, _ = read_currency(con)
        if given:
            code, source = given, "given" if currency else "mapping"
        elif stored:
            code, source = stored, "kept"
        else:
            code = guess_currency(
                [p.report.encoding for p in prepared.values()],
                [h for p in prepared.values() for h in p.report.columns.values()],
                _names_sample(prepared.values()),
            )
            source = "guessed" if code else None
        if code and source != "kept":
            write_currency(con, code, source, at=stamp)
        report.currency, report.currency_source = code, source
        report.currency_previous = stored if stored and stored != code else None
        runner.execute(
            con,
            "ingest/insert_load",
            load_id=load_id,
            at=stamp,
            report=json.dumps(report.to_dict(), ensure_ascii=False),
        )
    return report


# --------------------------------------------------------------------------- unloading


@dataclass
class UnloadReport:
    """The outcome of one ``unload`` call; also stored in the warehouse's ``loads`` table."""

    load_id: int  # the entry in ``loads`` that records this unload
    unloaded: int  # the load taken out
    sales_removed: int
    db: str

    def to_dict(self) -> dict:
        return asdict(self)


def _load_reports(con) -> dict[int, dict]:
    rows = runner.execute(con, "ingest/load_reports")
    return {int(i): json.loads(r) for i, r in rows}


def _check_unloadable(reports: dict[int, dict], load_id: int) -> None:
    if load_id not in reports:
        loads = [str(i) for i, r in reports.items() if "unloaded" not in r]
        raise KapotError(tr("unload.unknown", load_id=load_id, known=", ".join(loads[-10:]) or "—"))
    if "unloaded" in reports[load_id]:
        raise KapotError(
            tr("unload.is_unload", load_id=load_id, target=reports[load_id]["unloaded"])
        )
    for i, r in reports.items():
        if r.get("unloaded") == load_id:
            raise KapotError(tr("unload.already", load_id=load_id, by=i))


def unload(
    load_id: int,
    *,
    db: str | os.PathLike[str] | None = None,
    unloaded_at: dt.datetime | None = None,
) -> UnloadReport:
    """Take the sales lines of one load back out of the warehouse, in one atomic publish.

    The lines that load added (``sales.load_id``) are deleted under the writers' lock and the
    warehouse is published by copy and rename like a load, so readers see it before or after,
    never half-way. The unload is recorded in ``loads`` as an entry of its own whose report
    says ``unloaded`` (the load taken out) and ``sales_removed``. Clients, products, invoices
    and categories are keyed tables without a history: their rows stay, and the next load of
    a corrected file refreshes them. Profiles and scores computed from the removed lines
    stay until the next ``kapot build`` / ``kapot score``. Loading the same file again after
    an unload adds its lines back.

    Parameters
    ----------
    load_id : the load to take out (``kapot status`` shows the last one).
    db : the warehouse file (default ``KAPOT_DB`` or ``data/kapot.duckdb``).
    unloaded_at : the time stamped on the entry (default: now, UTC).

    Raises
    ------
    KapotError
        if there is no such load, it was unloaded already, or it is itself an unload; the
        warehouse is then unchanged.
    """
    wh = Warehouse(db)
    with wh.read() as con:  # refuse before copying a large warehouse for nothing
        _check_unloadable(_load_reports(con), int(load_id))
    stamp = unloaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with wh.write() as con:
        reports = _load_reports(con)  # again under the lock: another writer may have run
        _check_unloadable(reports, int(load_id))
        removed = runner.scalar(con, "ingest/sales_count", load_id=int(load_id))
        runner.execute(con, "ingest/delete_load", load_id=int(load_id))
        new_id = max(reports, default=0) + 1
        report = UnloadReport(
            load_id=new_id, unloaded=int(load_id), sales_removed=int(removed), db=str(wh.path)
        )
        runner.execute(
            con,
            "ingest/insert_load",
            load_id=new_id,
            at=stamp,
            report=json.dumps(report.to_dict(), ensure_ascii=False),
        )
    return report
