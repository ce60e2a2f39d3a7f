"""kapot.store.headers: how a file's headers are normalised and the synonyms tables share."""

from __future__ import annotations

import pytest

from kapot.store import headers
from kapot.store.headers import CLIENT_ID, SKU, normalise_header, synonyms
from kapot.store.schema import TABLES


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Customer ID", "customerid"),
        ("  Код   Клиента ", "кодклиента"),
        ("Ёмкость, шт.", "емкостьшт"),
        ("Sale (Dollars)", "saledollars"),
        ("item_cnt_day", "itemcntday"),
        (2024, "2024"),
    ],
)
def test_a_header_is_lower_cased_to_its_letters_and_digits(raw, key):
    assert normalise_header(raw) == key


def test_synonyms_are_normalised_in_the_order_given():
    assert synonyms("Customer ID", "Код клиента", "client") == (
        "customerid",
        "кодклиента",
        "client",
    )
    assert synonyms() == ()


def test_every_synonym_is_a_normalised_key():
    """A synonym that is not its own normal form could never match a file's header."""
    shared = {n: getattr(headers, n) for n in headers.__all__ if n.isupper()}
    assert len(shared) == 11
    own = {f"{t.name}.{c.name}": c.synonyms for t in TABLES.values() for c in t.all_columns}
    bad = {
        name: [s for s in syns if normalise_header(s) != s]
        for name, syns in {**shared, **own}.items()
        if any(normalise_header(s) != s for s in syns)
    }
    assert bad == {}


def test_the_shared_synonyms_recognise_english_and_russian_exports():
    assert normalise_header("CustomerID") in CLIENT_ID  # Online Retail II
    assert normalise_header("Код контрагента") in CLIENT_ID  # 1C
    assert normalise_header("StockCode") in SKU
    assert normalise_header("Артикул") in SKU
    assert TABLES["sales"].column("client_id").synonyms is CLIENT_ID
    assert TABLES["clients"].column("client_id").synonyms is CLIENT_ID
