"""The served kernel's start: what a preheated kernel loads before its visitor arrives."""

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from kapot.models.potential import score_warehouse
from kapot.pipeline.build import build
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)

_KERNEL = """
import json, sys, time
import ipywidgets
import kapot.faces.page, kapot.server.session
db = sys.argv[1]
calc = kapot.faces.page.preload(db)
warmed = kapot.server.session.warm_up(calc, db)
left = len(ipywidgets.Widget.widgets)
loaded = sorted(m for m in ("sklearn", "scipy.stats", "nbformat", "jsonschema", "plotly",
                            "kapot.models.engine", "statsmodels") if m in sys.modules)
t0 = time.perf_counter()
page = kapot.faces.page.calculator_page(db=db, calculator=calc)
print(json.dumps({"warmed": warmed, "left": left, "loaded": loaded,
                  "openpyxl": "openpyxl" in sys.modules,
                  "rows": len(page.result), "page_s": time.perf_counter() - t0}))
"""


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    db = tmp_path_factory.mktemp("sess") / "w.duckdb"
    d = generate(SynthConfig(n_clients=200, seed=5, end=END))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    build(AS_OF, db=db)
    score_warehouse(AS_OF, db=db)
    return db


def _kernel(db, served: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "KAPOT_SERVED"}
    if served:
        env["KAPOT_SERVED"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", _KERNEL, str(db)], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_served_kernel_warms_up_without_the_engine_and_leaves_no_widget(scored):
    _kernel(scored, served=True)  # the first kernel reads the warehouse, publishes the snapshot
    got = _kernel(scored, served=True)  # every later one (the pool) starts from the snapshot
    assert got["warmed"] > 0 and got["left"] == 0  # the throwaway page's widgets are closed
    # the page's own modules are loaded before the visitor (the spreadsheet writer) ...
    assert got["openpyxl"]
    # ... and none the page does not need: the scoring engine, scipy's statistics, plotly
    # and its renderer's nbformat/jsonschema (loaded at the first chart only)
    assert got["loaded"] == [], got["loaded"]
    assert got["rows"] > 0


def test_outside_the_server_there_is_no_warm_up(scored):
    got = _kernel(scored, served=False)  # a notebook or papermill run: no time spent on it
    assert got["warmed"] == 0 and got["rows"] > 0
