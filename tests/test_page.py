"""The manager's page as a whole (kapot.faces.page): in a real browser, Voila serving the
notebook and Playwright driving Debian's Chromium, and its wiring without a browser. Its parts
have their own test modules: test_state, test_filters_view, test_list_view, test_card_view and
test_pipeline_view."""

import csv
import datetime as dt
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pandas as pd
import pytest

from kapot.cli import serve_command
from kapot.faces.page import HEADLESS_CHROMIUM, HEADLESS_CHROMIUM_ARGS, calculator_page
from kapot.faces.worklists import WorklistStore
from kapot.models.potential import score_warehouse
from kapot.pipeline.build import build
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)
CHROMIUM = HEADLESS_CHROMIUM


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("page") / "w.duckdb"
    d = generate(SynthConfig(n_clients=500, seed=12, end=END))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    build(AS_OF, db=db)
    score_warehouse(AS_OF, db=db)
    return db


def test_page_logic_without_a_browser(warehouse):
    page = calculator_page(db=str(warehouse), query_string="lang=ru&region=Moscow")
    assert "Найдено клиентов" in page.summary.value and "₽" in page.summary.value
    assert (page.result["region"] == "Moscow").all()
    page.pays.value = True
    pays = page.calc.clients.set_index("client_id").loc[page.result["client_id"], "pays_on_time"]
    assert pays.astype(bool).all()  # noqa: E712
    page.peak.value = 2
    page.segments.value = ("lost",)
    page.tiers.value = ("large",)
    if page.result.empty:
        assert "kapot-empty" in page.summary.value and page.table.value == ""
    exported = page.export_frame(page.calc.find(page.query()))
    assert list(exported.columns)[:3] == ["Код клиента", "Клиент", "Контактное лицо"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


HEAD_LOGIN, HEAD_PASSWORD = "boss", "head-of-sales-1"


def add_account(db, login: str, password: str, role: str, manager: str | None = None) -> None:
    """The fixture that gives a test server someone to log in as."""
    from kapot.server.auth import AccountStore, default_accounts_path

    AccountStore(default_accounts_path(db)).add(login, password, role=role, manager=manager)


def log_in(page, url: str, login: str = HEAD_LOGIN, password: str = HEAD_PASSWORD) -> None:
    """Open ``url``: the server sends the browser to the login page; sign in, back to ``url``."""
    page.goto(url)
    page.wait_for_selector("input[name=username]")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.fixture(scope="module")
def server(warehouse, tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"Debian's Chromium not found at {CHROMIUM} (.ci/run installs it: apt-get install chromium)"
        )
    home = tmp_path_factory.mktemp("home")
    add_account(warehouse, HEAD_LOGIN, HEAD_PASSWORD, "head")
    port = _free_port()
    env = {**os.environ, "HOME": str(home), "KAPOT_DB": str(warehouse), "KAPOT_LANG": "en"}
    log = open(home / "voila.log", "w")
    proc = subprocess.Popen(
        serve_command(port, pool_size=2), env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).read(100)
            break
        except OSError:
            assert proc.poll() is None, (home / "voila.log").read_text()
            time.sleep(0.5)
    yield url, warehouse
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=list(HEADLESS_CHROMIUM_ARGS),
        )
        yield b
        b.close()


def _found(page) -> int:
    text = page.inner_text(".kapot-summary-box")
    digits = "".join(ch for ch in text.split(" ")[0] if ch.isdigit())
    return int(digits) if digits else 0


def _regions(page) -> list[str]:
    return page.eval_on_selector_all(
        ".kapot-results tbody tr td:nth-child(3)", "els => els.map(e => e.innerText.trim())"
    )


