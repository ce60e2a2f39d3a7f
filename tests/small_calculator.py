"""A calculator of four hand-made clients and two categories, for the tests of the calculator's
parts (filters, reasons, lookalikes, SKUs) with expectations worked out by hand.

=====  ======  =======  =======  ======  ===========  ===  =======  ====  ========  =====
id     region  manager  industry  tier   segment      abc  cluster  peak  prospect  pays
=====  ======  =======  =======  ======  ===========  ===  =======  ====  ========  =====
C1     Moscow  Petrova  retail   large   champions    A    K1       11±1  no        yes
C2     Kazan   Ivanov   retail   small   lost         C    K2       none  no        no
C3     Moscow  Ivanov   horeca   medium  at_risk      B    K1       12±0  no        ?
C4     Kazan   -        retail   prospect prospect    -    -        none  yes       ?
=====  ======  =======  =======  ======  ===========  ===  =======  ====  ========  =====

Scored on 2026-11-01 for 90 days (its months: November to January), so the "current" peak
month is 11 and the "next" 12.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kapot.faces.calculator import Calculator

AS_OF = dt.date(2026, 11, 1)
CATEGORIES = ["Bolts", "Nuts"]
NAN = np.nan


def clients() -> pd.DataFrame:
    """The four clients' profiles (the columns :class:`Calculator` reads)."""
    return pd.DataFrame(
        {
            "client_id": ["C1", "C2", "C3", "C4"],
            "name": ["Alpha", "Beta", "Gamma", None],
            "region": ["Moscow", "Kazan", "Moscow", "Kazan"],
            "manager": ["Petrova", "Ivanov", "Ivanov", None],
            "industry": ["retail", "retail", "horeca", "retail"],
            "size_tier": ["large", "small", "medium", "prospect"],
            "rfm_segment": ["champions", "lost", "at_risk", "prospect"],
            "abc": ["A", "C", "B", None],
            "cluster_code": ["K1", "K2", "K1", None],
            "seasonal": [True, False, True, None],
            "peak_month": [11.0, 0.0, 12.0, NAN],
            "peak_pm": [1.0, NAN, 0.0, NAN],
            "is_prospect": [False, False, False, True],
            "pays_on_time": [True, False, None, None],
            "off_assortment_share": [0.1, 0.8, NAN, 0.0],
            "overdue_reorder": [True, False, None, False],
            "median_days_between_orders": [30.0, 60.0, NAN, NAN],
            "trend_12m": [0.5, -0.1, NAN, NAN],
            "revenue_12m": [1000.0, 100.0, 500.0, NAN],
            "phone": ["+7 1", "+7 2", None, "+7 4"],
            "email": ["a@x", None, None, None],
            "contact_person": ["Anna", None, None, None],
        }
    )


def scores() -> dict[str, np.ndarray]:
    """Client x category matrices (rows C1..C4, columns Bolts, Nuts)."""
    m = {
        "probability": [[0.9, 0.2], [0.1, 0.5], [0.4, 0.4], [0.3, 0.05]],
        "expected_value": [[900, 100], [50, 600], [200, 300], [30, 5]],
        "expected_quantity": [[9, 1], [1, 6], [2, 3], [0, 0]],
        "has_bought": [[1, 0], [1, 1], [0, 1], [0, 0]],
        "item_months_12m": [[8, 0], [2, 7], [0, 3], [0, 0]],
        "item_revenue_same_season_ly": [[100, 0], [0, 50], [0, 0], [0, 0]],
        "adopt_industry": [[0.7, 0.3], [0.7, 0.3], [0.25, 0.1], [0.7, 0.3]],
        "cf_score_pct": [[0.5, 0.95], [0.2, 0.1], [0.3, 0.2], [0.1, 0.1]],
        "svd_score_pct": [[0.4, 0.1], [0.1, 0.2], [0.95, 0.1], [0.1, 0.1]],
        "in_season": [[1, 0], [0, 0], [0, 0], [0, 0]],
        "season_lift": [[1.8, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
        "pair_peak_month": [[11, NAN], [NAN, 6], [NAN, NAN], [NAN, NAN]],
        "pair_peak_pm": [[1, NAN], [NAN, 0], [NAN, NAN], [NAN, NAN]],
    }
    return {k: np.array(v, dtype=float) for k, v in m.items()}


def products() -> pd.DataFrame:
    """Three SKUs: B-1 (Bolts, on stock since May: a slow mover), N-1 (Nuts, new stock) and
    X-1 (out of assortment, old stock)."""
    return pd.DataFrame(
        {
            "sku": ["B-1", "N-1", "X-1"],
            "category": ["Bolts", "Nuts", None],
            "price": [10.0, 0.0, 5.0],
            "stock_qty": [120.0, 40.0, 9.0],
            "stock_since": pd.to_datetime(["2026-05-01", "2026-10-01", "2025-01-01"]),
            "in_assortment": [True, True, False],
        }
    )


def small_calculator(**kwargs) -> Calculator:
    """The four clients' calculator; ``kwargs`` go to :class:`Calculator` (``sku_engine``)."""
    return Calculator(clients(), scores(), list(CATEGORIES), AS_OF, 90, products(), **kwargs)
