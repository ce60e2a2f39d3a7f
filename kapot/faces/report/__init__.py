"""The weekly report's computations (the notebook and its HTML come on top of these).

Every function reads the warehouse through a DuckDB connection (or a loaded calculator, or
the worklist store) and takes the week explicitly, so a report for any past week can be
reproduced. One module per section of the weekly report
(:mod:`kapot.faces.weekly`): :mod:`~kapot.faces.report.clients`,
:mod:`~kapot.faces.report.changes`, :mod:`~kapot.faces.report.work` and
:mod:`~kapot.faces.report.funnel`, over the week and scope of
:mod:`~kapot.faces.report.weeks`; their names are re-exported here.
"""

from __future__ import annotations

from kapot.faces.report.changes import (
    ORDER_MIX_WEEKS,
    new_and_lost,
    order_taker_vs_hunter,
    previous_build,
    segment_movements,
    transition_matrix,
)
from kapot.faces.report.clients import at_risk, kpis, peak_next_month, weekly_revenue
from kapot.faces.report.funnel import pipeline_at
from kapot.faces.report.weeks import Scope, default_week, iso_week, week_bounds
from kapot.faces.report.work import illiquid_stock, top_potential

__all__ = [
    "ORDER_MIX_WEEKS",
    "Scope",
    "week_bounds",
    "iso_week",
    "default_week",
    "kpis",
    "weekly_revenue",
    "peak_next_month",
    "at_risk",
    "new_and_lost",
    "previous_build",
    "segment_movements",
    "transition_matrix",
    "top_potential",
    "illiquid_stock",
    "pipeline_at",
    "order_taker_vs_hunter",
]
