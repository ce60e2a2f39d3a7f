"""The server's own pages and files: the plain pages (login, busy, an error's one line) in the
visitor's language, drawn by kapot's stylesheet, and the handlers of the files the page may
load (issue 12: serve only the files the page needs; errors stay on the server).

* :func:`visitor_lang`, :func:`page_html`, :func:`error_line`: a plain page, and a request's
  error as one line with an error id for the visitor, its traceback in the server's log.
* :class:`NoFilesHandler` (Voila's ``/voila/files/``: nothing), :class:`PlotlyJsHandler`
  (plotly.js for the charts' frames, behind the login) and :class:`LabExtensionsHandler`
  (the widgets' scripts, the content-hashed ones cached as immutable).
"""

from __future__ import annotations

import html
import logging
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlparse

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import FileFindHandler, JupyterHandler
from tornado import web

from kapot.faces.display import stylesheet
from kapot.i18n import LANGUAGES, get_lang, tr
from kapot.server.charts import plotly_js_name, plotly_js_path

__all__ = [
    "LabExtensionsHandler",
    "NoFilesHandler",
    "PlotlyJsHandler",
    "error_line",
    "page_html",
    "visitor_lang",
]

_log = logging.getLogger("kapot.server")

# the login, error and busy pages: drawn by kapot's one stylesheet (kapot/faces/kapot.css)
_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
{extra}<title>{title}</title>
{style}</head><body class="kapot-plain"><div class="kapot-login-box">{body}</div></body></html>"""


def visitor_lang(handler: web.RequestHandler, url: str | None = None) -> str:
    """The visitor's language: ``lang`` in the (next) URL, else the browser's first language we
    have, else the server's.

    Parameters
    ----------
    handler : tornado.web.RequestHandler
        The request (its URI and ``Accept-Language``).
    url : str, optional
        The URL the visitor goes on to (the login's ``next``), read first.

    Returns
    -------
    str
        A language code of :data:`kapot.i18n.LANGUAGES`.
    """
    for candidate in (url, handler.request.uri):
        q = parse_qs(urlparse(candidate or "").query)
        if q.get("lang") and q["lang"][-1][:2].lower() in LANGUAGES:
            return q["lang"][-1][:2].lower()
    for part in handler.request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return get_lang()


def page_html(lang: str, title: str, body: str, extra: str = "") -> str:
    """A plain page of the server's (login, busy, error) in kapot's stylesheet.

    Parameters
    ----------
    lang : str
        The page's language (its ``lang`` attribute).
    title : str
        The title, escaped here.
    body : str
        The page's markup, already escaped by the caller.
    extra : str, default ""
        Markup for the head (a refresh for the busy page).

    Returns
    -------
    str
        The whole HTML document.
    """
    return _PAGE.format(
        lang=lang, title=html.escape(title), body=body, extra=extra, style=stylesheet()
    )


def error_line(handler: web.RequestHandler, status_code: int, kwargs: dict) -> None:
    """One line and an error id for the visitor, the traceback in the server's log.

    Parameters
    ----------
    handler : tornado.web.RequestHandler
        The failed request; its response is written and finished here.
    status_code : int
        The HTTP status: from 500 up the visitor gets an error id and the server logs the
        traceback under it; below, the status's own line.
    kwargs : dict
        Tornado's ``write_error`` keywords (``exc_info``).
    """
    lang = visitor_lang(handler)
    error_id = secrets.token_hex(4)
    if status_code >= 500:
        _log.error(
            "error %s on %s %s",
            error_id,
            handler.request.method,
            handler.request.path,
            exc_info=kwargs.get("exc_info"),
        )
        text = tr("server.error_line", lang, id=error_id)
    else:
        text = tr("server.http_error", lang, code=status_code)
    handler.set_header("Content-Type", "text/html; charset=utf-8")
    handler.finish(
        page_html(lang, "kapot", f'<div class="kapot-login-error">{html.escape(text)}</div>')
    )


class NoFilesHandler(JupyterHandler):
    """``/voila/files/``: the page needs no file from the notebook's folder."""

    @allow_unauthenticated
    def get(self, path: str | None = None) -> None:
        raise web.HTTPError(404)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error_line(self, status_code, kwargs)


class PlotlyJsHandler(JupyterHandler):
    """plotly.js for the charts' frames (:mod:`kapot.server.charts`), behind the login; the
    name carries plotly's version, so browsers keep it a year and ask again only for a new
    plotly."""

    _body: bytes | None = None

    @web.authenticated
    def get(self, name: str) -> None:
        if name != plotly_js_name():
            raise web.HTTPError(404)
        if PlotlyJsHandler._body is None:
            PlotlyJsHandler._body = plotly_js_path().read_bytes()
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "private, max-age=31536000, immutable")
        self.finish(PlotlyJsHandler._body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error_line(self, status_code, kwargs)


class LabExtensionsHandler(FileFindHandler):
    """Voila's JupyterLab extensions (the widgets' scripts). A file whose name carries a
    content hash (``remoteEntry.c8c9eed2cdefdeac.js``, ``84.09c61a35dce1705f.js``) holds the
    same bytes for as long as the name exists, so the browser keeps it instead of asking again
    on every visit (Voila marks all of them ``no-cache``: 14 more requests through the server's
    loop a visit); any other file keeps Voila's ``no-cache``."""

    _HASHED = re.compile(r"\.[0-9a-f]{16,}\.js$")

    def set_headers(self) -> None:
        """Voila's headers, then a year's immutable caching for a hashed file name."""
        super().set_headers()
        if self._HASHED.search(self.request.path):
            self.set_header("Cache-Control", "private, max-age=31536000, immutable")
