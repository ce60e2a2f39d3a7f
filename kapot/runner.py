"""The one SQL runner: queries live in ``kapot/sql/<name>.sql`` and run with bound parameters.

A query file is a CTE chain ending in ``final`` (staging -> features -> marts, as in dbt's
jaffle_shop). Values are always bound (``$name``), never spliced into the text, so a hostile
client name or SKU stays data. Only identifiers the code itself chooses (a result table's
name) are ever formatted into a statement, and only after :func:`identifier` checked them.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import duckdb
import pandas as pd

__all__ = ["sql", "query", "execute", "scalar", "identifier", "has_table"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*)*$")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@cache
def sql(name: str) -> str:
    """The text of ``kapot/sql/<name>.sql`` (``name`` like ``marts/card_monthly``), cached.

    Parameters
    ----------
    name : str
        The file's path under ``kapot/sql/`` without ``.sql``: lower-case words, digits and
        ``_``, folders separated by ``/``; anything else raises ``ValueError``.

    Returns
    -------
    str
        The SQL text, with its ``$name`` placeholders unbound.
    """
    if not _NAME.match(name):
        raise ValueError(f"not a query name: {name!r}")
    return resources.files("kapot").joinpath(f"sql/{name}.sql").read_text("utf-8")


def query(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> pd.DataFrame:
    """Run the query file ``name`` with ``params`` bound; its result as a frame.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse (or any DuckDB connection holding the tables the query reads).
    name : str
        The query file, as for :func:`sql`.
    **params : object
        A value for each ``$name`` in the query (dates, strings, numbers, lists); bound, never
        spliced. Every placeholder must be given.

    Returns
    -------
    pandas.DataFrame
        The query's ``final`` select, with its columns and their DuckDB types.
    """
    return con.execute(sql(name), params).df()


def execute(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> list[tuple]:
    """Run the statement file ``name`` with ``params`` bound; the rows it returns.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection to run on (a writer's, for a statement that changes tables).
    name : str
        The statement file, as for :func:`sql`.
    **params : object
        A value for each ``$name`` in the statement, bound.

    Returns
    -------
    list of tuple
        The rows the statement returns (empty for most DDL/DML).
    """
    return con.execute(sql(name), params).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> object:
    """The single value the query file ``name`` returns (None when it returns no row).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection to run on.
    name : str
        The query file, as for :func:`sql`.
    **params : object
        A value for each ``$name`` in the query, bound.

    Returns
    -------
    object
        The first column of the first row, or None when there is no row.
    """
    rows = execute(con, name, **params)
    return rows[0][0] if rows else None


def identifier(name: str) -> str:
    """``name`` quoted as a DuckDB identifier, after checking it is a plain lower-case name
    (table names are chosen by kapot, never by a user).

    Parameters
    ----------
    name : str
        A table name: a lower-case letter or ``_``, then lower-case letters, digits, ``_``;
        anything else raises ``ValueError``.

    Returns
    -------
    str
        ``name`` in double quotes, safe to format into a statement.
    """
    if not _IDENT.match(name):
        raise ValueError(f"not a table name: {name!r}")
    return f'"{name}"'


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Does the warehouse hold a table called ``name``?

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The warehouse.
    name : str
        The table's name, bound as a value (not checked by :func:`identifier`).

    Returns
    -------
    bool
        True when a base table of that name exists in any schema (a view does not count).
    """
    return bool(scalar(con, "store/has_table", table=name))
