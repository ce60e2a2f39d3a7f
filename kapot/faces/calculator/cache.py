"""The calculator's arrays cached on disk beside the warehouse, once per published warehouse, date and horizon, so that kernels share one copy."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from kapot.faces.calculator import Calculator


__all__ = ["SCORE_COLUMNS", "SEASON_COLUMNS", "snapshot_dir", "read_snapshot", "write_snapshot"]


def snapshot_dir(db: Path, as_of: dt.date, horizon_days: int) -> Path:
    """Where the score matrices of one published warehouse file, date and horizon are shared.

    A new load publishes a new file, so a new key; old snapshots are removed when a new one is
    written.

    Parameters
    ----------
    db : pathlib.Path
        The warehouse file (it must exist: its mtime and size are part of the key).
    as_of : datetime.date
        The scores' date.
    horizon_days : int
        The scores' horizon, in days.

    Returns
    -------
    pathlib.Path
        ``<warehouse>.shared/<date>_h<days>_<mtime>_<size>/`` (not created here).
    """
    st = db.stat()
    return db.with_name(db.name + ".shared") / (
        f"{as_of.isoformat()}_h{int(horizon_days)}_{st.st_mtime_ns}_{st.st_size}"
    )


def read_snapshot(snap: Path) -> dict | None:
    """A published snapshot, the score matrices memory-mapped read-only (every kernel maps the
    same pages).

    Parameters
    ----------
    snap : pathlib.Path
        The snapshot's folder (:func:`snapshot_dir`).

    Returns
    -------
    dict or None
        ``clients`` and ``products`` (the calculator's frames), ``scores`` (the
        :data:`SCORE_COLUMNS` and :data:`SEASON_COLUMNS` matrices), ``categories`` and
        ``meta`` (``currency``, ``validation``); None if the snapshot is absent, unfinished or
        unreadable.
    """

    try:
        if not (snap / "done").exists():
            return None
        categories = json.loads((snap / "categories.json").read_text("utf-8"))
        scores = {
            c: np.load(snap / f"{c}.npy", mmap_mode="r") for c in SCORE_COLUMNS + SEASON_COLUMNS
        }
        # written by kapot itself, beside the warehouse it was computed from (same trust)
        with open(snap / "tables.pkl", "rb") as fh:
            clients, products = pickle.load(fh)
        meta = json.loads((snap / "meta.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError):
        return None
    return {
        "clients": clients,
        "products": products,
        "scores": scores,
        "categories": categories,
        "meta": meta,
    }


def write_snapshot(snap: Path, calc: Calculator) -> None:
    """Publish one calculator's tables for the other kernels, and remove the older snapshots.

    Atomic (written aside, then renamed) and best effort: a read-only folder only means each
    kernel loads its own copy from the warehouse.

    Parameters
    ----------
    snap : pathlib.Path
        The snapshot's folder (:func:`snapshot_dir`); if another kernel published it first,
        theirs is kept, unless it is unreadable (a file lost or damaged since): then it is
        replaced.
    calc : Calculator
        The calculator whose clients, products, scores, categories, currency and validation
        are written.
    """

    tmp = snap.with_name(f"{snap.name}.tmp{os.getpid()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        for c in SCORE_COLUMNS + SEASON_COLUMNS:
            np.save(tmp / f"{c}.npy", np.ascontiguousarray(calc.scores[c]), allow_pickle=False)
        (tmp / "categories.json").write_text(json.dumps(calc.categories), "utf-8")
        with open(tmp / "tables.pkl", "wb") as fh:
            pickle.dump((calc.clients, calc.products), fh, protocol=pickle.HIGHEST_PROTOCOL)
        meta = {"currency": calc.currency, "validation": calc.validation}
        (tmp / "meta.json").write_text(json.dumps(meta, default=str), "utf-8")
        (tmp / "done").write_text("", "utf-8")
        try:
            os.rename(tmp, snap)
        except OSError:  # another kernel published it first, or a broken one is in the way
            if snap.is_dir() and read_snapshot(snap) is None:
                # unreadable (a file lost or damaged since): set aside and replaced, else
                # every kernel from now on would load its own copy from the warehouse
                aside = snap.with_name(f"{snap.name}.tmp{os.getpid()}-broken")
                os.rename(snap, aside)
                shutil.rmtree(aside, ignore_errors=True)
                os.rename(tmp, snap)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
        for old in snap.parent.iterdir():
            if old.name != snap.name and ".tmp" not in old.name:
                shutil.rmtree(old, ignore_errors=True)
    except (OSError, TypeError, ValueError):
        shutil.rmtree(tmp, ignore_errors=True)


SCORE_COLUMNS = (
    "probability",
    "expected_value",
    "expected_quantity",
    "has_bought",
    "item_months_12m",
    "item_revenue_same_season_ly",
    "adopt_industry",
    "cf_score_pct",
    "svd_score_pct",
)
# the client x category pairs' season timing, client x category like the scores: in season
# (1/0) for the horizon, the season's lift, the pair's peak month and its ±months (NaN: none)
SEASON_COLUMNS = ("in_season", "season_lift", "pair_peak_month", "pair_peak_pm")
