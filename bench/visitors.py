"""Visitors without a browser, and the pages that bound what a browser on this machine allows.

The team-server target puts 30 headless Chromiums on the server's own two cores, so a visit's
time there is mostly the browsers' own work. Two measurements separate the server from them:

* :func:`http_burst`: visitors that speak the page's protocol without a browser, as a load
  tester does: the login form, the login, the page's HTML (which Voila sends once the kernel
  has built the visitor's page), then the kernel's websocket asking for the widgets' state, as
  the page's scripts do. The table counts as shown when that state holds it. This is the
  server's part of a visit, what one server holds when its visitors' browsers are elsewhere.
* :func:`floor_notebook` and :func:`StaticSite`: the same burst of Chromiums against pages that
  do no work of kapot's: an empty notebook served by the same server, template and login (what
  Voila's own page costs a browser), and two static pages served by a bare web server (what a
  browser context costs at all). No page of kapot's can be faster on this machine than these.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html.parser
import json
import re
import statistics
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import nbformat
from tornado import httpclient, httpserver, netutil, web, websocket

__all__ = ["StaticSite", "floor_notebook", "http_burst", "http_visit"]

# the marker a visitor waits for: kapot's table (the page puts its list in .kapot-results)
TABLE_MARK = "kapot-results"


class _Form(html.parser.HTMLParser):
    """The hidden inputs of the login form (``_xsrf`` and ``next``)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""


