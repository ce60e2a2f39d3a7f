"""The team server in a real browser: logins, sessions, row-level access, errors kept inside.

One server (kapot.server.server, as `kapot serve` runs it) on a small warehouse with two managers'
accounts and a head of sales; sessions last 20 seconds here so that expiry can be seen."""

import csv
import datetime as dt
import http.client
import io
import os
import re
import subprocess
import time
import urllib.request

import pytest

from kapot.cli import serve_command
from kapot.faces.page import HEADLESS_CHROMIUM, HEADLESS_CHROMIUM_ARGS
from kapot.faces.worklists import WorklistStore, default_store_path
from kapot.models.potential import score_warehouse
from kapot.pipeline.build import build
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate
from tests.test_page import _download, _free_port, add_account, log_in

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)
# long enough for a page and a chart on a loaded CI machine; the expiry test waits it out
SESSION_SECONDS = 45
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    if not os.path.exists(HEADLESS_CHROMIUM):
        pytest.skip(f"Debian's Chromium not found at {HEADLESS_CHROMIUM}")
    root = tmp_path_factory.mktemp("team")
    db = root / "w.duckdb"
    d = generate(SynthConfig(n_clients=300, seed=31, end=END))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    build(AS_OF, db=db)
    score_warehouse(AS_OF, db=db)
    owner = d.clients.set_index("client_id")["manager"].to_dict()
    a, b = sorted(set(owner.values()))[:2]
    add_account(db, "anna", "anna-password", "manager", a)
    add_account(db, "boris", "boris-password", "manager", b)
    add_account(db, "carol", "carol-password", "manager", b)
    add_account(db, "boss", "boss-password", "head")
    # the other manager has prospects in work: they must not show on anna's page
    from kapot.faces.calculator import Calculator, Query
    from kapot.server import access
    from kapot.server.access import Scope

    calc = Calculator.load(db)
    store = WorklistStore(default_store_path(db))
    theirs = access.give_list(
        store, Scope("boris", "manager", b), calc, b, Query(), at=dt.datetime.now(), size=10
    )
    port = _free_port()
    env = {**os.environ, "HOME": str(root), "KAPOT_DB": str(db), "KAPOT_LANG": "en"}
    env.pop("KAPOT_ACCOUNTS", None)
    env.pop("KAPOT_WORKLISTS", None)
    log_path = root / "server.log"
    log = open(log_path, "w")
    cmd = serve_command(port, pool_size=1, session_minutes=SESSION_SECONDS / 60)
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "login", timeout=5).read(10)
            break
        except OSError:
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.5)
    yield {
        "url": url,
        "port": port,
        "db": db,
        "owner": owner,
        "a": a,
        "b": b,
        "theirs": theirs,
        "log": log_path,
    }
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=HEADLESS_CHROMIUM, args=list(HEADLESS_CHROMIUM_ARGS))
        yield b
        b.close()


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    con.request("GET", path, headers=headers or {})
    res = con.getresponse()
    body = res.read().decode("utf-8", "replace")
    con.close()
    return res.status, dict(res.getheaders()), body


def test_nothing_of_the_calculator_without_a_login(team):
    port = team["port"]
    forged = {"X-Kapot-Identity": "boss|9999999999|00|" + "0" * 64}
    for path in ("/", "/?manager=x", "/potential_calculator.ipynb"):
        status, headers, body = _get(port, path, forged)
        assert status == 302 and headers["Location"].startswith("/login"), (path, status)
        assert "kapot-results" not in body and "widget" not in body
    for path in (
        "/voila/files/potential_calculator.ipynb",
        "/voila/files/README.md",
        "/voila/files/../pyproject.toml",
    ):
        status, _, body = _get(port, path)
        assert status in (403, 404) and '"cells"' not in body and "[project]" not in body
    status, _, body = _get(port, "/api/kernels")
    assert status in (302, 403) and "kernel" not in body.lower().replace("kapot", "")
    status, _, body = _get(port, "/login")
    assert status == 200 and 'name="username"' in body and 'name="password"' in body


def _ids(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.client)")


