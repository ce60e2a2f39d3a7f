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
from typing import TYPE_CHECKING

from babel.numbers import is_currency, list_currencies

from kapot import runner
from kapot.errors import KapotError
from kapot.i18n import set_currency, tr
from kapot.store.warehouse import Warehouse

if TYPE_CHECKING:
    import duckdb

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
    """``code`` as an upper-case ISO 4217 code Babel knows.

    Parameters
    ----------
    code : str
        A currency code in any case, with or without surrounding spaces (``" rub"``).
    source : str, optional
        The file the code came from (a mapping file), named in the error.

    Returns
    -------
    str
        The upper-case code (``"RUB"``).

    Raises
    ------
    KapotError
        If Babel knows no such code; the message names the nearest codes.
    """
    text = str(code or "").strip().upper()
    if is_currency(text):
        return text
    near = difflib.get_close_matches(text, sorted(list_currencies()), n=5, cutoff=0.3)
    raise KapotError(
        tr("currency.unknown", code=str(code), near=", ".join(near) or "RUB, USD, EUR"),
        file=source,
    )


def read_currency(con: duckdb.DuckDBPyConnection) -> tuple[str | None, str | None]:
    """The currency stored in the warehouse's ``settings`` table.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection to the warehouse (read-only is enough).

    Returns
    -------
    code : str or None
        The ISO 4217 code; None when none is stored (or there is no ``settings`` table).
    source : str or None
        How it was set: ``given``, ``mapping``, ``guessed`` or ``changed``; None with no code.
    """
    if not runner.has_table(con, "settings"):
        return None, None
    row = runner.execute(con, "store/currency")
    return (row[0][0], row[0][1]) if row else (None, None)


def write_currency(
    con: duckdb.DuckDBPyConnection, code: str, source: str, *, at: dt.datetime
) -> None:
    """Store ``code`` on a write connection of the warehouse (replacing any stored one).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection from :meth:`kapot.store.warehouse.Warehouse.write`.
    code : str
        The code, already normalised (:func:`normalise_currency`).
    source : str
        How it was set: ``given``, ``mapping``, ``guessed`` or ``changed``.
    at : datetime.datetime
        When it was set (naive UTC), stored beside it.
    """
    runner.execute(con, "store/write_currency", code=code, source=source, at=at)


def guess_currency(
    encodings: list[str | None], headers: list[str], names: list[str] = ()
) -> str | None:
    """Guess a load's currency from how its files look: RUB for a Russian export (1C's).

    Parameters
    ----------
    encodings : list of str or None
        The text encodings the load's files were read in (None: not a text file); one of
        ``cp1251``/``windows-1251`` means a Russian export.
    headers : list of str
        The files' column headers as written; one in Cyrillic means a Russian export.
    names : list of str, optional
        Names of clients, products, categories and regions; more than half of them in
        Cyrillic means a Russian export (non-strings and blanks are not counted).

    Returns
    -------
    str or None
        ``"RUB"``, or None for no guess (the language's default stays).
    """
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

    Parameters
    ----------
    code : str
        The new currency, in any case (normalised by :func:`normalise_currency`).
    db : str or os.PathLike, optional
        The warehouse; default as in :class:`kapot.store.warehouse.Warehouse`.
    at : datetime.datetime, optional
        When it was changed (naive UTC); default now.

    Returns
    -------
    old : str or None
        The code stored before (None: none was).
    new : str
        The normalised code now stored, with source ``changed``.

    Raises
    ------
    KapotError
        If the code is unknown or the warehouse does not exist.
    """
    new = normalise_currency(code)
    wh = Warehouse(db)
    if not wh.exists():
        raise KapotError(tr("warehouse.missing", path=str(wh.path)))
    with wh.write() as con:
        old, _ = read_currency(con)
        write_currency(con, new, "changed", at=at or dt.datetime.now(dt.UTC).replace(tzinfo=None))
    return old, new


def use_warehouse_currency(con: duckdb.DuckDBPyConnection) -> str | None:
    """Make the warehouse's currency the one every money formatter uses in this process.

    Called by the page's kernel, the report's kernel and CLI commands before they format money.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection to the warehouse (read-only is enough).

    Returns
    -------
    str or None
        The code now in use; None when the warehouse stores none (the language's default:
        US dollars in English, roubles in Russian).
    """
    code, _ = read_currency(con)
    set_currency(code)
    return code
