"""The company's currency: a setting of the warehouse, not of the interface language.

A load may name it (``kapot ingest --currency RUB`` or ``currency = "RUB"`` at the top of the
mapping file); without one, the first load guesses it from the data (an export read as cp1251
or with Russian headers is in roubles) and says so in its report; ``kapot currency CODE``
changes it later without reloading. It is stored in the warehouse's ``settings`` table, written
inside the same atomic publish as the load, so every reader (the page, the weekly report, the
CLI) formats money in it through Babel (:func:`kapot.i18n.fmt_money`). A warehouse without
one keeps the language's default (US dollars in English, roubles in Russian).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re

from babel.numbers import is_currency, list_currencies

from kapot import runner
from kapot.errors import KapotError
from kapot.i18n import set_currency, tr
from kapot.store.warehouse import Warehouse

__all__ = [
    "normalise_currency",
    "read_currency",
    "write_currency",
    "guess_currency",
    "change_currency",
    "use_warehouse_currency",
]

_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def normalise_currency(code: str, *, source: str | None = None) -> str:
    """``code`` as an upper-case ISO 4217 code Babel knows; a :class:`KapotError` naming the
    nearest codes otherwise (``source``: the file it came from, if any)."""
    text = str(code or "").strip().upper()
    if is_currency(text):
        return text
    near = difflib.get_close_matches(text, sorted(list_currencies()), n=5, cutoff=0.3)
    raise KapotError(
        tr("currency.unknown", code=str(code), near=", ".join(near) or "RUB, USD, EUR"),
        file=source,
    )


def read_currency(con) -> tuple[str | None, str | None]:
    """(code, how it was set: given, mapping, guessed, changed) stored in the warehouse, or
    (None, None)."""
    if not runner.has_table(con, "settings"):
        return None, None
    row = runner.execute(con, "store/currency")
    return (row[0][0], row[0][1]) if row else (None, None)


def write_currency(con, code: str, source: str, *, at: dt.datetime) -> None:
    """Store ``code`` (already normalised) on a write connection of the warehouse."""
    runner.execute(con, "store/write_currency", code=code, source=source, at=at)


def guess_currency(
    encodings: list[str | None], headers: list[str], names: list[str] = ()
) -> str | None:
    """RUB when an input was read as cp1251, names its columns in Russian, or most of the
    ``names`` (of clients, products, categories, regions) are in Cyrillic: a Russian export,
    such as 1C's; else None (no guess: the language's default stays)."""
    if any((e or "").lower().replace("-", "") in ("cp1251", "windows1251") for e in encodings):
        return "RUB"
    if any(_CYRILLIC.search(str(h)) for h in headers):
        return "RUB"
    names = [str(n) for n in names if isinstance(n, str) and n.strip()]
    if names and sum(bool(_CYRILLIC.search(n)) for n in names) > len(names) / 2:
        return "RUB"
    return None


def change_currency(
    code: str, *, db: str | os.PathLike[str] | None = None, at: dt.datetime | None = None
) -> tuple[str | None, str]:
    """Set the warehouse's currency to ``code`` without reloading (atomic, like a load).
    Returns (the previous code, the new one)."""
    new = normalise_currency(code)
    wh = Warehouse(db)
    if not wh.exists():
        raise KapotError(tr("warehouse.missing", path=str(wh.path)))
    with wh.write() as con:
        old, _ = read_currency(con)
        write_currency(con, new, "changed", at=at or dt.datetime.now(dt.UTC).replace(tzinfo=None))
    return old, new


def use_warehouse_currency(con) -> str | None:
    """Make the warehouse's currency the one every money formatter uses in this process (the
    page's kernel, the report's kernel, a CLI command); returns it (None: the language's)."""
    code, _ = read_currency(con)
    set_currency(code)
    return code