def test_a_manager_sees_and_moves_only_their_own_clients(team, browser, tmp_path):
    owner, a, b = team["owner"], team["a"], team["b"]
    from kapot.faces.calculator import Calculator

    calc = Calculator.load(team["db"])
    regions_b = sorted(set(calc.clients.loc[calc.clients["manager"] == b, "region"]))
    b_region = regions_b[0]
    # a visitor's own copy of the identity header is dropped by the server
    ctx = browser.new_context(
        accept_downloads=True,
        extra_http_headers={"X-Kapot-Identity": "boss|1|00|" + "0" * 64},
        viewport={"width": 1366, "height": 768},
    )
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    log_in(page, team["url"] + f"?manager={b}&region={b_region}", "anna", "anna-password")
    page.wait_for_selector(".kapot-summary-box")
    page.wait_for_function("() => document.querySelector('.kapot-summary-box').innerText.length")
    shown = _ids(page, ".kapot-results tbody tr")
    assert all(owner[c] == a for c in shown), "another manager's client in the table"
    # all regions: the full list, still only anna's clients
    page.locator(".kapot-all-regions input[type=checkbox]").check()
    page.wait_for_selector(".kapot-results tbody tr")
    shown = _ids(page, ".kapot-results tbody tr")
    assert shown and {owner[c] for c in shown} == {a}
    rows = list(
        csv.DictReader(
            io.StringIO(open(_download(page, "a.kapot-dl-csv"), encoding="utf-8-sig").read())
        )
    )
    assert rows and {r["Manager"] for r in rows} == {a}
    # the card offers only the listed clients
    page.locator(".lm-TabBar-tabLabel", has_text="Client card").click()
    labels = page.eval_on_selector_all(
        ".kapot-card-pick select option", "els => els.map(e => e.innerText)"
    )
    card_ids = [m.group(1) for t in labels for m in [re.search(r"\((C\d+)\)", t)] if m]
    assert card_ids and {owner[c] for c in card_ids} == {a}
    # the pipeline: only anna herself; her list holds only her clients; boris's work is not shown
    page.locator(".lm-TabBar-tabLabel", has_text="Pipeline").click()
    managers = page.eval_on_selector_all(
        ".kapot-pipeline, .widget-dropdown select option", "els => els.map(e => e.innerText)"
    )
    assert b not in managers
    page.click(".kapot-give")
    page.wait_for_selector(".kapot-pipeline table")
    work = _ids(page, ".kapot-pipeline tr[data-client]")
    assert work and {owner[c] for c in work} == {a}
    assert not set(work) & set(team["theirs"])
    # the options are another widget's message: they may be drawn a moment after the table
    page.wait_for_selector(".kapot-move-client select option", state="attached")
    options = page.eval_on_selector_all(
        ".kapot-move-client select option", "els => els.map(e => e.innerText)"
    )
    assert options and not any(f"({c})" in o for o in options for c in team["theirs"])
    page.locator(".kapot-move-state select").select_option(label="contact 1")
    page.click(".kapot-move")
    page.wait_for_function("() => document.body.innerText.includes('→ contact 1')")
    page.screenshot(path=str(tmp_path / "anna.png"), full_page=True)
    store = WorklistStore(default_store_path(team["db"]))
    authors = store.history()
    assert set(authors.loc[authors["to_state"] == "contact_1", "author"]) == {"anna"}
    # boris's prospects are untouched
    assert set(store.show(b, at=dt.datetime.now())["state"]) == {"new"}
    ctx.close()


def test_wrong_password_is_refused_and_slowed_down(team, browser):
    page = browser.new_page()
    page.set_default_timeout(30_000)
    log_in(page, team["url"], "carol", "not-her-password")
    page.wait_for_selector(".kapot-login-error")
    assert "Wrong login or password" in page.inner_text(".kapot-login-error")
    assert page.locator(".kapot-results").count() == 0
    for _ in range(3):
        log_in(page, team["url"], "carol", "still-wrong")
        page.wait_for_selector(".kapot-login-error")
    # the right password right after: refused until the pause has passed
    log_in(page, team["url"], "carol", "carol-password")
    page.wait_for_selector(".kapot-login-error")
    assert "Too many wrong passwords" in page.inner_text(".kapot-login-error")
    page.close()


def test_an_expired_session_returns_to_the_login(team, browser):
    page = browser.new_page()
    page.set_default_timeout(60_000)
    log_in(page, team["url"], "boris", "boris-password")
    page.wait_for_selector(".kapot-summary-box")
    time.sleep(SESSION_SECONDS + 2)
    page.goto(team["url"])
    page.wait_for_selector("input[name=username]")
    assert "/login" in page.url and page.locator(".kapot-results").count() == 0
    page.close()


