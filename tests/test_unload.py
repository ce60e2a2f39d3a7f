"""kapot.store.unload: taking a load's sales lines back out, atomically, and recording it."""

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from kapot import KapotError
from kapot.cli import main
from kapot.store import unload as unload_mod
from kapot.store.ingest import ingest
from kapot.store.unload import UnloadReport, unload

from .conftest import query, write

GOOD = "date,customer id,sku,qty,amount\n2024-01-05,C1,A,2,20.50\n2024-02-10,C2,B,3,30.75\n"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_unload_takes_one_load_out_and_is_recorded(tmp_path, db, capsys):
    jan = write(tmp_path / "jan.csv", GOOD)
    feb = write(
        tmp_path / "feb.csv",
        "date,customer id,sku,qty,amount\n2024-03-01,C1,A,1,5\n2024-03-02,C9,Z,1,7\n",
    )
    ingest(jan, db=db)
    ingest(feb, db=db)
    rep = unload(2, db=db)
    assert (rep.unloaded, rep.sales_removed, rep.load_id) == (2, 2, 3)
    assert query(db, "SELECT sum(amount) FROM sales") == [[51.25]]
    stored = query(
        db, "SELECT load_id, report->>'$.unloaded', report->>'$.sales_removed' FROM loads"
    )
    assert stored[-1] == [3, "2", "2"]
    # loading the file again brings its lines back, as a new load
    again = ingest(feb, db=db)
    assert (again.load_id, again.tables[0].loaded) == (4, 2)
    rc, out, err = run_cli(capsys, "unload", "4", "--db", str(db))
    assert rc == 0 and "2 sales lines removed" in out and "entry #5" in out
    assert query(db, "SELECT count(*) FROM sales") == [[2]]


@pytest.mark.parametrize(
    ("load_id", "message"),
    [
        (7, "there is no load #7; loads in the warehouse: 1, 2"),
        (2, "load #2 was unloaded already (entry #3)"),
        (3, "#3 is not a load but the unload of load #2"),
    ],
)
def test_unload_errors_change_nothing(tmp_path, db, capsys, load_id, message):
    ingest(write(tmp_path / "a.csv", GOOD), db=db)
    ingest(write(tmp_path / "b.csv", GOOD.replace("2024", "2025")), db=db)
    unload(2, db=db)
    before = digest(db)
    with pytest.raises(KapotError, match=re.escape(message)):
        unload(load_id, db=db)
    rc, _, err = run_cli(capsys, "unload", str(load_id), "--db", str(db))
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1
    assert digest(db) == before


def test_unload_needs_a_warehouse_and_an_integer(tmp_path, db, capsys):
    with pytest.raises(KapotError, match="no warehouse"):
        unload(1, db=db)
    with pytest.raises(SystemExit):
        main(["unload", "first", "--db", str(db)])
    assert not db.exists()


def test_failure_mid_unload_leaves_warehouse_unchanged(tmp_path, db, monkeypatch):
    ingest(write(tmp_path / "a.csv", GOOD), db=db)
    before = digest(db)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(unload_mod, "UnloadReport", boom)  # after the DELETE ran on the copy
    with pytest.raises(RuntimeError):
        unload(1, db=db)
    assert digest(db) == before and not list(tmp_path.glob("*.tmp-*"))


def test_the_entry_is_stamped_and_keeps_the_other_tables(tmp_path, db):
    clients = write(tmp_path / "c.csv", "client id,name,region\nC1,Acme,North\nC2,Beta,South\n")
    ingest(write(tmp_path / "s.csv", GOOD), clients=clients, db=db)
    at = dt.datetime(2026, 11, 2, 9, 30)
    rep = unload(1, db=db, unloaded_at=at)
    assert rep.to_dict() == {"load_id": 2, "unloaded": 1, "sales_removed": 2, "db": str(db)}
    assert isinstance(rep, UnloadReport)
    assert query(db, "SELECT loaded_at FROM loads WHERE load_id = 2") == [[at]]
    # keyed tables without history keep their rows; only the load's sales lines go
    assert query(db, "SELECT count(*) FROM sales") == [[0]]
    assert query(db, "SELECT count(*) FROM clients") == [[2]]
