"""Backtests: run the whole pipeline as of a past cutoff and measure the list managers get.

:func:`backtest` copies the warehouse, builds the client profiles and scores the potential as of
``cutoff`` in the copy (everything uses data before the cutoff only, the as-of rule), loads the
:class:`~kapot.faces.calculator.Calculator` from it exactly as the page and ``kapot find`` do, and
ranks clients for each item with :meth:`Calculator.rank` (the function ``find`` shows). The
ranking is compared with what clients bought in the ``horizon_days`` after the cutoff:
precision and NDCG at ``k``, separately for first purchases (clients who never bought the item:
``find --new-buyers-only``) and repeat purchases.

Every candidate ranker of the engine (:data:`kapot.models.engine.CANDIDATES`: peer rates, item-kNN,
ALS, time-decayed frequency, popularity, largest clients first, the boosted model on its own
inputs) and the stack (boosted trees over those inputs and the candidates' scores, one of the
learned blends, here ranking every client) are measured on the same split, side by side.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kapot.faces.calculator import Calculator, Query
from kapot.models.engine import CANDIDATES, EngineConfig, History, ranking_metrics
from kapot.models.potential import score_warehouse
from kapot.pipeline.build import build
from kapot.store.warehouse import Warehouse

__all__ = ["backtest", "BacktestResult"]


@dataclass
class BacktestResult:
    """Metrics per ranker and task on one split, and what the engine served at the cutoff.

    Attributes
    ----------
    cutoff : datetime.date
        The split: scored with the data before it, measured on the ``horizon_days`` after.
    horizon_days : int
        The horizon measured, in days.
    level : str
        ``'category'`` or ``'sku'``.
    items : list of str
        The items measured.
    clients : int
        Clients ranked (the calculator's, prospects included).
    positives : dict
        Purchases in the horizon per task (``'new'``, ``'repeat'``).
    table : pandas.DataFrame
        One row per ranker (``'kapot'`` is the list ``find`` serves); columns
        ``new_precision@k``, ``new_ndcg@k``, ``repeat_precision@k``, ``repeat_ndcg@k`` (``k``
        as passed to :func:`backtest`).
    lists : dict
        Per item, the first-purchase call list: up to ``k`` client ids, best first.
    served, weights, notes
        The validation report's served ranker per task, blend weights and notes.
    """

    cutoff: dt.date
    horizon_days: int
    level: str
    items: list[str]
    clients: int
    positives: dict[str, int]
    table: pd.DataFrame  # index: ranker ('kapot' = the list find serves); columns: metrics
    lists: dict[str, list[str]]  # per item: the first-purchase call list (client ids, best first)
    served: dict[str, str]
    weights: dict
    notes: list[str]

    def to_dict(self) -> dict:
        """The result as plain JSON-ready values (dates as ISO text, the table as records).

        Returns
        -------
        dict
            ``cutoff``, ``horizon_days``, ``level``, ``items`` (how many), ``clients``,
            ``positives``, ``served``, ``weights``, ``metrics`` (ranker -> metric -> value,
            rounded to 4 places) and ``notes``; the call lists are left out.
        """
        return {
            "cutoff": self.cutoff.isoformat(),
            "horizon_days": self.horizon_days,
            "level": self.level,
            "items": len(self.items),
            "clients": self.clients,
            "positives": self.positives,
            "served": self.served,
            "weights": self.weights,
            "metrics": self.table.round(4).to_dict(orient="index"),
            "notes": self.notes,
        }


def backtest(
    db: str | os.PathLike[str],
    cutoff: dt.date,
    *,
    horizon_days: int = 90,
    level: str = "category",
    items: list[str] | None = None,
    k: int = 50,
    config: EngineConfig | None = None,
    top_skus: int = 50,
) -> BacktestResult:
    """Score as of ``cutoff`` through the pipeline, rank with the calculator, and compare with
    the ``horizon_days`` after it (see the module docstring).

    The warehouse is copied to a temporary file and built and scored there; ``db`` itself is
    only read.

    Parameters
    ----------
    db : str or os.PathLike
        The warehouse file; it must hold sales after ``cutoff`` for labels to exist.
    cutoff : datetime.date
        The split's date.
    horizon_days : int
        Days after ``cutoff`` whose purchases are the labels (ignored when ``config`` is
        given: its horizon is used).
    level : str
        ``'category'`` or ``'sku'``.
    items : list of str, optional
        The categories (``level`` 'category', default all) or SKUs ('sku', default the
        ``top_skus`` best sellers before the cutoff) to measure.
    k : int
        The list's length for precision@k and NDCG@k, and the call lists' length.
    config : kapot.models.engine.EngineConfig, optional
        The engine's settings (default: the defaults with ``horizon_days``).
    top_skus : int
        SKUs the pipeline scores and, by default, measures.

    Returns
    -------
    BacktestResult
        The metrics of the calculator's list and of every candidate ranker, per task.
    """
    cfg = config or EngineConfig(horizon_days=horizon_days)
    with tempfile.TemporaryDirectory(prefix="kapot-backtest-") as tmp:
        copy = Path(tmp) / "backtest.duckdb"
        shutil.copyfile(db, copy)
        with Warehouse(copy).read() as con:
            history = History.from_con(con)
        if items is None:  # the same SKUs score_warehouse validates
            items = (
                history.top_items(cutoff, top_skus, "sku")
                if level == "sku"
                else list(history.items("category"))
            )
        build(cutoff, db=copy)
        # the category level is always scored: the calculator loads its profile of every client
        levels = ("category",) if level == "category" else ("category", "sku")
        stored = score_warehouse(cutoff, db=copy, config=cfg, top_skus=top_skus, levels=levels)
        calc = Calculator.load(copy, cutoff, cfg.horizon_days)
        if level == "sku":
            calc.skus()  # the SKU engine is read lazily: read it before the copy goes
    report = stored["reports"][level]
    snap = history.snapshot(cutoff, level, cfg.horizon_days, cfg.decay_days)
    cols = history.items(level).get_indexer(items)
    # what each client bought in the horizon, aligned with the calculator's clients
    rows = pd.Index(history.client_ids).get_indexer(calc.clients["client_id"])
    label = snap.dense(snap.label, cols) > 0
    label = np.where(rows[:, None] >= 0, label[np.maximum(rows, 0)], False)
    before = snap.dense(snap.ever, cols) > 0
    before = np.where(rows[:, None] >= 0, before[np.maximum(rows, 0)], False)
    cand = snap.candidates(cols, cfg)
    scores: dict[str, np.ndarray] = {}
    n = len(calc.clients)
    kapot = np.zeros((n, len(items)))
    lists = {}
    ids = calc.clients["client_id"].to_numpy()
    for j, item in enumerate(items):
        q = Query(categories=(item,)) if level == "category" else Query(skus=(item,))
        q = Query(**{**q.__dict__, "limit": n})
        top, _, _, _, _ = calc.rank(q)
        kapot[top, j] = n - np.arange(len(top))  # the calculator's order, best highest
        lists[item] = [ids[i] for i in top if not before[i, j]][:k]
    scores["kapot"] = kapot
    eng = stored["engines"][level]
    for which in ("boosted", "stack"):  # the candidate, and the stack (a learned blend)
        b = eng.boosted_scores(items, which)
        if b is not None:
            cand[which] = b.reshape(-1, len(items))
    for name in (*CANDIDATES, "stack"):
        if name not in cand:
            continue
        v = cand[name]
        scores[name] = np.where(rows[:, None] >= 0, v[np.maximum(rows, 0)], 0.0)
    tie = np.random.default_rng(0).random((n, len(items))) * 1e-9
    out = {}
    positives = {}
    for task, mask in (("new", ~before), ("repeat", before)):
        item_idx = np.broadcast_to(np.arange(len(items)), (n, len(items)))[mask]
        y = label[mask]
        positives[task] = int(y.sum())
        for name, s in scores.items():
            m = ranking_metrics(item_idx, y, (s + (0 if name == "kapot" else tie))[mask], k)
            out.setdefault(name, {})[f"{task}_precision@{k}"] = m["precision"]
            out[name][f"{task}_ndcg@{k}"] = m["ndcg"]
    table = pd.DataFrame(out).T
    return BacktestResult(
        cutoff=cutoff,
        horizon_days=cfg.horizon_days,
        level=level,
        items=list(items),
        clients=n,
        positives=positives,
        table=table,
        lists=lists,
        served=report["served"],
        weights=report["weights"],
        notes=report["notes"],
    )
