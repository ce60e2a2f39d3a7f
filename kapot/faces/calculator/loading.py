"""Loading one scored date into memory: from the kernels' shared snapshot when there is one, else from the warehouse (and then published for the other kernels)."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kapot.errors import KapotError
from kapot.faces.calculator.cache import (
    SCORE_COLUMNS,
    SEASON_COLUMNS,
    read_snapshot,
    snapshot_dir,
    write_snapshot,
)
from kapot.i18n import tr
from kapot.pipeline.snapshot import Snapshot
from kapot.store.warehouse import Warehouse

if TYPE_CHECKING:
    from kapot.faces.calculator import Calculator

__all__ = ["Loading", "season_arrays"]


def season_arrays(
    timing: pd.DataFrame, clients: pd.Index, categories: pd.Index
) -> dict[str, np.ndarray]:
    """The client x category pairs' season timing as arrays, like the scores.

    Parameters
    ----------
    timing : pandas.DataFrame
        :meth:`kapot.pipeline.snapshot.Snapshot.season_timing`: columns client_id, category,
        in_season, season_lift, peak_month (0 or NaN: no significant season), peak_pm. Rows of
        clients or categories not in ``clients`` or ``categories`` are ignored.
    clients : pandas.Index
        The client ids, in the calculator's row order.
    categories : pandas.Index
        The categories, in the calculator's column order.

    Returns
    -------
    dict of str to numpy.ndarray
        ``len(clients)`` x ``len(categories)`` float arrays: ``in_season`` (1/0),
        ``season_lift`` (1 where a pair has no row), ``pair_peak_month`` and ``pair_peak_pm``
        (NaN where the pair has no significant season).
    """
    shape = (len(clients), len(categories))
    fill = {"in_season": 0.0, "season_lift": 1.0, "pair_peak_month": np.nan, "pair_peak_pm": np.nan}
    out = {col: np.full(shape, fill[col]) for col in SEASON_COLUMNS}
    if timing.empty:
        return out
    rows = clients.get_indexer(timing["client_id"].astype(str))
    cols = categories.get_indexer(timing["category"].astype(str))
    ok = (rows >= 0) & (cols >= 0)
    r, c = rows[ok], cols[ok]
    out["in_season"][r, c] = timing["in_season"].astype(bool).to_numpy()[ok]
    out["season_lift"][r, c] = pd.to_numeric(timing["season_lift"]).to_numpy(dtype=float)[ok]
    peak = pd.to_numeric(timing["peak_month"], errors="coerce").to_numpy(dtype=float)[ok]
    pm = pd.to_numeric(timing["peak_pm"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    out["pair_peak_month"][r, c] = np.where(peak > 0, peak, np.nan)
    out["pair_peak_pm"][r, c] = np.where(peak > 0, pm[ok], np.nan)
    return out


class Loading:
    """Loading one scored date into memory: from the kernels' shared snapshot when there is one, else from the warehouse (and then published for the other kernels)."""

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls,
        db: str | os.PathLike[str] | None = None,
        as_of: dt.date | None = None,
        horizon_days: int | None = None,
    ) -> Calculator:
        """Read the latest (or the given) scores and profiles from the published snapshot
        (:class:`kapot.pipeline.snapshot.Snapshot`).

        The kernels' shared copy beside the warehouse (:mod:`kapot.faces.calculator.cache`) is
        used when there is one; otherwise the warehouse is read and the copy published.

        Parameters
        ----------
        db : str or os.PathLike, optional
            The warehouse; None: ``KAPOT_DB`` or ``data/kapot.duckdb``.
        as_of : datetime.date, optional
            A scored date; None: the latest one.
        horizon_days : int, optional
            The scores' horizon, in days; None: the longest scored for the date.

        Returns
        -------
        Calculator

        Raises
        ------
        KapotError
            if the warehouse is missing or the date has no published scores.
        """
        snapshot = Snapshot.open(db, as_of, horizon_days=horizon_days, scored=True)
        as_of, horizon_days = snapshot.as_of, int(snapshot.horizon_days)
        snap = snapshot_dir(Warehouse(db).path, as_of, horizon_days)
        shared = read_snapshot(snap)
        if shared is not None:  # another kernel (or an earlier run) read this already
            calc = cls(
                shared["clients"],
                shared["scores"],
                shared["categories"],
                as_of,
                horizon_days,
                shared["products"],
                currency=shared["meta"]["currency"],
            )
            calc.validation = shared["meta"]["validation"]
            calc._db = db
            return calc
        pot = snapshot.potential()
        if pot.empty:
            raise KapotError(tr("calculator.not_scored_for", as_of=str(as_of)))
        clients = snapshot.client_profile()
        validation = snapshot.validation()
        products = snapshot.products().drop(columns="illiquid")
        currency = snapshot.currency()
        categories = sorted(pot["item"].unique())
        idx = pd.Index(clients["client_id"])
        rows = idx.get_indexer(pot["client_id"])
        cols = pd.Index(categories).get_indexer(pot["item"])
        ok = rows >= 0
        scores = {}
        for col in SCORE_COLUMNS:
            arr = np.zeros((len(idx), len(categories)))
            arr[rows[ok], cols[ok]] = (
                pd.to_numeric(pot[col], errors="coerce").fillna(0).to_numpy(dtype=float)[ok]
            )
            scores[col] = arr
        del pot
        scores |= season_arrays(snapshot.season_timing(), idx, pd.Index(categories))
        calc = cls(
            clients, scores, categories, as_of, int(horizon_days), products, currency=currency
        )
        calc.validation = validation
        calc._db = db
        write_snapshot(snap, calc)
        return calc
