"""kapot.faces.weekly.work: the report's sections on the work ahead (untapped potential,
illiquid stock), on the small scored warehouse and on the hand-made one without scores."""

import re
import shutil

import pytest

from kapot.faces import report as R
from kapot.faces import validation
from kapot.faces.weekly import WeeklyReport
from kapot.i18n import fmt_money
from kapot.store.warehouse import Warehouse

from ..conftest import SCORED_AS_OF, figures, html_text

NO_SCORES = "No potential scores yet: run kapot score (kapot report does it when none exist)."


@pytest.fixture(scope="module")
def scored_copy(scored_warehouse, tmp_path_factory):
    """The scored warehouse (built and scored on Sunday 2026-11-01) as the report for
    2026-W44 reads it, as of Monday 2026-11-02: the day's stock is the day before's."""
    db = tmp_path_factory.mktemp("work") / "w.duckdb"
    shutil.copy(scored_warehouse, db)
    with Warehouse(db).write() as con:
        con.execute(
            "INSERT INTO product_stock SELECT * REPLACE (as_of + INTERVAL 1 DAY AS as_of)"
            " FROM product_stock WHERE as_of = $a",
            {"a": SCORED_AS_OF},
        )
    return db


@pytest.fixture
def report(scored_copy):
    rep = WeeklyReport("2026-W44", db=scored_copy, lang="en")
    yield rep
    rep.close()


def test_without_scores_both_sections_say_so(report_warehouse, db):
    rep = WeeklyReport("2026-W47", db=db, lang="en")
    try:
        potential, illiquid = rep.potential(), rep.illiquid()
    finally:
        rep.close()
    assert potential.empty == NO_SCORES and potential.parts == []
    assert illiquid.empty == NO_SCORES and illiquid.parts == []


def test_potential_per_manager_with_its_evidence(report):
    calc = report.calc
    assert (calc.as_of, calc.horizon_days) == (SCORED_AS_OF, 90)  # the latest on or before
    top, by_manager, by_region = R.top_potential(calc, per=2)
    sec = report.potential(per=2)
    total = fmt_money(by_region["expected_value"].sum(), "en", whole=True)
    assert sec.note.startswith("What clients are expected to buy in the next 90 days")
    assert "(scores of Nov 1, 2026; routine reorders left out" in sec.note
    assert f"{total} in all. The 2 clients with the most per manager" in sec.note
    assert sec.note.endswith(validation.evidence(validation.main_report(calc.validation), "en"))
    html = sec.to_html()
    assert len(by_manager) > 1 and len(by_region) > 1
    assert figures(html, "potential") == 2  # by manager and by region
    # the table: two per manager, best first, as top_potential ranks them
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">(\d+)</td><td>([^<]*)</td>", html)
    assert [(m, int(r), n) for m, r, n in rows] == list(
        zip(top["manager"], top["rank"], top["name"], strict=True)
    )
    assert {int(r) for _, r, _ in rows} == {1, 2}


def test_illiquid_stock_and_its_buyers(report):
    with Warehouse(report.db).read() as con:
        n = con.execute(
            "SELECT count(*) FROM product_stock WHERE as_of = $a AND illiquid",
            {"a": report.as_of},
        ).fetchone()[0]
        want = R.illiquid_stock(report.calc, con, report.as_of, skus=3, buyers=1)
    sec = report.illiquid(skus=3, buyers=1)
    assert n > 3 and sec.note.startswith(f"{n} SKUs have lain on stock for 180 days or more")
    assert "The 3 with the most money in them" in sec.note
    html = sec.to_html()
    assert figures(html, "illiquid") == 1
    text = html_text(html)
    assert re.findall(r'<td class="code">([^<]*)</td>', html) == want["sku"].tolist()
    for buyer in want["buyers"]:
        assert buyer and "," not in buyer and buyer in text  # one buyer each
