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
    read_snapshot,
    snapshot_dir,
    write_snapshot,
)
from kapot.i18n import tr
from kapot.store.currency import read_currency
from kapot.store.warehouse import Warehouse

if TYPE_CHECKING:
    from kapot.faces.calculator import Calculator

__all__ = ["Loading"]


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
        """Read the latest (or the given) scores and profiles from the warehouse."""

        with Warehouse(db).read() as con:
            has = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            if "potential" not in has or "segments" not in has:
                raise KapotError(tr("calculator.not_scored"))
            if as_of is None:
                as_of = con.execute("SELECT max(as_of) FROM potential").fetchall()[0][0]
                if as_of is None:
                    raise KapotError(tr("calculator.not_scored"))
                as_of = as_of.date() if hasattr(as_of, "date") else as_of
            if horizon_days is None:
                horizon_days = con.execute(
                    "SELECT max(horizon_days) FROM potential WHERE as_of = $a", {"a": as_of}
                ).fetchall()[0][0]
            snap = snapshot_dir(Warehouse(db).path, as_of, int(horizon_days))
            shared = read_snapshot(snap)
            if shared is not None:  # another kernel (or an earlier run) read this already
                calc = cls(
                    shared["clients"],
                    shared["scores"],
                    shared["categories"],
                    as_of,
                    int(horizon_days),
                    shared["products"],
                    currency=shared["meta"]["currency"],
                )
                calc.validation = shared["meta"]["validation"]
                calc._db = db
                return calc
            pot = con.execute(
                "SELECT * FROM potential WHERE as_of = $a AND horizon_days = $h AND level = 'category'",
                {"a": as_of, "h": horizon_days},
            ).df()
            if pot.empty:
                raise KapotError(tr("calculator.not_scored_for", as_of=str(as_of)))
            # the peak's ±months (issue 13); a warehouse built before it has no such column
            has_pm = con.execute(
                "SELECT count(*) FROM duckdb_columns() "
                "WHERE table_name = 'seasonality' AND column_name = 'peak_pm'"
            ).fetchall()[0][0]
            peak_pm = "z.peak_pm" if has_pm else "CAST(NULL AS INTEGER) AS peak_pm"
            clients = con.execute(
                f"""
                SELECT f.client_id, c.name, c.region, c.city, c.industry, c.manager, c.inn,
                       c.contact_person, c.phone, c.email,
                       f.is_prospect, f.revenue_12m, f.trend_12m, f.pays_on_time, f.off_assortment_share,
                       f.overdue_reorder, f.median_days_between_orders, f.recency_days,
                       g.size_tier, g.rfm_segment, g.abc, g.abc_xyz, g.cluster_name,
                       z.peak_month, {peak_pm}, z.seasonal, z.source AS peak_source,
                       z.m01, z.m02, z.m03, z.m04, z.m05, z.m06, z.m07, z.m08, z.m09, z.m10, z.m11, z.m12
                FROM client_features f
                LEFT JOIN clients c USING (client_id)
                LEFT JOIN segments g ON g.client_id = f.client_id AND g.as_of = f.as_of
                LEFT JOIN seasonality z ON z.client_id = f.client_id AND z.as_of = f.as_of
                WHERE f.as_of = (SELECT max(as_of) FROM client_features WHERE as_of <= $a)
                ORDER BY f.client_id
                """,
                {"a": as_of},
            ).df()

            # here, not at the top: the served page's kernels must not import the engine
            # (tests/test_session.py); they load from the shared snapshot, which skips this
            from kapot.models.potential import read_validation

            validation = read_validation(con, as_of, int(horizon_days))
            products = con.execute(
                "SELECT sku, name, category, price, in_assortment, stock_qty, stock_since FROM products"
            ).df()

            currency, _ = read_currency(con)
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
        calc = cls(
            clients, scores, categories, as_of, int(horizon_days), products, currency=currency
        )
        calc.validation = validation
        calc._db = db
        write_snapshot(snap, calc)
        return calc