def _download(page, selector: str) -> str:
    """Click a download link; a link replaced by a redraw just as it is clicked starts no
    download, so try again (at most three times)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        try:
            with page.expect_download(timeout=15_000) as dl:
                page.click(selector)
            return dl.value.path()
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _charts_drawn(page, at_least: int) -> None:
    """At least ``at_least`` charts drawn: each chart is a frame loading plotly.js from the
    server (kapot.server.charts), the page itself loads no plotly.js."""
    page.wait_for_function(
        f"() => document.querySelectorAll('iframe.kapot-chart').length >= {at_least}"
    )
    frames = page.locator("iframe.kapot-chart")
    for i in range(frames.count()):
        chart = page.frame_locator("iframe.kapot-chart").nth(i).locator(".js-plotly-plot .main-svg")
        chart.first.wait_for(state="attached")
    assert page.locator(".js-plotly-plot").count() == 0  # nothing of plotly in the page itself


@pytest.mark.slow
def test_calculator_in_a_real_browser(server, browser, tmp_path):
    url, db = server
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page.set_default_timeout(60_000)
    log_in(page, url)
    page.wait_for_selector(".kapot-results table")
    total = _found(page)
    rows = page.locator(".kapot-results tbody tr")
    assert total == 500 and rows.count() == 50

    # a filter change redraws the table
    page.locator(".kapot-pays input[type=checkbox]").check()
    page.wait_for_function(
        f"() => !document.querySelector('.kapot-summary-box').innerText.startsWith('{total:,} ')"
    )
    assert 0 < _found(page) < total

    # a region: every listed client is in it
    page.locator(".kapot-all-regions input[type=checkbox]").uncheck()
    page.wait_for_selector(".kapot-regions select:not([disabled])")  # enabled by the kernel
    page.locator(".kapot-regions select").select_option("Moscow")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.kapot-results tbody tr td:nth-child(3)')].every(e => e.innerText.trim() === 'Moscow')"
    )
    assert set(_regions(page)) == {"Moscow"}
    listed = page.locator(".kapot-results tbody tr").count()

    # downloads: CSV and XLSX hold the listed rows
    csv_path = _download(page, "a.kapot-dl-csv")
    text = open(csv_path, encoding="utf-8-sig").read()
    csv_rows = list(csv.DictReader(io.StringIO(text)))
    assert len(csv_rows) == listed and {r["Region"] for r in csv_rows} == {"Moscow"}
    assert {"Client", "Phone", "Why", "Chance to buy", "Peak month", "Manager"} <= set(csv_rows[0])
    xlsx_path = _download(page, "a.kapot-dl-xlsx")
    xlsx = pd.read_excel(xlsx_path)
    assert len(xlsx) == listed and set(xlsx["Region"]) == {"Moscow"}
    assert "Expected value, USD" in xlsx.columns  # the warehouse sets no currency: the default
    import openpyxl  # the same safe export as the CLI's: text cells, numbers, no formula

    with open(xlsx_path, "rb") as fh:  # the download has no .xlsx suffix: hand openpyxl bytes
        book = openpyxl.load_workbook(io.BytesIO(fh.read()))
    cells = [c for r in book.active.iter_rows() for c in r]
    assert all(c.data_type != "f" for c in cells) and any(c.data_type == "n" for c in cells)
    page.screenshot(path=str(tmp_path / "calculator.png"), full_page=True)

    # the client card: charts and similar clients
    page.locator(".lm-TabBar-tabLabel", has_text="Client card").click()
    page.locator(".kapot-card-pick select").select_option(index=1)
    page.wait_for_selector(".kapot-similar")
    _charts_drawn(page, 3)

    # the charts tab draws on opening
    page.locator(".lm-TabBar-tabLabel", has_text="Charts").click()
    _charts_drawn(page, 5)

    # the pipeline: give the list to a manager, then move a prospect on
    page.locator(".lm-TabBar-tabLabel", has_text="Pipeline").click()
    page.click(".kapot-give")
    page.wait_for_selector(".kapot-pipeline table")
    label = page.locator(".kapot-move-client select option").first.inner_text()
    first = label.split("(")[-1].split(")")[0]
    page.locator(".kapot-move-state select").select_option(label="contact 1")
    page.click(".kapot-move")
    try:
        page.wait_for_function("() => document.body.innerText.includes('→ contact 1')")
    finally:
        page.screenshot(path=str(tmp_path / "pipeline.png"), full_page=True)
        print(page.inner_text(".kapot-message"))
    store = WorklistStore(db.with_name("worklists.sqlite"))
    work = store.show(at=dt.datetime.now()).set_index("client_id")
    assert work.loc[first, "state"] == "contact_1"
    assert store.history(first)["to_state"].tolist() == ["new", "contact_1"]
    assert store.history(first)["author"].tolist() == [HEAD_LOGIN, HEAD_LOGIN]
    page.screenshot(path=str(tmp_path / "pipeline.png"), full_page=True)
    page.close()


@pytest.mark.slow
def test_preset_link_in_russian(server, browser, tmp_path):
    url, _ = server
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.set_default_timeout(60_000)
    log_in(page, url + "?region=Moscow&lang=ru&manager=Petrova")
    page.wait_for_selector(".kapot-results table")
    assert "Список обзвона" in page.inner_text("body") and "Найдено клиентов" in page.inner_text(
        ".kapot-summary-box"
    )
    assert set(_regions(page)) == {"Moscow"}
    assert "₽" in page.inner_text(".kapot-results")
    page.screenshot(path=str(tmp_path / "calculator_ru.png"), full_page=True)
    page.close()
    # on a screen wider than the page, nothing of it is cut off (the report's 1200px body cap
    # once hid the size and segment filters, the reasons and the evidence line)
    page = browser.new_page(viewport={"width": 1440, "height": 768})
    page.set_default_timeout(60_000)
    log_in(page, url)
    page.wait_for_selector(".kapot-results table")
    right = page.evaluate("document.querySelector('.kapot-page').getBoundingClientRect().right")
    assert right <= page.evaluate("document.body.getBoundingClientRect().right")
    page.close()


def test_serve_command_preheats():
    cmd = serve_command(8866)
    assert (
        cmd[:3] == [sys.executable, "-m", "kapot.server.server"] and "--preheat_kernel=True" in cmd
    )
    assert "--show_tracebacks=False" in cmd
    # a cell's outputs are awaited long enough for a burst of visitors (nbclient's 4 s dropped
    # the page's widget: blank pages for 30 at once)
    waits = [int(x.split("=")[1]) for x in cmd if x.startswith("--VoilaExecutor.iopub_timeout=")]
    assert waits and waits[0] >= 60
    assert cmd[3].endswith("notebooks/potential_calculator.ipynb") and shutil.which(cmd[0])


@pytest.mark.slow
def test_preset_calculators_render_and_execute_with_papermill(warehouse, tmp_path):
    import json

    import papermill as pm

    from kapot.faces.presets import render_calculators

    paths = render_calculators("region", db=warehouse, out=tmp_path, lang="ru")
    assert len(paths) == 8 and all(p.exists() for p in paths)
    nb = json.loads(paths[0].read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and "regions = [" in "".join(injected[0]["source"])
    # the preset notebook runs top to bottom in a plain kernel (papermill), as Voila would run it
    executed = tmp_path / "executed.ipynb"
    pm.execute_notebook(
        str(paths[0]),
        str(executed),
        progress_bar=False,
        kernel_name="python3",
        cwd=str(paths[0].parent),
    )
    out = json.loads(executed.read_text())
    text = json.dumps(out["cells"][-1]["outputs"])
    assert "application/vnd.jupyter.widget-view+json" in text
    assert not any(
        o.get("output_type") == "error" for c in out["cells"] for o in c.get("outputs", [])
    )
