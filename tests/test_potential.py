"""score_warehouse: what it stores, and odd warehouses each get their message, never a trace."""

import datetime as dt

import pandas as pd
import pytest

from kapot import KapotError
from kapot.cli import main
from kapot.faces import validation
from kapot.faces.calculator import Calculator, Query
from kapot.models.potential import score_warehouse
from kapot.pipeline.build import build
from kapot.pipeline.snapshot import Snapshot
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def world():
    return generate(SynthConfig(n_clients=400, seed=61, end=END))


def _load(db, d, *, sales=None, clients=None, products=None, invoices=True):
    ingest(
        d.sales if sales is None else sales,
        clients=d.clients if clients is None else clients,
        products=d.products if products is None else products,
        invoices=d.invoices if invoices else None,
        db=db,
    )


def _score_and_find(db, as_of=AS_OF):
    build(as_of, db=db)
    res = score_warehouse(as_of, db=db)
    calc = Calculator.load(db, as_of)
    listed = calc.find(Query(limit=20))
    assert len(listed) == 20 and listed["score"].between(0, 1).all()
    return res, calc


def test_scores_validation_and_evidence_are_stored(world, db):
    _load(db, world)
    res, calc = _score_and_find(db)
    assert set(res["reports"]) == {"category", "sku"}
    stored = Snapshot(db, AS_OF, 90).validation()  # what the faces read
    assert stored["category"]["served"] == res["reports"]["category"]["served"]
    assert stored["category"]["folds"]["test"] == ["2026-08-03"]
    lb = validation.leaderboard(stored["category"])
    assert {"first purchases", "repeat purchases"} == set(lb["task"])
    assert lb["served"].eq("*").sum() == 2
    line = validation.evidence(validation.main_report(calc.validation))
    assert "largest clients first" in line and "2026" in line
    ru = validation.evidence(validation.main_report(calc.validation), "ru")
    assert "крупнейших" in ru
    # any SKU is scored on demand, new buyers only never lists a past buyer
    sku = world.sales["sku"].value_counts().index[-1]
    got = calc.find(Query(skus=(sku,), new_buyers_only=True, limit=30))
    past = set(world.sales.loc[world.sales["sku"] == sku, "client_id"])
    assert len(got) == 30 and not set(got["client_id"]) & past


def _notes(res, level="category"):
    return res["reports"][level]["notes"]


def test_one_category_one_region_one_industry(world, db):
    products = world.products.assign(category="Everything")
    clients = world.clients.assign(region="Moscow", industry="Trade")
    _load(db, world, clients=clients, products=products)
    res, _ = _score_and_find(db)
    notes = _notes(res)
    assert {"one_item", "one_region", "one_industry"} <= set(notes)
    text = validation.notes(res["reports"]["category"])
    assert any("one region only" in t for t in text)


def test_no_invoices_and_no_prospects(world, db):
    buyers = world.clients[world.clients["client_id"].isin(world.sales["client_id"])]
    _load(db, world, clients=buyers, invoices=False)
    res, _ = _score_and_find(db)
    assert {"no_invoices", "no_prospects"} <= set(_notes(res))


def test_under_six_months_of_history(world, db, capsys):
    start = pd.Timestamp(END) - pd.Timedelta(days=150)
    _load(db, world, sales=world.sales[world.sales["date"] >= start])
    res, calc = _score_and_find(db)
    notes = _notes(res)
    assert "short_history" in notes and "no_validation_fold" in notes
    assert res["reports"]["category"]["served"]["new"].startswith("peer_")
    assert "could not be validated" in validation.evidence(validation.main_report(calc.validation))
    assert main(["score", "--as-of", AS_OF.isoformat(), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "too little history to validate" in out and "Traceback" not in out


def test_too_little_history_is_one_clear_error(world, db, capsys):
    start = pd.Timestamp(END) - pd.Timedelta(days=60)
    _load(db, world, sales=world.sales[world.sales["date"] >= start])
    with pytest.raises(KapotError, match="too little history"):
        score_warehouse(AS_OF, db=db)
    assert main(["score", "--as-of", AS_OF.isoformat(), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "too little history" in err and len(err.strip().splitlines()) == 1
