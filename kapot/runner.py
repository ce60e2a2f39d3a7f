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
    """The text of ``kapot/sql/<name>.sql`` (``name`` like ``marts/card_monthly``)."""
    if not _NAME.match(name):
        raise ValueError(f"not a query name: {name!r}")
    return resources.files("kapot").joinpath(f"sql/{name}.sql").read_text("utf-8")


def query(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> pd.DataFrame:
    """Run the query file ``name`` with ``params`` bound; its result as a frame."""
    return con.execute(sql(name), params).df()


def execute(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> list[tuple]:
    """Run the statement file ``name`` with ``params`` bound; the rows it returns."""
    return con.execute(sql(name), params).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> object:
    """The single value the query file ``name`` returns (None when it returns no row)."""
    rows = execute(con, name, **params)
    return rows[0][0] if rows else None


def identifier(name: str) -> str:
    """``name`` quoted as a DuckDB identifier, after checking it is a plain lower-case name
    (table names are chosen by kapot, never by a user)."""
    if not _IDENT.match(name):
        raise ValueError(f"not a table name: {name!r}")
    return f'"{name}"'


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Does the warehouse hold a table called ``name``?"""
    return bool(scalar(con, "store/has_table", table=name))
