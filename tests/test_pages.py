"""kapot.server.pages: the server's plain pages in the visitor's language, and an error as one
line with an id for the visitor while the traceback goes to the server's log. The handlers of
the files the page may load are tested through the real server (test_server.py)."""

import logging
import sys
from unittest import mock

from tornado import httputil, web

from kapot.server.pages import error_line, page_html, visitor_lang


def _handler(uri: str = "/", headers: dict | None = None) -> web.RequestHandler:
    conn = mock.Mock()
    conn.set_close_callback = lambda cb: None
    request = httputil.HTTPServerRequest(
        method="GET",
        uri=uri,
        headers=httputil.HTTPHeaders({"Host": "127.0.0.1", **(headers or {})}),
        connection=conn,
        start_line=httputil.RequestStartLine("GET", uri, "HTTP/1.1"),
    )
    handler = web.RequestHandler(web.Application(), request)
    handler.finish = mock.Mock()  # what the visitor would get, kept for the test
    return handler


def test_the_language_comes_from_the_url_then_the_browser_then_the_server():
    assert visitor_lang(_handler("/?lang=ru")) == "ru"
    assert visitor_lang(_handler("/"), url="/?lang=ru") == "ru"
    assert visitor_lang(_handler("/", {"Accept-Language": "de-DE,ru;q=0.8"})) == "ru"
    assert visitor_lang(_handler("/?lang=xx", {"Accept-Language": "fr"})) in ("en", "ru")


def test_a_plain_page_escapes_its_title():
    page = page_html("ru", "<script>alert(1)</script>", "<p>body</p>")
    assert '<html lang="ru">' in page and "<p>body</p>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_an_error_shows_one_line_and_an_id_and_logs_the_traceback(caplog):
    handler = _handler("/?lang=en")
    try:
        raise ValueError("secret detail /etc/passwd")
    except ValueError:
        exc_info = sys.exc_info()
    with caplog.at_level(logging.ERROR, logger="kapot.server"):
        error_line(handler, 500, {"exc_info": exc_info})
    shown = handler.finish.call_args.args[0]
    assert "secret detail" not in shown and "Traceback" not in shown
    logged = caplog.records[-1]
    error_id = logged.args[0]
    assert error_id in shown and logged.exc_info[1].args == ("secret detail /etc/passwd",)


def test_a_client_error_shows_its_status_without_an_id(caplog):
    handler = _handler("/?lang=en")
    with caplog.at_level(logging.ERROR, logger="kapot.server"):
        error_line(handler, 404, {})
    assert "404" in handler.finish.call_args.args[0] and not caplog.records
