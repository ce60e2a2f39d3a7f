"""kapot.pipeline.plan: the store's span of sales and the runs a report's date still needs."""

import datetime as dt

import pandas as pd
import pytest

from kapot.pipeline.plan import report_runs, sales_span, scores_on_or_before
from kapot.store.ingest import ingest


@pytest.fixture
def small(db):
    sales = pd.DataFrame(
        [
            ("2026-09-10", "I1", "A", "B1", 1, 100.0),
            ("2026-10-05", "I2", "B", "B1", 2, 60.0),
            ("2026-10-29", "R1", "A", "B1", -1, -10.0),
        ],
        columns=["date", "invoice_id", "client_id", "sku", "quantity", "amount"],
    )
    ingest(sales, db=db)
    return db


def test_sales_span_is_the_first_and_last_sale_returns_included(small):
    assert sales_span(small) == (dt.date(2026, 9, 10), dt.date(2026, 10, 29))


def test_no_run_on_or_before_the_first_sale(small):
    # nothing published yet: the date itself, with scores; a month before it there were sales
    assert report_runs(dt.date(2026, 11, 2), db=small) == [
        (dt.date(2026, 11, 2), True),
        (dt.date(2026, 10, 2), False),
    ]
    # a month before 2026-10-05 is before the first sale: only the date itself
    assert report_runs(dt.date(2026, 10, 5), db=small) == [(dt.date(2026, 10, 5), True)]
    assert report_runs(dt.date(2026, 9, 10), db=small) == []
    assert scores_on_or_before(small, dt.date(2026, 11, 2)) == (None, None)
