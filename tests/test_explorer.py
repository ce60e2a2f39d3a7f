"""The analysts' segment explorer: kapot.faces.explorer's views on a small synthetic warehouse, and
notebooks/segment_explorer.ipynb executed by papermill."""

import nbformat
import pytest

from kapot.faces.explorer import Explorer

from .conftest import SCORED_AS_OF as AS_OF


@pytest.fixture(scope="module")
def warehouse(scored_warehouse):
    return scored_warehouse


def test_views(warehouse):
    ex = Explorer.load(warehouse, lang="ru")
    assert ex.as_of == AS_OF
    assert len(ex.features) == ex.features["client_id"].nunique() == 500
    over = ex.overview()
    assert over["clients"].sum() == 500 and over["share_of_revenue"].sum() == pytest.approx(
        1, abs=0.01
    )
    top = ex.top_clients(5, by="orders_12m")
    assert top["orders_12m"].is_monotonic_decreasing and len(top) == 5
    seasonal = ex.seasonality["seasonal"].fillna(False).astype(bool).sum()
    fig = ex.peak_months()
    assert sum(sum(t.y) for t in fig.data) == seasonal
    assert fig.layout.xaxis.title.text == "Месяц"


@pytest.mark.slow
def test_notebook_runs_with_papermill(warehouse, tmp_path):
    import papermill as pm

    from kapot.config import PROJECT_ROOT

    src = PROJECT_ROOT / "notebooks" / "segment_explorer.ipynb"
    out = tmp_path / "explorer.ipynb"
    pm.execute_notebook(
        str(src),
        str(out),
        parameters={"db": str(warehouse), "lang": "en"},
        progress_bar=False,
        kernel_name="python3",
        cwd=str(src.parent),
        execution_timeout=600,  # a cell that hangs (a renderer waiting for a browser) fails
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o["output_type"] == "error"]
    figures = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert (
        len(figures) >= 6
    )  # category profiles, peak months, client profiles, ABC/XYZ, RFM, clusters
    for o in figures:  # and nbconvert keeps them: an HTML form with the data inlined
        assert "text/html" in o["data"]
    widgets = [
        o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert len(widgets) == 2  # who buys this, lookalikes
    tables = [o for o in outputs if "<table" in "".join(o.get("data", {}).get("text/html", ""))]
    assert len(tables) >= 3  # overview, top clients, RFM segments


@pytest.mark.slow
def test_widgets_redraw_in_a_real_browser(warehouse, tmp_path):
    """The explorer's widgets, live: Voila runs the notebook, Chromium picks another category
    and the "who buys" chart redraws for it."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from kapot.config import PROJECT_ROOT
    from kapot.faces.page import HEADLESS_CHROMIUM, HEADLESS_CHROMIUM_ARGS

    if not os.path.exists(HEADLESS_CHROMIUM):
        pytest.skip(f"Debian's Chromium not found at {HEADLESS_CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "KAPOT_DB": str(warehouse)}  # HOME is already a temporary folder
    notebook = PROJECT_ROOT / "notebooks" / "segment_explorer.ipynb"
    log = open(tmp_path / "voila.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(url, timeout=60).read(100)
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "voila.log").read_text()
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=HEADLESS_CHROMIUM, args=list(HEADLESS_CHROMIUM_ARGS)
            )
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(url, timeout=180_000)
            select = page.locator(".widget-dropdown select").first
            select.wait_for(timeout=180_000)
            first = select.input_value()
            page.wait_for_function(
                "t => [...document.querySelectorAll('.gtitle')].some(e => e.textContent.includes(t))",
                arg=f"Who buys {first}",
                timeout=180_000,
            )
            options = select.locator("option").all_inner_texts()
            other = next(o for o in options if o != first)
            select.select_option(other)
            page.wait_for_function(
                "t => [...document.querySelectorAll('.gtitle')].some(e => e.textContent.includes(t))",
                arg=f"Who buys {other}",
                timeout=180_000,
            )
            # and the lookalikes table is there for the preselected client
            assert page.locator(".jp-OutputArea-output table").count() >= 3
            page.screenshot(path=str(tmp_path / "explorer.png"), full_page=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
