"""The weekly report end to end: papermill executes notebooks/weekly_report.ipynb, nbconvert
writes the HTML, Chromium opens it offline. On synthetic demo data and on Online Retail II.
Each module's own tests are in tests/weekly/, tests/test_sections.py and tests/test_render.py
(and test_fragments.py, test_weekly_prepare.py)."""

import datetime as dt
import re
import subprocess
import sys

import nbformat
import pytest

from kapot.cli import main
from kapot.faces.calculator import Calculator
from kapot.faces.page import HEADLESS_CHROMIUM, HEADLESS_CHROMIUM_ARGS
from kapot.faces.weekly import (
    REPORT_NOTEBOOK,
    SECTIONS,
    needed_runs,
    render_report,
    resolve_week,
)
from kapot.faces.worklists import WorklistStore, default_store_path
from kapot.pipeline import run_plan
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate, simulate_pipeline

pytestmark = pytest.mark.slow

END = dt.date(2026, 10, 31)  # a Saturday: the last complete week is 2026-W43
WEEK = "2026-W43"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("weekly") / "w.duckdb"
    d = generate(SynthConfig(n_clients=600, seed=31, end=END))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    plan = needed_runs(WEEK, db=db)
    assert plan == [(dt.date(2026, 10, 26), True), (dt.date(2026, 9, 26), False)]
    assert run_plan(plan, db=db) == ["score 2026-10-26", "build 2026-09-26"]
    assert needed_runs(WEEK, db=db) == []  # nothing left to do
    calc = Calculator.load(db)
    simulate_pipeline(WorklistStore(default_store_path(db)), calc, END, seed=3)
    return db


def _sections(html: str) -> dict[str, str]:
    found = re.findall(
        r'<section class="kapot-section"[^>]*? id="([a-z_]+)"[^>]*>(.*?)</section>',
        html,
        flags=re.S,
    )
    return dict(found)


def _text(fragment: str) -> str:
    no_scripts = re.sub(r"<script.*?</script>", "", fragment, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", no_scripts)).strip()


@pytest.fixture(scope="module")
def rendered(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    paths = render_report(None, db=demo, out=out, lang="en", progress=False)
    return paths, out


def test_every_section_has_a_chart_or_table(rendered):
    paths, out = rendered
    assert paths["html"] == out / WEEK / "weekly_report.html"
    assert paths["notebook"] == out / WEEK / "weekly_report.ipynb"
    html = paths["html"].read_text(encoding="utf-8")
    sections = _sections(html)
    assert list(sections) == list(SECTIONS)
    for key, body in sections.items():
        assert "<h2>" in body and len(_text(body)) > 80, key
        has_chart = f'id="kapot-{key}-' in body and "Plotly.newPlot" in body
        has_table = '<table class="kapot-table"' in body and "<td" in body
        assert has_chart or has_table, f"section {key} has neither a chart nor a table"
    # the code is hidden, and nothing went wrong on the way
    assert "report.kpis()" not in html and "WeeklyReport.open" not in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html
    nb = nbformat.read(paths["notebook"], as_version=4)
    kinds = {o["output_type"] for c in nb.cells if c.cell_type == "code" for o in c.outputs}
    assert "error" not in kinds
    # the demo pipeline shows up: funnel chart, conversion and list-size tables
    assert "The road to a sale" in sections["pipeline"]
    assert "Working lists" in sections["pipeline"]


def test_rerun_gives_the_same_report(demo, rendered, tmp_path):
    paths, _ = rendered
    again = render_report(WEEK, db=demo, out=tmp_path, lang="en", progress=False)
    assert again["html"].read_bytes() == paths["html"].read_bytes()


def test_the_html_works_offline_in_chromium(rendered, tmp_path):
    import os

    if not os.path.exists(HEADLESS_CHROMIUM):
        pytest.skip(f"Debian's Chromium not found at {HEADLESS_CHROMIUM}")
    from playwright.sync_api import sync_playwright

    paths, _ = rendered
    html = paths["html"].read_text(encoding="utf-8")
    figures = len(re.findall(r'<div class="plotly-graph-div" id="kapot-[a-z_]+-\d+"', html))
    assert figures >= 10
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=HEADLESS_CHROMIUM, args=list(HEADLESS_CHROMIUM_ARGS)
        )
        context = browser.new_context(viewport={"width": 1366, "height": 900}, offline=True)
        page = context.new_page()
        external, errors = [], []
        page.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith("file:")
                else (external.append(r.request.url), r.abort())
            ),
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(paths["html"].as_uri())
        page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {figures}",
            timeout=30_000,
        )
        drawn = page.eval_on_selector_all(".js-plotly-plot", "els => els.length")
        page.screenshot(path=str(tmp_path / "weekly_report.png"), full_page=True)
        browser.close()
    assert drawn == figures
    assert external == [] and errors == []
    assert (tmp_path / "weekly_report.png").stat().st_size > 100_000


