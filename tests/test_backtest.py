"""Backtests measure the list managers get: the same function, the same filters, both tasks."""

import datetime as dt
import shutil

import pytest

from kapot.faces.calculator import Calculator, Query
from kapot.models.backtest import backtest
from kapot.models.potential import score_warehouse
from kapot.pipeline.build import build
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate

CUTOFF = dt.date(2026, 8, 1)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("bt") / "w.duckdb"
    d = generate(SynthConfig(n_clients=600, seed=52, end=dt.date(2026, 10, 31)))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    return db, d


def test_backtest_and_find_return_the_same_ranking(warehouse, tmp_path):
    db, _ = warehouse
    res = backtest(db, CUTOFF)
    # the same query, through the pipeline and the calculator as a manager would run it
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(db, copy)
    build(CUTOFF, db=copy)
    score_warehouse(CUTOFF, db=copy)
    calc = Calculator.load(copy, CUTOFF)
    for item in res.items[:4]:
        listed = calc.find(Query(categories=(item,), new_buyers_only=True, limit=50))
        assert listed["client_id"].tolist() == res.lists[item]
    # both tasks, every candidate, and the engine's list ahead of calling the largest first
    assert {"new_precision@50", "repeat_precision@50", "new_ndcg@50"} <= set(res.table.columns)
    assert {"kapot", "boosted", "peer_industry", "als", "sar", "largest"} <= set(res.table.index)
    t = res.table
    assert t.loc["kapot", "new_precision@50"] > t.loc["largest", "new_precision@50"]
    assert res.positives["new"] > 0 and res.positives["repeat"] > 0


def test_sku_backtest_uses_the_sku_path(warehouse):
    db, d = warehouse
    res = backtest(db, CUTOFF, level="sku", top_skus=8)
    assert len(res.items) == 8 and all(len(v) <= 50 for v in res.lists.values())
    assert set(res.lists) == set(res.items)
    # first-purchase lists hold no client who bought the SKU before the cutoff
    before = d.sales[d.sales["date"] < str(CUTOFF)]
    for sku, listed in res.lists.items():
        assert listed and not set(listed) & set(before.loc[before["sku"] == sku, "client_id"])
