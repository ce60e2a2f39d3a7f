"""The warehouse under concurrent use, with real separate processes."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import numpy as np
import pandas as pd
import pytest

from kapot import KapotError
from kapot.ingest import ingest
from kapot.warehouse import Warehouse, connect

pytestmark = pytest.mark.slow


def sales_frame(n: int, start: int = 0) -> pd.DataFrame:
    i = np.arange(start, start + n)
    return pd.DataFrame(
        {
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(i % 365, unit="D"),
            "invoice_id": [f"I{k}" for k in i // 3],
            "client_id": [f"C{k % 500}" for k in i],
            "sku": [f"S{k % 97}" for k in i],
            "quantity": (i % 7 + 1).astype(float),
            "amount": (i % 7 + 1) * 10.0,
        }
    )


def test_reader_needs_a_warehouse(db):
    with pytest.raises(KapotError, match="no warehouse"):
        connect(db)


def test_readers_never_block_and_see_whole_versions(tmp_path, db):
    """A reader process queries in a loop while five loads publish: no error, and every
    count it sees is one of the published versions (never half a load)."""
    batch = 40_000
    ingest(sales_frame(batch), db=db)
    out = tmp_path / "seen.txt"
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import os, duckdb
            seen = []
            while not os.path.exists({str(stop)!r}):
                con = duckdb.connect({str(db)!r}, read_only=True)
                n, s = con.execute("SELECT count(*), sum(amount) FROM sales").fetchall()[0]
                con.close()
                seen.append(f"{{n}} {{s}}")
            open({str(out)!r}, "w").write("\\n".join(seen))
        """),
        ],
    )
    try:
        for k in range(1, 6):
            ingest(sales_frame(batch, start=k * batch), db=db)
    finally:
        time.sleep(0.3)
        stop.touch()
        assert reader.wait(timeout=60) == 0
    seen = [tuple(map(float, line.split())) for line in out.read_text().splitlines()]
    assert len(seen) > 10
    valid = {}
    for k in range(1, 7):
        frame = pd.concat([sales_frame(batch, start=j * batch) for j in range(k)])
        valid[float(len(frame))] = float(frame["amount"].sum())
    for n, s in seen:
        assert n in valid and s == pytest.approx(valid[n])
    assert {n for n, _ in seen} != {float(batch)}, "the reader never saw a new version"


def test_killed_load_leaves_warehouse_as_it_was(tmp_path, db):
    ingest(sales_frame(1000), db=db)
    before = duckdb.connect(str(db), read_only=True)
    expected = before.execute("SELECT count(*), sum(amount) FROM sales").fetchall()
    before.close()
    big = tmp_path / "big.parquet"
    sales_frame(3_000_000, start=10_000).to_parquet(big)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kapot.cli", "ingest", "--sales", str(big), "--db", str(db)]
    )
    deadline = time.time() + 120
    while not list(db.parent.glob(db.name + ".tmp-*")):  # wait until it writes its copy
        assert proc.poll() is None, "the load finished before it could be killed"
        assert time.time() < deadline
        time.sleep(0.01)
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*), sum(amount) FROM sales").fetchall() == expected
    con.close()
    # the next load cleans up the dead writer's copy and works
    rep = ingest(sales_frame(10, start=99_000_000), db=db)
    assert rep.tables[0].loaded == 10
    assert not list(db.parent.glob(db.name + ".tmp-*"))


def test_concurrent_writers_lose_no_update(tmp_path, db):
    ingest(sales_frame(10), db=db)
    procs = []
    for k in range(4):
        f = tmp_path / f"part{k}.parquet"
        sales_frame(20_000, start=(k + 1) * 1_000_000).to_parquet(f)
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "kapot.cli", "ingest", "--sales", str(f), "--db", str(db)],
                stdout=subprocess.DEVNULL,
            )
        )
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0, 0]
    with Warehouse(db).read() as con:
        assert con.execute("SELECT count(*) FROM sales").fetchall()[0][0] == 10 + 4 * 20_000
        assert con.execute("SELECT count(*) FROM loads").fetchall()[0][0] == 5
