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

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from kapot import runner
from kapot.errors import KapotError
from kapot.i18n import tr
from kapot.store.currency import (
    guess_currency,
    normalise_currency,
    read_currency,
    write_currency,
)
from kapot.store.prepare import Source, TableReport, load_mapping, prepare
from kapot.store.schema import TABLES, Table
from kapot.store.unload import UnloadReport, unload
from kapot.store.warehouse import Warehouse

__all__ = [
    "ingest",
    "unload",
    "LoadReport",
    "TableReport",
    "UnloadReport",
    "load_mapping",
    "prepare",
]

_ORDER = ("categories", "clients", "products", "invoices", "sales")


@dataclass
class LoadReport:
    """The outcome of one ``ingest`` call; also stored in the warehouse's ``loads`` table.

    Attributes
    ----------
    load_id : int
        The load's entry in ``loads`` (the sales lines it added carry it: ``kapot unload``).
    db : str
        The warehouse file.
    tables : list of TableReport
        One per input, in load order (categories, clients, products, invoices, sales).
    derived_clients, derived_products : int
        Clients and products first seen in the sales lines, added from their columns.
    currency : str or None
        The warehouse's ISO 4217 currency after the load; None: not set.
    currency_source : str or None
        Where it came from: ``given`` (the ``currency`` argument), ``mapping``, ``kept`` (the
        one stored) or ``guessed`` (from the data); None: not set.
    currency_previous : str or None
        The currency it replaced; None if none was stored or it did not change.
    """

    load_id: int
    db: str
    tables: list[TableReport]
    derived_clients: int = 0
    derived_products: int = 0
    currency: str | None = None
    currency_source: str | None = None
    currency_previous: str | None = None

    def to_dict(self) -> dict:
        """The report as plain values, ready for JSON.

        Returns
        -------
        dict
            The fields, with ``tables`` as a list of dicts (one per :class:`TableReport`).
        """
        return asdict(self)


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
    sales, clients, products, invoices, categories : str, os.PathLike or pandas.DataFrame, optional
        Inputs; at least one. ``sales`` needs columns date, client_id, sku, quantity and
        amount (or a unit price); the rest enrich it (see the README's data model). Headers
        are matched in English and Russian, or fixed by ``mapping``.
    mapping : str, os.PathLike or dict, optional
        A TOML mapping file, or the same as a dict (:func:`load_mapping`).
    db : str or os.PathLike, optional
        The warehouse file; default ``KAPOT_DB`` or ``data/kapot.duckdb``.
    strict : bool, default False
        Turn soft problems (a line without a client id...) into errors.
    replace : bool, default False
        Start from an empty warehouse instead of adding to the stored one.
    loaded_at : datetime.datetime, optional
        The time stamped on the load (naive UTC); default now.
    mixed_encoding : bool, default False
        Decode text files line by line (UTF-8 where valid, else cp1251 or the mapping's
        ``encoding``) instead of refusing a file that mixes encodings; the lines read in the
        fallback are counted in the report. Also ``mixed_encoding = true`` per input in the
        mapping file.
    currency : str, optional
        The company's ISO 4217 currency code; else ``currency`` in the mapping, else the one
        stored, else a guess from the data (cp1251, Russian headers or mostly Cyrillic names
        mean RUB; see :mod:`kapot.store.currency`).

    Returns
    -------
    LoadReport
        Per input: rows read, loaded, already present, rejected per reason; the currency.

    Raises
    ------
    KapotError
        For bad input, naming file, row and column; the warehouse is then unchanged.
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
