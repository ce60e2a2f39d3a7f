"""kapot.faces.calculator.cache: the calculator's arrays shared on disk beside the warehouse,
keyed by the warehouse file, the date and the horizon; written atomically, read back
memory-mapped, and never an error for a snapshot that is absent, unfinished or broken."""

import datetime as dt
import os

import numpy as np
import pandas as pd

from kapot.faces.calculator.cache import (
    SCORE_COLUMNS,
    SEASON_COLUMNS,
    read_snapshot,
    snapshot_dir,
    write_snapshot,
)

from .small_calculator import AS_OF, small_calculator


def _warehouse(tmp_path, text="0123456789"):
    db = tmp_path / "w.duckdb"
    db.write_text(text)
    return db


def test_the_key_is_the_file_the_date_and_the_horizon(tmp_path):
    db = _warehouse(tmp_path)
    st = db.stat()
    snap = snapshot_dir(db, dt.date(2026, 11, 1), 90)
    assert snap == tmp_path / "w.duckdb.shared" / f"2026-11-01_h90_{st.st_mtime_ns}_10"
    assert not snap.exists()  # only named here
    assert snapshot_dir(db, dt.date(2026, 11, 1), 30) != snap
    assert snapshot_dir(db, dt.date(2026, 10, 1), 90) != snap
    # a new load publishes a new file: a new key, even at the same size
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert snapshot_dir(db, dt.date(2026, 11, 1), 90) != snap


def test_written_and_read_back(tmp_path):
    calc = small_calculator(currency="EUR")
    calc.validation = {"p_at_50": 0.3, "cutoff": dt.date(2026, 7, 1)}
    snap = snapshot_dir(_warehouse(tmp_path), AS_OF, 90)
    write_snapshot(snap, calc)
    got = read_snapshot(snap)
    assert set(got) == {"clients", "products", "scores", "categories", "meta"}
    assert got["categories"] == ["Bolts", "Nuts"]
    assert set(got["scores"]) == set(SCORE_COLUMNS + SEASON_COLUMNS)
    for col, arr in got["scores"].items():
        assert np.array_equal(arr, calc.scores[col], equal_nan=True), col
        assert isinstance(arr, np.memmap) and not arr.flags.writeable  # shared, read-only
    pd.testing.assert_frame_equal(got["clients"], calc.clients)
    pd.testing.assert_frame_equal(got["products"], calc.products)
    # the validation's date goes through JSON as text
    assert got["meta"] == {
        "currency": "EUR",
        "validation": {"p_at_50": 0.3, "cutoff": "2026-07-01"},
    }
    assert [p.name for p in snap.parent.iterdir()] == [snap.name]  # nothing left aside


def test_a_newer_snapshot_removes_the_older_ones_and_the_first_published_is_kept(tmp_path):
    db = _warehouse(tmp_path)
    old = snapshot_dir(db, AS_OF, 30)
    write_snapshot(old, small_calculator())
    new = snapshot_dir(db, AS_OF, 90)
    calc = small_calculator()
    write_snapshot(new, calc)
    assert not old.exists() and read_snapshot(new) is not None
    # another kernel publishing the same key after us: ours stays
    other = small_calculator(currency="RUB")
    write_snapshot(new, other)
    assert read_snapshot(new)["meta"]["currency"] is None
    assert sorted(p.name for p in new.parent.iterdir()) == [new.name]


def test_absent_unfinished_or_broken_is_none(tmp_path):
    snap = snapshot_dir(_warehouse(tmp_path), AS_OF, 90)
    assert read_snapshot(snap) is None
    write_snapshot(snap, small_calculator())
    (snap / "done").unlink()  # a kernel died while writing
    assert read_snapshot(snap) is None
    (snap / "done").write_text("")
    assert read_snapshot(snap) is not None
    (snap / "tables.pkl").write_bytes(b"not a pickle")
    assert read_snapshot(snap) is None
    (tmp_path / "b").mkdir()
    other = snapshot_dir(_warehouse(tmp_path / "b"), AS_OF, 90)  # another warehouse's
    write_snapshot(other, small_calculator())
    (other / "in_season.npy").unlink()
    assert read_snapshot(other) is None
    (other / "categories.json").write_text("[not json")
    assert read_snapshot(other) is None


def test_writing_is_best_effort(tmp_path):
    # a folder that cannot be made (a file in its way): no error, nothing written
    db = _warehouse(tmp_path)
    (tmp_path / "w.duckdb.shared").write_text("in the way")
    snap = snapshot_dir(db, AS_OF, 90)
    write_snapshot(snap, small_calculator())
    assert (
        read_snapshot(snap) is None and (tmp_path / "w.duckdb.shared").read_text() == "in the way"
    )


def test_a_broken_published_snapshot_is_replaced_by_the_next_writer(tmp_path):
    snap = snapshot_dir(_warehouse(tmp_path), AS_OF, 90)
    write_snapshot(snap, small_calculator())
    (snap / "probability.npy").unlink()  # lost since it was published
    assert read_snapshot(snap) is None
    write_snapshot(snap, small_calculator(currency="EUR"))
    assert read_snapshot(snap)["meta"]["currency"] == "EUR"
    assert [p.name for p in snap.parent.iterdir()] == [snap.name]  # nothing left aside