def _cookies(response: httpclient.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_list("Set-Cookie"):
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _message(msg_type: str, content: dict, session: str, metadata: dict | None = None) -> str:
    """A Jupyter message in the websocket's JSON framing (jupyter_server's default)."""
    return json.dumps(
        {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "msg_type": msg_type,
                "username": "bench",
                "session": session,
                "date": dt.datetime.now(dt.UTC).isoformat(),
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


async def http_visit(
    base: str, login: str, password: str, *, timeout: float = 120.0, keep_state: bool = False
) -> dict:
    """One visitor through the page's protocol, without a browser.

    Parameters
    ----------
    base : str
        The server's address, ending in ``/``.
    login, password : str
        The account's credentials.
    timeout : float, default 120.0
        Seconds for each request and for the widgets' state.
    keep_state : bool, default False
        Also return the widgets' state (as JSON text) under ``state``.

    Returns
    -------
    dict
        Seconds from the start to each mark: ``form`` (the login form), ``login`` (the login
        answered), ``page`` (the page's HTML complete: the kernel has built the visitor's
        page), ``table`` (the widgets' state, holding the table, received); ``error`` when the
        visit failed (the name of the exception, or what was missing).
    """
    client = httpclient.AsyncHTTPClient(force_instance=True)
    jar: dict[str, str] = {}
    marks: dict = {}
    start = time.perf_counter()
    ws = None
    try:
        r = await client.fetch(base + "login", request_timeout=timeout)
        _cookies(r, jar)
        form = _Form()
        form.feed(r.body.decode())
        marks["form"] = time.perf_counter() - start
        body = urlencode({**form.fields, "username": login, "password": password})
        r = await client.fetch(
            base + "login",
            method="POST",
            body=body,
            headers={"Cookie": _cookie_header(jar)},
            follow_redirects=False,
            raise_error=False,
            request_timeout=timeout,
        )
        _cookies(r, jar)
        if r.code != 302:
            marks["error"] = f"login answered {r.code}"
            return marks
        marks["login"] = time.perf_counter() - start
        r = await client.fetch(
            base, headers={"Cookie": _cookie_header(jar)}, request_timeout=timeout
        )
        page = r.body.decode()
        marks["page"] = time.perf_counter() - start
        found = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page)
        if not found:  # what the visitor saw instead: busy, an error's line, or another page
            said = re.search(r'class="kapot-(?:busy|login-error|error)"[^>]*>([^<]{0,120})', page)
            marks["error"] = f"no kernel in the page ({r.code}: {said.group(1) if said else ''})"
            return marks
        session = uuid.uuid4().hex
        ws_url = base.replace("http", "ws", 1) + (
            f"api/kernels/{found.group(1)}/channels?session_id={session}"
        )
        ws = await websocket.websocket_connect(
            httpclient.HTTPRequest(
                ws_url, headers={"Cookie": _cookie_header(jar)}, request_timeout=timeout
            )
        )
        comm = uuid.uuid4().hex
        await ws.write_message(_message("kernel_info_request", {}, session))
        await ws.write_message(
            _message(
                "comm_open",
                {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}},
                session,
                # ipywidgets 8 refuses a control comm without its protocol's major version
                {"version": "1.0.0"},
            )
        )
        await ws.write_message(
            _message("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}, session)
        )
        deadline = start + timeout
        while time.perf_counter() < deadline:
            raw = await asyncio.wait_for(ws.read_message(), deadline - time.perf_counter())
            if raw is None:
                marks["error"] = "websocket closed"
                return marks
            if isinstance(raw, bytes):  # a binary frame: widget buffers, not the state
                continue
            msg = json.loads(raw)
            data = msg.get("content", {}).get("data", {})
            if msg.get("msg_type") == "comm_msg" and data.get("method") == "update_states":
                states = json.dumps(data.get("states", {}))
                marks["table"] = time.perf_counter() - start
                if keep_state:
                    marks["state"] = states
                if TABLE_MARK not in states or "<table" not in states:
                    marks["error"] = "no table in the widgets' state"
                return marks
        marks["error"] = "TimeoutError"
    except Exception as exc:  # a timeout or a refused request: counted, not raised
        marks["error"] = type(exc).__name__
    finally:
        if ws is not None:
            ws.close()
        client.close()
    return marks


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1) if values else float("nan")


async def http_burst(base: str, logins: list[str], password_of) -> dict:
    """Every login at once through :func:`http_visit`.

    Parameters
    ----------
    base : str
        The server's address, ending in ``/``.
    logins : list of str
        The accounts, one visitor each.
    password_of : callable
        The password of a login.

    Returns
    -------
    dict
        ``tables_shown``, ``errors`` (up to five), ``median_s``, ``slowest_s``, ``fastest_s``
        of the table mark, ``burst_wall_s``, and the median of each earlier mark
        (``median_form_s``, ``median_login_s``, ``median_page_s``).
    """
    t0 = time.perf_counter()
    res = await asyncio.gather(*(http_visit(base, x, password_of(x)) for x in logins))
    wall = time.perf_counter() - t0
    ok = [m["table"] for m in res if "error" not in m]
    out = {
        "tables_shown": len(ok),
        "errors": [m["error"] for m in res if "error" in m][:5],
        "median_s": _median(ok),
        "slowest_s": round(max(ok), 1) if ok else float("nan"),
        "fastest_s": round(min(ok), 1) if ok else float("nan"),
        "burst_wall_s": round(wall, 1),
    }
    for mark in ("form", "login", "page"):
        out[f"median_{mark}_s"] = _median([m[mark] for m in res if mark in m])
    return out


def floor_notebook(path: Path) -> Path:
    """An empty page for the floor's burst: one markdown cell holding a one-row table in
    ``.kapot-results``, no code, so the same server, template and login serve a page that
    does no work of kapot's (its preheated kernels run nothing).

    Parameters
    ----------
    path : Path
        Where to write the notebook.

    Returns
    -------
    Path
        ``path``.
    """
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            f'<div class="{TABLE_MARK}"><table><tr><td>floor</td></tr></table></div>'
        )
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(path))
    return path


_STATIC_FORM = (
    '<!doctype html><html><body><form method="post" action="/login">'
    '<input name="username"><input name="password" type="password">'
    '<button type="submit">go</button></form></body></html>'
)
_STATIC_TABLE = (
    f'<!doctype html><html><body><div class="{TABLE_MARK}"><table><tr><td>static</td></tr>'
    "</table></div></body></html>"
)


class _FormHandler(web.RequestHandler):
    def get(self) -> None:
        self.finish(_STATIC_FORM)

    def post(self) -> None:
        self.redirect("/table")


class _TableHandler(web.RequestHandler):
    def get(self) -> None:
        self.finish(_STATIC_TABLE)


class StaticSite:
    """Two static pages (a login form that posts, and a page with the table) on a bare
    tornado server on loopback, in a thread of this process; for the browsers' floor.

    Use as a context manager; ``url`` is the form's address.
    """

    def __init__(self) -> None:
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        app = web.Application(
            [(r"/", _FormHandler), (r"/login", _FormHandler), (r"/table", _TableHandler)]
        )
        server = httpserver.HTTPServer(app)
        sockets = netutil.bind_sockets(0, "127.0.0.1")
        server.add_sockets(sockets)
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/"
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> StaticSite:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
