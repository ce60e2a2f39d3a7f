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
from kapot.store.ingest import ingest
from kapot.store.warehouse import Warehouse, connect

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


# --------------------------------------------------------------------------- permissions


def _other_owner_and_group() -> tuple[int, int]:
    """An owner and group other than the writer's own, as far as this process may give them:
    as root any (nobody, a system group); otherwise itself and one of its other groups."""
    import grp

    gid_now = os.getegid()
    if os.geteuid() == 0:
        groups = [g.gr_gid for g in grp.getgrall() if g.gr_gid != gid_now]
        return 65534, groups[0]
    others = [g for g in os.getgroups() if g != gid_now]
    return os.geteuid(), (others[0] if others else gid_now)


def _perms(path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_mode & 0o7777, st.st_uid, st.st_gid


def test_every_publish_keeps_mode_group_and_owner_under_a_restrictive_umask(tmp_path, db):
    """An administrator hardened the warehouse (chmod 640, chgrp/chown); loads, a build, a
    replace and an unload run under umask 077 (and 000) and every published version keeps
    0640 and the owner and group."""
    import datetime as dt

    from kapot.pipeline.build import build
    from kapot.store.ingest import unload
    from kapot.store.synth import SynthConfig, generate

    d = generate(SynthConfig(n_clients=150, seed=5, end=dt.date(2026, 6, 30)))
    ingest(d.sales, clients=d.clients, db=db)
    uid, gid = _other_owner_and_group()
    os.chown(db, uid, gid)
    os.chmod(db, 0o640)
    want = (0o640, uid, gid)
    assert _perms(db) == want
    old = os.umask(0o077)
    try:
        rep = ingest(sales_frame(200), db=db)  # a load
        assert _perms(db) == want
        build(dt.date(2026, 7, 1), db=db)  # a build (scores publish the same way)
        assert _perms(db) == want
        unload(rep.load_id, db=db)
        assert _perms(db) == want
        os.umask(0o000)  # a lax umask must not widen it either
        ingest(d.sales, db=db, replace=True)  # a fresh warehouse replacing the old one
        assert _perms(db) == want
    finally:
        os.umask(old)
    with Warehouse(db).read() as con:
        assert con.execute("SELECT count(*) FROM sales").fetchall()[0][0] == len(d.sales)
    assert not list(db.parent.glob(db.name + ".tmp-*"))


def test_a_cron_style_cli_load_keeps_0640(tmp_path, db):
    ingest(sales_frame(10), db=db)
    uid, gid = _other_owner_and_group()
    os.chown(db, uid, gid)
    os.chmod(db, 0o640)
    f = tmp_path / "more.parquet"
    sales_frame(10, start=10).to_parquet(f)
    cmd = f"umask 077 && {sys.executable} -m kapot.cli ingest --sales {f} --db {db}"
    res = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert _perms(db) == (0o640, uid, gid)


def test_a_writer_that_cannot_keep_the_group_publishes_nothing(tmp_path, db, monkeypatch):
    from kapot.store import warehouse as wh_mod

    ingest(sales_frame(10), db=db)
    uid, gid = _other_owner_and_group()
    if gid == os.getegid():
        pytest.skip("this user has no second group to give the warehouse")
    os.chown(db, uid, gid)
    before = db.read_bytes()

    def refuse(path, u, g):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(wh_mod.os, "chown", refuse)
    with pytest.raises(KapotError, match=f"its group \\(gid {gid}\\)"):
        ingest(sales_frame(10, start=10), db=db)
    assert db.read_bytes() == before and _perms(db)[2] == gid
    assert not list(db.parent.glob(db.name + ".tmp-*"))
