"""kapot.faces.weekly.sections: the weekly report's object (one week, one scope, one
language), its opening checks, its read-only connection and its header, on the hand-made
warehouse (tests/conftest.py)."""

import hashlib

import pandas as pd
import pytest

from kapot import KapotError
from kapot.faces.display import Section
from kapot.faces.report import Scope
from kapot.faces.weekly.sections import REPORT_NOTEBOOK, SECTIONS, WeeklyReport

from .conftest import REPORT_AS_OF as AS_OF
from .conftest import REPORT_WEEK as W47
from .conftest import SCORED_AS_OF, html_text, record_run, write_tables


def test_a_report_is_one_iso_week_and_one_scope(tmp_path):
    # nothing is read before a section asks: the warehouse need not exist yet
    rep = WeeklyReport("2026-w47", db=tmp_path / "none.duckdb", region="", manager="Petrova")
    assert (rep.week, rep.start, rep.as_of) == ("2026-W47", W47, AS_OF)
    assert rep.scope == Scope(region=None, manager="Petrova")  # empty: everyone
    assert rep.lang == "en"
    assert not (tmp_path / "none.duckdb").exists()
    with pytest.raises(KapotError, match="not an ISO week"):
        WeeklyReport("2026-47")
    assert REPORT_NOTEBOOK.name == "weekly_report.ipynb" and REPORT_NOTEBOOK.exists()


def test_open_needs_the_weeks_build(report_warehouse, db):
    with pytest.raises(KapotError, match="client profiles as of 2026-11-23 are not built"):
        WeeklyReport.open("2026-W47", db=db)
    # the default week is the last complete one, W46, reported as of 16 November
    with pytest.raises(KapotError, match="as of 2026-11-16 are not built"):
        WeeklyReport.open(None, db=db)
    with pytest.raises(KapotError, match="no sales in 2026-W48: the sales in the warehouse end"):
        WeeklyReport.open("2026-W48", db=db)
    record_run(db, AS_OF)
    rep = WeeklyReport.open("2026-W47", db=db, region="Moscow", manager="Petrova", lang="ru")
    try:
        assert rep.scope == Scope("Moscow", "Petrova") and rep.lang == "ru"
    finally:
        rep.close()


def test_open_names_the_nearest_region_or_manager(report_warehouse, db):
    record_run(db, AS_OF)
    with pytest.raises(KapotError, match="unknown region 'Moskow'; nearest known: Moscow"):
        WeeklyReport.open("2026-W47", db=db, region="Moskow")
    with pytest.raises(KapotError, match="unknown manager 'Petrov'; nearest known: Petrova"):
        WeeklyReport.open("2026-W47", db=db, manager="Petrov")


def _results(db):
    """Every table the sections read beyond the published facts, by hand."""
    months = {f"m{i:02d}": [1 / 12] * 3 for i in range(1, 13)}
    write_tables(
        db,
        seasonality=pd.DataFrame(
            {"client_id": ["A", "N", "L"], "as_of": pd.Timestamp(AS_OF), "peak_month": 12}
        ).assign(seasonal=True, source="own", **months),
        client_features=pd.DataFrame(
            {
                "client_id": ["A", "N", "L"],
                "as_of": pd.Timestamp(AS_OF),
                "is_prospect": False,
                "revenue_12m": [300.0, 30.0, 0.0],
                "revenue_24m": [400.0, 30.0, 20.0],
                "trend_12m": [0.1, None, -1.0],
                "overdue_reorder": False,
                "expected_next_order": pd.NaT,
                "overdue_amount": 0.0,
                "recency_days": [4, 5, 369],
                "pays_on_time": True,
            }
        ),
        segments=pd.DataFrame(
            {
                "client_id": ["A", "L", "A", "L"],
                "as_of": [pd.Timestamp("2026-10-19")] * 2 + [pd.Timestamp(AS_OF)] * 2,
                "abc": ["A", "B", "A", "C"],
                "abc_xyz": ["AX", "BX", "AX", "CZ"],
                "rfm_segment": ["champions", "loyal", "champions", "lost"],
            }
        ),
    )


def test_every_section_is_a_method_that_reads_only(report_warehouse, db):
    _results(db)
    record_run(db, AS_OF)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    rep = WeeklyReport.open("2026-W47", db=db)
    try:
        got = {key: getattr(rep, key)() for key in SECTIONS}
    finally:
        rep.close()
    assert all(isinstance(s, Section) and s.key == k for k, s in got.items())
    # with this data every section shows something but potential, illiquid stock (no scores)
    # and the pipeline (no lists)
    shown = {k for k, s in got.items() if not s.empty}
    assert shown == set(SECTIONS) - {"potential", "illiquid", "pipeline"}
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_the_connection_opens_at_first_use_and_closes(report_warehouse, db):
    rep = WeeklyReport("2026-W47", db=db)
    assert rep._con is None
    con = rep.con
    assert rep.con is con and con.execute("SELECT count(*) FROM sales").fetchone()[0] == 7
    rep.close()
    assert rep._con is None
    with pytest.raises(Exception, match="(?i)closed"):
        con.execute("SELECT 1")
    assert rep.con.execute("SELECT 1").fetchone()[0] == 1  # opened again when asked
    rep.close()


def test_header_dates_and_scope(report_warehouse, db):
    cases = [
        ({}, "all regions and managers"),
        ({"region": "Moscow"}, "region Moscow"),
        ({"manager": "Petrova"}, "manager Petrova"),
        ({"region": "Moscow", "manager": "Petrova"}, "region Moscow, manager Petrova"),
    ]
    for scope, words in cases:
        rep = WeeklyReport("2026-W47", db=db, lang="en", **scope)
        try:
            assert (rep.scores, rep.calc) == ((None, None), None)
            head = rep.header()._repr_html_()
        finally:
            rep.close()
        text = html_text(head.split('<div class="kapot-report-head">')[1])
        assert text == (
            "Weekly sales report, 2026-W47 November 16, 2026 to November 22, 2026"
            f" · {words} Client profiles from sales before Nov 23, 2026"
        )
    assert "Plotly" in head and "kapot-kpis" in head  # plotly.js and the stylesheet, inline


def test_header_names_the_scores_it_uses(scored_warehouse):
    rep = WeeklyReport("2026-W44", db=scored_warehouse, lang="en")
    try:
        assert rep.scores == (SCORED_AS_OF, 90)  # the latest scores on or before 2 November
        text = html_text(rep.header()._repr_html_().split('"kapot-report-head">')[1])
    finally:
        rep.close()
    assert text.endswith(
        "Client profiles from sales before Nov 2, 2026"
        " · potential scored on Nov 1, 2026 for the next 90 days"
    )
