"""Small inputs the engine's test modules share (not a test module): a History from a synthetic
world's frames, a hand-made history of five clients with its figures worked out below, cheap
settings for the tests that fit, and hand-made folds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kapot.models.engine import EngineConfig, History
from kapot.models.engine.ranking import Fold

END = dt.date(2026, 10, 31)
# few trees and ALS sweeps: a fit on a small world in seconds (the defaults are the bench's)
CHEAP = EngineConfig(boost_iterations=5, als_iterations=2, als_factors=4, boost_min_leaf=20)


def history_of(d) -> History:
    """A History straight from a synthetic world's frames (no warehouse)."""
    lines = d.sales[d.sales["quantity"] > 0].merge(
        d.products[["sku", "category"]], on="sku", how="left"
    )
    lines = lines.assign(order=lines["invoice_id"])
    return History(lines, d.clients[["client_id", "industry", "region"]])


# The hand-made history, snapshotted at CUT with a 90-day horizon (CUT - 365 = 2025-06-01,
# CUT - 730 = 2024-06-01, CUT - 91 = 2026-03-02, the horizon ends before 2026-08-30):
#   a  X twice in 12 months (2025-07-01 for 10, 2026-05-20 for 20), Y once (2026-05-20, 5),
#      both 2026-05-20 lines one order; X again in the horizon (a label)
#   b  X once 700 days before CUT (2024-07-01, 7); Y after the horizon (no label)
#   c  Y once (2026-04-01, 30)
#   d  Y only after CUT, in the horizon: a prospect at CUT, labelled
#   e  no line: a prospect
CUT = dt.date(2026, 6, 1)
TINY_LINES = [
    ("a", "s1", "X", "2025-07-01", 10.0, "o1"),
    ("a", "s2", "Y", "2026-05-20", 5.0, "o2"),
    ("a", "s1", "X", "2026-05-20", 20.0, "o2"),
    ("b", "s1", "X", "2024-07-01", 7.0, "o3"),
    ("c", "s3", "Y", "2026-04-01", 30.0, "o4"),
    ("d", "s3", "Y", "2026-06-10", 8.0, "o5"),
    ("a", "s1", "X", "2026-07-01", 4.0, "o6"),
    ("b", "s2", "Y", "2026-09-15", 3.0, "o7"),
]
TINY_CLIENTS = pd.DataFrame(
    {
        "client_id": ["a", "b", "c", "d", "e"],
        "industry": ["i", "i", "j", "j", "i"],
        "region": ["r", "r", "s", "s", "r"],
    }
)


def tiny_lines() -> pd.DataFrame:
    """:data:`TINY_LINES` as a frame of the History's columns."""
    f = pd.DataFrame(
        TINY_LINES, columns=["client_id", "sku", "category", "date", "amount", "order"]
    )
    return f.assign(date=pd.to_datetime(f["date"]))


def tiny_history() -> History:
    """The hand-made history of five clients (see above)."""
    return History(tiny_lines(), TINY_CLIENTS)


def hand_fold(
    cand: dict[str, np.ndarray],
    y: np.ndarray,
    item: np.ndarray,
    *,
    has_bought: np.ndarray | None = None,
    popularity: float = 0.1,
    cutoff: dt.date = CUT,
    role: str = "validation",
) -> Fold:
    """A fold of hand-made rows: ``cand_<name>`` per candidate, the labels ``y``, each row's
    item; every row a first purchase unless ``has_bought`` says otherwise; one client per
    row."""
    n = len(y)
    frame = {f"cand_{k}": np.asarray(v, dtype=np.float32) for k, v in cand.items()}
    frame["has_bought"] = (
        np.zeros(n, dtype=np.float32) if has_bought is None else has_bought.astype(np.float32)
    )
    frame["item_popularity"] = np.full(n, popularity, dtype=np.float32)
    return Fold(cutoff, role, frame, np.asarray(y, dtype=bool), np.asarray(item), np.arange(n))
