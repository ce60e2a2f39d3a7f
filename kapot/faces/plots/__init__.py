"""Plotly figure builders, shared by the page, the reports and the notebooks.

Every title, axis label and month name comes from the catalogue in the chosen language; numbers
on hover are formatted by Babel. The builders return ``go.Figure`` (never FigureWidget, which
goes stale in Voila) and are tested without a browser.
"""

from __future__ import annotations

from kapot.faces.plots.calls import (
    category_mix,
    monthly_purchases,
    payment_history,
    potential_by_region,
    seasonality_heatmap,
)
from kapot.faces.plots.segments import (
    abc_xyz_matrix,
    cluster_profiles,
    peak_months,
    rfm_grid,
    who_buys,
)
from kapot.faces.plots.weekly import (
    at_risk_reasons,
    expected_by,
    illiquid_stock,
    new_and_lost,
    order_mix,
    pipeline_funnel,
    transition_heatmap,
    weekly_revenue,
)

__all__ = [
    "potential_by_region",
    "seasonality_heatmap",
    "monthly_purchases",
    "category_mix",
    "payment_history",
    "weekly_revenue",
    "at_risk_reasons",
    "new_and_lost",
    "transition_heatmap",
    "expected_by",
    "illiquid_stock",
    "pipeline_funnel",
    "order_mix",
    "abc_xyz_matrix",
    "rfm_grid",
    "cluster_profiles",
    "who_buys",
    "peak_months",
]
