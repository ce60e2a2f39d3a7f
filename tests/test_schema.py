"""kapot.store.schema: the canonical tables, their columns and the headers that name them."""

import dataclasses

import pytest

from kapot.store.schema import TABLES, Column, Table
from kapot.store.warehouse import Warehouse

from .conftest import query

KINDS = {"id", "text", "date", "number", "int", "bool"}


def test_the_five_input_tables_and_their_keys():
    assert list(TABLES) == ["sales", "clients", "products", "invoices", "categories"]
    assert all(name == t.name for name, t in TABLES.items())
    keys = {name: t.key for name, t in TABLES.items()}
    assert keys == {
        "sales": ("line_key",),  # a hash of the line: a line stored already is skipped
        "clients": ("client_id",),
        "products": ("sku",),
        "invoices": ("invoice_id",),
        "categories": ("category_id",),
    }
    for t in TABLES.values():  # a keyed table's key is one of its required columns
        if t.name != "sales":
            assert all(t.column(k).required for k in t.key), t.name


def test_every_column_has_a_known_kind_and_unique_names_and_synonyms():
    for t in TABLES.values():
        names = [c.name for c in t.all_columns]
        assert len(names) == len(set(names)), t.name
        assert {c.kind for c in t.all_columns} <= KINDS, t.name
        named = {}
        for c in t.columns:
            for s in set(c.synonyms):
                named.setdefault(s, []).append(c.name)
        twice = {s: cols for s, cols in named.items() if len(cols) > 1}
        # a header naming two columns of a table: only 1C's item ("Номенклатура", "Товар"),
        # which is the product's name and, without an article column, its SKU
        expected = {"номенклатура": ["sku", "name"], "товар": ["sku", "name"]}
        assert twice == (expected if t.name == "products" else {}), t.name


def test_what_a_sales_line_needs():
    sales = TABLES["sales"]
    required = [c.name for c in sales.columns if c.required]
    assert required == ["date", "client_id", "sku", "quantity", "amount"]
    assert not any(c.required for c in sales.extras)  # the extras enrich, never refuse
    assert {"region", "category", "price"} <= {c.name for c in sales.extras}


def test_column_finds_own_and_extra_columns_by_canonical_name():
    sales = TABLES["sales"]
    assert sales.column("amount").kind == "number"
    assert sales.column("region") in sales.extras
    assert sales.all_columns == sales.columns + sales.extras
    with pytest.raises(KeyError):
        sales.column("Customer ID")  # a file's header is not a canonical name


def test_the_warehouse_stores_every_canonical_column(db):
    with Warehouse(db).write():
        pass  # creates the schema
    for t in TABLES.values():
        stored = {r[0] for r in query(db, f"DESCRIBE {t.name}")}
        assert {c.name for c in t.columns} <= stored, t.name


def test_columns_and_tables_are_frozen_values():
    c = Column("x", "text")
    assert (c.synonyms, c.required, c.description) == ((), False, "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.required = True
    t = Table("t", ("x",), (c,))
    assert t.extras == () and t.column("x") is c
