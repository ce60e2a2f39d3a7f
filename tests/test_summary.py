"""kapot.store.summary: what the warehouse holds, in numbers (no words of a language)."""

from kapot.store.summary import warehouse_facts
from tests.test_status import _load


def test_warehouse_facts_are_numbers(db):
    _load(db)
    f = warehouse_facts(db)
    assert f["counts"]["sales"] == 3 and f["buyers"] == 2 and f["prospects"] == 1
    assert f["period"][2] == 1244.5 and f["regions"][0] == ("North", 1234.5)
    assert str(f["period"][0])[:10] == "2026-01-05" and str(f["period"][1])[:10] == "2026-02-11"
    assert f["currency"] is None and f["currency_source"] is None and f["last_load"][0] == 1
    assert all(not isinstance(v, str) or v == f["path"] for v in f.values())