def test_the_page_loads_only_what_its_first_screen_needs(team, browser):
    """No plotly.js, code highlighting, MathJax, mermaid or CDN stylesheet with the page (they
    cost each visitor's browser seconds under a team's load); plotly.js comes from the server,
    behind the login and cached, when a chart is opened."""
    from kapot.server.charts import PLOTLY_JS_ROUTE, plotly_js_name

    js = f"/{PLOTLY_JS_ROUTE}/{plotly_js_name()}"
    status, headers, body = _get(team["port"], js)
    assert status == 302 and headers["Location"].startswith("/login") and "Plotly" not in body
    ctx = browser.new_context()
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    log_in(page, team["url"], "boris", "boris-password")
    # only the server's own plotly.js is served (asked at once: a session lasts SESSION_SECONDS)
    assert page.request.get(team["url"] + f"{PLOTLY_JS_ROUTE}/plotly-0.0.min.js").status == 404
    page.wait_for_selector(".kapot-results table")
    page.wait_for_load_state("networkidle")
    outside = [u for u in urls if not u.startswith(team["url"])]
    assert outside == [], outside
    unneeded = ("plotly", "pygments", "mathjax", "mermaid", "fontawesome")
    assert not [u for u in urls if any(x in u.lower() for x in unneeded)], urls
    html_text = page.request.get(team["url"]).text()
    assert "cdn." not in html_text and "jupyterlab-plotly" not in html_text
    assert "#loading .spinner, #loading .voila-skeleton-post * { animation: none" in html_text
    # a chart: drawn in a frame with plotly.js from the server, kept by the browser a year
    with page.expect_response(lambda r: r.url.endswith(js)) as got:
        page.locator(".lm-TabBar-tabLabel", has_text="Charts").click()
    assert got.value.status == 200 and "max-age=31536000" in got.value.headers["cache-control"]
    chart = page.frame_locator("iframe.kapot-chart").first.locator(".js-plotly-plot .main-svg")
    chart.first.wait_for(state="attached")
    ctx.close()


def test_a_second_visit_takes_the_widgets_scripts_from_the_browser_cache(team, browser):
    """The widgets' scripts whose names carry a content hash are kept by the browser
    (immutable), so a manager's second visit fetches none of them again; a file without a
    hash keeps Voila's no-cache."""
    ext = "/voila/labextensions/@jupyter-widgets/jupyterlab-manager/static/"
    ctx = browser.new_context()
    page = ctx.new_page()
    page.set_default_timeout(90_000)
    got: dict[str, str] = {}
    page.on(
        "response",
        lambda r: (
            got.setdefault(r.url, r.headers.get("cache-control", ""))
            if "/voila/labextensions/" in r.url
            else None
        ),
    )
    log_in(page, team["url"], "anna", "anna-password")
    page.wait_for_selector(".kapot-results table")
    paths = {u.split("?")[0]: c for u, c in got.items()}
    hashed = {u: c for u, c in paths.items() if re.search(r"\.[0-9a-f]{16,}\.js$", u)}
    assert len(hashed) >= 5, got
    assert all("immutable" in c and "max-age=31536000" in c for c in hashed.values()), hashed
    plain = page.request.get(team["url"].rstrip("/") + ext + "style.js")
    assert plain.status == 200 and plain.headers["cache-control"] == "no-cache"
    page.close()
    again = ctx.new_page()
    again.set_default_timeout(90_000)
    again.goto(team["url"])
    again.wait_for_selector(".kapot-results table")
    entries = again.evaluate(
        "performance.getEntriesByType('resource').map(e => [e.name, e.transferSize])"
    )
    fetched = [u for u, size in entries if u.split("?")[0] in hashed and size > 0]
    assert [u for u, _ in entries if u.split("?")[0] in hashed], entries  # they were used
    assert fetched == [], fetched
    ctx.close()


def test_no_traceback_reaches_the_browser(team, browser):
    page = browser.new_page()
    page.set_default_timeout(60_000)
    log_in(page, team["url"] + "?as_of=../../etc/passwd", "boss", "boss-password")
    page.wait_for_selector(".kapot-error")
    text = page.inner_text("body")
    assert "error id" in text
    assert "Traceback" not in text and ".py" not in text and "passwd" not in text
    error_id = re.search(r"error id (\w+)", text).group(1)
    log = team["log"].read_text()
    assert f"error {error_id}" in log and "Traceback" in log
    status, _, body = _get(team["port"], "/voila/files/x.py")
    assert "Traceback" not in body
    page.close()


# ---------------------------------------------------------------------- capacity
def _kernel_pids(server_pid: int) -> set[int]:
    import psutil

    pids = set()
    for p in psutil.Process(server_pid).children(recursive=True):
        try:
            if any("ipykernel" in part for part in p.cmdline()):
                pids.add(p.pid)
        except psutil.NoSuchProcess:
            pass
    return pids