def test_russian_report(demo, tmp_path):
    paths = render_report(WEEK, db=demo, out=tmp_path, lang="ru", progress=False)
    assert paths["html"] == tmp_path / WEEK / "ru" / "weekly_report.html"
    html = paths["html"].read_text(encoding="utf-8")
    text = _text(html)
    assert "Недельный отчёт по продажам, 2026-W43" in text
    assert "с 19 октября 2026 г. по 25 октября 2026 г." in text
    assert "Пик закупок в месяце «ноябрь»" in text
    assert "₽" in text and "$" not in text
    assert "Revenue" not in text and "Weekly" not in text
    assert list(_sections(html)) == list(SECTIONS)


def test_report_money_in_the_company_currency(demo, tmp_path):
    """The papermill kernel reads the currency from the warehouse: roubles in an English report."""
    import shutil

    from kapot.store.currency import change_currency

    db = tmp_path / "w.duckdb"
    shutil.copy(demo, db)
    shutil.copy(default_store_path(demo), default_store_path(db))
    change_currency("RUB", db=db)
    paths = render_report(WEEK, db=db, out=tmp_path / "out", lang="en", progress=False)
    html = paths["html"].read_text(encoding="utf-8")
    text = _text(html)
    assert re.search(r"RUB[\d,]+", text) and "$" not in text
    assert "Revenue, RUB" in html  # the charts' money axes
    assert list(_sections(html)) == list(SECTIONS)


def test_a_manager_report(demo, tmp_path):
    calc = Calculator.load(demo)
    manager = calc.managers()[0]
    paths = render_report(WEEK, db=demo, out=tmp_path, manager=manager, progress=False)
    assert paths["html"].parent.name == f"manager-{manager.lower()}"
    assert f"manager {manager}" in _text(paths["html"].read_text(encoding="utf-8"))


def test_cli_report_and_its_errors(demo, tmp_path, capsys):
    assert main(["report", "--week", WEEK, "--db", str(demo), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "Report for 2026-W43 written" in out and (tmp_path / WEEK / "weekly_report.html").exists()
    )
    assert main(["report", "--week", "2026-47", "--db", str(demo), "--out", str(tmp_path)]) == 2
    assert "not an ISO week" in capsys.readouterr().err
    args = ["report", "--week", WEEK, "--region", "Atlantis", "--db", str(demo)]
    assert main([*args, "--out", str(tmp_path)]) == 2
    assert "unknown region 'Atlantis'" in capsys.readouterr().err
    # a week after the data is an error that says where the data end, not an empty report
    assert main(["report", "--week", "2026-W47", "--db", str(demo), "--out", str(tmp_path)]) == 2
    assert (
        "no sales in 2026-W47: the sales in the warehouse end on 2026-10-31"
        in capsys.readouterr().err
    )
    # without --no-build a missing build is made; with it, the error says what to run
    assert main(["report", "--week", "2026-W30", "--no-build", "--db", str(demo)]) == 2
    assert "kapot build --as-of 2026-07-27" in capsys.readouterr().err


def test_papermill_explains_the_parameters():
    out = subprocess.run(
        [sys.executable, "-m", "papermill", "--help-notebook", str(REPORT_NOTEBOOK)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name, kind in [
        ("week", "Optional[str]"),
        ("region", "Optional[str]"),
        ("manager", "Optional[str]"),
        ("db", "Optional[str]"),
        ("lang", "str"),
    ]:
        assert re.search(rf"{name}: {re.escape(kind)} \(default", out), name


@pytest.mark.real
def test_report_on_online_retail_ii(real, tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(real / "uci_online_retail_ii_sheet_2009_2010.parquet", db=db)
    run_plan(needed_runs(resolve_week(None, db), db=db), db=db)
    paths = render_report(None, db=db, out=tmp_path / "reports", progress=False)
    # the sales end on Thursday 2010-12-09, so the last complete week is 2010-W48
    assert paths["html"] == tmp_path / "reports" / "2010-W48" / "weekly_report.html"
    html = paths["html"].read_text(encoding="utf-8")
    sections = _sections(html)
    assert list(sections) == list(SECTIONS)
    for key, body in sections.items():
        assert len(_text(body)) > 40, key
    text = _text(sections["kpis"])
    # 2010-W48 (29 Nov - 5 Dec 2010); the year before lies before the data, so it is unknown
    assert "Revenue" in text and "$0" not in text.split("Same week last year")[1][:60]
    # clients without names are shown by their id; there are no working lists on this data
    assert re.search(r"<td>\d{5}</td>", sections["at_risk"])
    assert "No working lists yet" in sections["pipeline"]
    assert "Plotly.newPlot" in sections["movements"]


def test_a_report_for_a_built_week_leaves_the_warehouse_byte_identical(demo, tmp_path):
    """The report only reads: with its pipeline runs published, ``kapot report`` (English and
    Russian, everyone and one manager) changes not one byte of the warehouse file."""
    import hashlib
    import os

    def state():
        return hashlib.sha256(demo.read_bytes()).hexdigest(), os.stat(demo).st_mtime_ns

    assert needed_runs(WEEK, db=demo) == []
    before = state()
    assert main(["report", "--week", WEEK, "--db", str(demo), "--out", str(tmp_path)]) == 0
    assert main(["--lang", "ru", "report", "--db", str(demo), "--out", str(tmp_path)]) == 0
    assert state() == before
    assert not list(demo.parent.glob(demo.name + ".tmp-*"))
