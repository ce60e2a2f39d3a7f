"""kapot.pipeline.scores: the reads that depend on a snapshot's horizon (the stored scores,
their validation, the engine's state)."""

import pytest

from kapot.pipeline.snapshot import Snapshot

from .conftest import SCORED_AS_OF as AS_OF


@pytest.fixture(scope="module")
def snap(scored_warehouse):
    return Snapshot.open(scored_warehouse, AS_OF, scored=True)


def test_the_stored_category_scores(snap, scored_data):
    pot = snap.potential()
    assert {"client_id", "item", "probability", "expected_value", "has_bought"} <= set(pot.columns)
    assert pot["probability"].between(0, 1).all()
    assert not pot.duplicated(["client_id", "item"]).any()
    assert set(pot["client_id"]) <= set(scored_data.clients["client_id"].astype(str))
    assert (pot["horizon_days"] == snap.horizon_days).all()


def test_the_validation_reports_per_level(snap):
    reports = snap.validation()
    assert set(reports) == {"category", "sku"}
    assert all(isinstance(r, dict) and r for r in reports.values())


def test_the_engine_state_per_level(snap):
    state = snap.engine_state("category")
    assert state is not None and len(state) == 2
    assert snap.engine_state("no-such-level") is None


def test_without_a_horizon_there_are_no_scores(scored_warehouse):
    bare = Snapshot(scored_warehouse, AS_OF, None)
    assert bare.potential().empty and bare.validation() == {} and bare.engine_state("sku") is None
    other = Snapshot(scored_warehouse, AS_OF, 7)  # a horizon nobody scored
    assert other.potential().empty and other.validation() == {}


def test_a_state_an_older_kapot_stored_is_refused_with_a_message(
    scored_warehouse, tmp_path, capsys
):
    """An engine state in the layout before ENGINE_STATE_VERSION (the ranker and snapshot
    alone): a typed SKU gets one line saying to score again, not a traceback from the engine."""
    import pickle
    import shutil

    import duckdb

    from kapot.cli import main
    from kapot.errors import KapotError

    db = tmp_path / "old.duckdb"
    shutil.copy(scored_warehouse, db)
    with duckdb.connect(str(db)) as con:
        level, blob = con.execute(
            "SELECT level, state FROM engine_state WHERE level = 'sku' LIMIT 1"
        ).fetchone()
        _, ranker, snap = pickle.loads(blob)
        old = pickle.dumps((ranker, snap), protocol=5)
        con.execute("UPDATE engine_state SET state = ? WHERE level = ?", [old, level])
    with pytest.raises(KapotError, match="older kapot.*kapot score --as-of"):
        Snapshot.open(db, AS_OF, scored=True).engine_state("sku")
    with duckdb.connect(str(db), read_only=True) as con:
        sku = con.execute("SELECT sku FROM products LIMIT 1").fetchone()[0]
    capsys.readouterr()
    assert main(["find", "--sku", sku, "--db", str(db), "--as-of", str(AS_OF)]) == 2
    err = capsys.readouterr().err.strip()
    assert "older kapot" in err and "\n" not in err and "Traceback" not in err