@pytest.fixture(scope="module")
def full_server(team, tmp_path_factory):
    """A server with room for one visitor: a pool of one kernel, one session at most, and
    kernels culled after 15 idle seconds."""
    root = tmp_path_factory.mktemp("full")
    port = _free_port()
    env = {**os.environ, "HOME": str(root), "KAPOT_DB": str(team["db"]), "KAPOT_LANG": "en"}
    env.pop("KAPOT_ACCOUNTS", None)
    env.pop("KAPOT_WORKLISTS", None)
    log_path = root / "server.log"
    log = open(log_path, "w")
    cmd = serve_command(port, pool_size=1, max_sessions=1, cull_idle_minutes=0.25)
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 180
    while time.time() < deadline and "is filled" not in log_path.read_text():
        assert proc.poll() is None, log_path.read_text()
        time.sleep(0.5)
    assert "is filled" in log_path.read_text(), log_path.read_text()
    yield {"url": f"http://127.0.0.1:{port}/", "pid": proc.pid, "log": log_path}
    proc.terminate()
    proc.wait(timeout=30)


def test_over_capacity_busy_in_the_visitors_language_then_idle_culling_frees_the_place(
    full_server, browser
):
    from kapot.i18n import tr

    url, pid = full_server["url"], full_server["pid"]
    first = browser.new_context()
    page = first.new_page()
    page.set_default_timeout(120_000)
    log_in(page, url, "anna", "anna-password")
    page.wait_for_selector(".kapot-results table")
    in_use = _kernel_pids(pid)
    assert len(in_use) == 1  # the one place is taken and no other kernel started
    # a second manager, whose browser asks for Russian, is told to come back: no hang
    second = browser.new_context(locale="ru-RU")
    other = second.new_page()
    other.set_default_timeout(60_000)
    log_in(other, url, "boris", "boris-password")
    other.wait_for_selector(".kapot-busy")
    assert other.inner_text(".kapot-busy") == tr("server.busy", "ru")
    assert other.locator(".kapot-results").count() == 0
    response = other.request.get(url)
    assert response.status == 503 and response.headers["retry-after"] == "60"
    # the first manager leaves the page idle: after the idle timeout their kernel is culled
    # and the pool is refilled to its size (one fresh kernel, not the one they used)
    deadline = time.time() + 150
    while time.time() < deadline:
        now = _kernel_pids(pid)
        if len(now) == 1 and not now & in_use:
            break
        time.sleep(2)
    now = _kernel_pids(pid)
    assert len(now) == 1 and not now & in_use, (in_use, now)
    assert "seconds of inactivity" in full_server["log"].read_text()  # culled, not crashed
    # and the place is free again: the second manager gets their table
    other.goto(url)
    other.wait_for_selector(".kapot-results table")
    assert other.locator(".kapot-busy").count() == 0
    first.close()
    second.close()


def test_the_pages_protocol_without_a_browser_gives_a_manager_only_their_table(team):
    """What the bench's visitors without a browser do (login, page, the widgets' state over the
    kernel's websocket) is what the page's scripts do: the state holds anna's table, with
    only her clients; a wrong password gets no page."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bench.visitors import http_visit

    def visit(password: str, **kw) -> dict:
        # in a thread of its own: the module's sync Playwright holds this thread's event loop
        with ThreadPoolExecutor(1) as pool:
            coro = http_visit(team["url"], "anna", password, **kw)
            return pool.submit(asyncio.run, coro).result()

    marks = visit("anna-password", keep_state=True)
    assert "error" not in marks, marks.get("error")
    assert marks["form"] <= marks["login"] <= marks["page"] <= marks["table"]
    shown = re.findall(r'data-client=\\"(C\d+)\\"', marks["state"])
    assert shown and {team["owner"][c] for c in shown} == {team["a"]}
    refused = visit("wrong", timeout=30)
    assert refused["error"] == "login answered 401" and "page" not in refused


def test_a_disabled_account_is_refused_at_its_next_request_despite_the_accounts_cache(tmp_path):
    from kapot.server.auth import AccountStore
    from kapot.server.server import KapotIdentityProvider

    path = tmp_path / "accounts.sqlite"
    store = AccountStore(path)
    store.add("anna", "anna-password", role="manager", manager="Ivanova")
    provider = KapotIdentityProvider(accounts_path=str(path))
    assert provider._account_user("anna").username == "anna"
    assert provider._account_user("ghost") is None
    store.set_disabled("anna")
    assert provider._account_user("anna") is None  # the file changed: read again
    store.add("ghost", "ghost-password", role="analyst")
    assert provider._account_user("ghost").username == "ghost"
