"""Season timing: when a seasonal row (a client, a client x category pair) buys, for a horizon.

:func:`season_timing` turns a seasonality table into, per row, ``in_season`` (a significant
season whose peak, or a month within its ±months, falls in the horizon) and ``season_lift``
(the fitted season's expected orders over the horizon's months against an average month's).
The pipeline publishes it for the client x category pairs (``client_category_timing``), the
calculator's "bought in this season last year" reason fires only where it is in season, and
:func:`season_lift_frame` computes it at any cutoff from the data before it (for the engine's
training folds). Light on purpose (NumPy and pandas only): the served page's snapshot reads it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kapot.models.features import client_category_monthly, client_industries
from kapot.models.harmonic import peak_strength

if TYPE_CHECKING:  # hints only: seasonality imports this module (a cycle)
    import duckdb

    from kapot.models.seasonality import SeasonalityConfig

__all__ = [
    "horizon_months",
    "season_timing",
    "pair_timing",
    "season_lift_frame",
    "TIMING_COLUMNS",
]

# the columns of the published client x category timing (besides as_of)
TIMING_COLUMNS = (
    "client_id",
    "category",
    "in_season",
    "season_lift",
    "peak_month",
    "peak_pm",
    "horizon_days",
)


def horizon_months(as_of: dt.date, horizon_days: int) -> list[int]:
    """The calendar months (1-12) a horizon of ``horizon_days`` from ``as_of`` touches, as the
    calculator's reasons count them (one look a week, the first day included).

    Parameters
    ----------
    as_of : datetime.date
        The horizon's first day.
    horizon_days : int
        The horizon's length in days (at least one look, on ``as_of``).

    Returns
    -------
    list of int
        The months touched, sorted (by number, so a horizon across New Year lists 1 before 12).
    """
    days = range(0, max(int(horizon_days), 1), 7)
    return sorted({(as_of + dt.timedelta(days=d)).month for d in days})


def season_timing(
    table: pd.DataFrame, as_of: dt.date, horizon_days: int, *, max_pm: int = 1
) -> pd.DataFrame:
    """When a seasonal row (a client, a client x category pair) buys: is its peak in the
    horizon, and how much more than in an average month does it buy there.

    Parameters
    ----------
    table : pandas.DataFrame
        A seasonality table (``client_category_seasonality`` or ``seasonality``): its key
        columns (``client_id``, and ``category`` for pairs) and ``peak_month``, ``peak_pm``,
        ``seasonal``, ``strength``; ``alpha`` and ``beta`` where present (the pair table has
        them), else the peak and strength give the harmonic.
    as_of : datetime.date
        The horizon's first day, as the calculator's.
    horizon_days : int
        The horizon's length in days (see :func:`horizon_months`).
    max_pm : int
        A peak vaguer than ±``max_pm`` months is never "in season": on the pairs of the
        synthetic worlds, in-season pairs at ±2 and more were mostly of non-seasonal clients
        (precision 0.75 in the default world with them, 0.91 and more without, short
        histories aside).

    Returns
    -------
    pandas.DataFrame
        One row per row of ``table``, in order, with its ``client_id`` (and ``category``) and
        ``in_season`` (seasonal with a peak at most ±``max_pm`` months wide, and the peak or a
        month within its ±months in the horizon), ``season_lift`` (the fitted season's expected
        orders over the horizon's months against an average month's: 1 for a row without a
        season, above 1 in its season, below off it), ``peak_month`` (0 when not seasonal)
        and ``peak_pm``.
    """
    keys = [c for c in ("client_id", "category") if c in table.columns]
    months = np.array(horizon_months(as_of, horizon_days))
    seasonal = table["seasonal"].fillna(False).astype(bool).to_numpy()
    peak = pd.to_numeric(table["peak_month"], errors="coerce").fillna(0).to_numpy(dtype=int)
    pm = pd.to_numeric(table["peak_pm"], errors="coerce").fillna(0).to_numpy(dtype=int)
    # the harmonic: alpha and beta where the table has them, else the amplitude A from the
    # strength exp(A) / I0(A) and the phase from the peak (a client's borrowed peak has no own)
    grid = np.linspace(0, 6, 601)
    strength = table["strength"].fillna(1).to_numpy(dtype=float)
    amp = np.interp(strength, peak_strength(grid, np.zeros_like(grid)), grid)
    a, b = amp * np.cos(peak * 2 * np.pi / 12), amp * np.sin(peak * 2 * np.pi / 12)
    if {"alpha", "beta"} <= set(table.columns):
        own_a, own_b = (table[k].to_numpy(dtype=float) for k in ("alpha", "beta"))
        has = np.isfinite(own_a) & np.isfinite(own_b)
        a, b = np.where(has, own_a, a), np.where(has, own_b, b)
    ang = 2 * np.pi * months / 12
    index = (
        np.exp(a[:, None] * np.cos(ang) + b[:, None] * np.sin(ang)) / np.i0(np.hypot(a, b))[:, None]
    )
    lift = np.where(seasonal, index.mean(axis=1), 1.0)
    dist = np.abs((peak[:, None] - months[None, :] + 6) % 12 - 6).min(axis=1)
    out = table[keys].copy()
    out["in_season"] = seasonal & (peak > 0) & (dist <= pm) & (pm <= max_pm)
    out["season_lift"] = np.round(lift, 4)
    out["peak_month"] = np.where(seasonal, peak, 0)
    out["peak_pm"] = table["peak_pm"].to_numpy()
    return out.reset_index(drop=True)


def pair_timing(pairs: pd.DataFrame, as_of: dt.date, horizon_days: int) -> pd.DataFrame:
    """The published ``client_category_timing``: :func:`season_timing` of the pairs'
    seasonality table for ``horizon_days`` from ``as_of``, with the horizon.

    Parameters
    ----------
    pairs : pandas.DataFrame
        The pairs' seasonality (``client_category_seasonality``, as
        :func:`kapot.models.seasonality.pair_seasonality` returns it): columns ``client_id``,
        ``category``, ``peak_month``, ``peak_pm``, ``seasonal``, ``strength``, ``alpha``,
        ``beta``.
    as_of : datetime.date
        The horizon's first day.
    horizon_days : int
        The horizon's length in days.

    Returns
    -------
    pandas.DataFrame
        The columns :data:`TIMING_COLUMNS`, one row per pair (empty, with those columns and
        their types, when there are no pairs).
    """
    if pairs.empty:
        return pd.DataFrame(
            {
                "client_id": pd.Series(dtype=object),
                "category": pd.Series(dtype=object),
                "in_season": pd.Series(dtype=bool),
                "season_lift": pd.Series(dtype=float),
                "peak_month": pd.Series(dtype="int64"),
                "peak_pm": pd.Series(dtype="Int64"),
                "horizon_days": pd.Series(dtype="int64"),
            }
        )
    out = season_timing(pairs, as_of, horizon_days)
    out["horizon_days"] = int(horizon_days)
    return out[list(TIMING_COLUMNS)]


def season_lift_frame(
    con: duckdb.DuckDBPyConnection,
    cutoff: dt.date,
    *,
    horizon_days: int = 90,
    config: SeasonalityConfig | None = None,
) -> pd.DataFrame:
    """Client x category season timing as of ``cutoff``, from the data strictly before it.

    The pairs' seasonality is fitted on the full months before ``cutoff`` (the orders of
    ``cutoff``'s own month before it only date a pair's first order), exactly as the pipeline
    fits it for its date, and turned into timing for the ``horizon_days`` from ``cutoff``
    (:func:`season_timing`). A later sale changes nothing here: the engine may call it at each
    training fold's cutoff.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A read connection to the warehouse.
    cutoff : datetime.date
        The as-of date; nothing on or after it is read.
    horizon_days : int
        The horizon the timing is for, in days (the engine's).
    config : kapot.models.seasonality.SeasonalityConfig, optional
        The seasonality's settings (default settings if None).

    Returns
    -------
    pandas.DataFrame
        Columns ``client_id``, ``category``, ``season_lift`` (1 for a pair without a
        significant season) and ``in_season``; one row per pair with enough orders to be
        tested (at least 24 in the last ``config.max_months`` months; a pair with fewer has no
        row: lift 1, not in season).
    """
    # an import cycle (seasonality imports this module), and a served kernel imports this one
    # but not seasonality, whose scipy would add 0.9 s of CPU and 58 MB to it (tests/test_session.py)
    from kapot.models.seasonality import SeasonalityConfig, pair_seasonality

    config = SeasonalityConfig() if config is None else config
    monthly = client_category_monthly(con, cutoff, months=config.max_months)
    pairs = pair_seasonality(monthly, cutoff, config, clients=client_industries(con))
    timing = pair_timing(pairs, cutoff, horizon_days)
    return timing[["client_id", "category", "season_lift", "in_season"]].reset_index(drop=True)
