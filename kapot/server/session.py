"""The served page's side of a login: who the visitor is, and errors that stay on the server.

``kapot serve`` (see :mod:`kapot.server.server`) checks the session cookie of every request and, for
the page's request, hands the kernel a short-lived statement "this request is <login>", signed
with a key only the server and its kernels hold (an environment variable of the server process,
inherited by the kernels it starts). The browser never sees that statement and any header of
that name a visitor sends is dropped, so nothing in the URL, the headers or a widget message
can make the kernel believe it serves someone else. The kernel then reads the account from the
warehouse's account store (role, manager, regions) and builds the page for that scope only.

Errors: a visitor sees one line and an error id in their language; the traceback goes to the
kernel's real stderr, which is the server's log.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import gc
import html
import logging
import os
import secrets
import sys
import time
from typing import TYPE_CHECKING

import ipywidgets as w

from kapot.errors import KapotError
from kapot.faces.worklists import WorklistStore, default_store_path
from kapot.i18n import get_lang, tr
from kapot.server.access import Scope
from kapot.server.auth import AccountStore, default_accounts_path
from kapot.server.login import verify_identity

if TYPE_CHECKING:
    from kapot.faces.calculator import Calculator

__all__ = [
    "IDENTITY_HEADER",
    "IDENTITY_ENV",
    "KEY_ENV",
    "SERVED_ENV",
    "log_error",
    "trim_memory",
    "warm_up",
    "visitor_scope",
    "open_page",
]

IDENTITY_HEADER = "X-Kapot-Identity"
IDENTITY_ENV = "HTTP_X_KAPOT_IDENTITY"  # how Voila hands that header to the kernel (RFC 3875)
KEY_ENV = "KAPOT_IDENTITY_KEY"
SERVED_ENV = "KAPOT_SERVED"

_log = logging.getLogger("kapot.page")


def _server_log() -> logging.Logger:
    if not _log.handlers:
        # sys.__stderr__: in a kernel sys.stderr goes to the browser; the real one to the log
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("[kapot %(asctime)s] %(message)s"))
        _log.addHandler(handler)
        _log.propagate = False
        _log.setLevel(logging.INFO)
    return _log


def trim_memory() -> None:
    """Hand the heap freed by loading back to the system (glibc's malloc_trim): a kernel keeps
    what it uses, not the peak of reading the warehouse. Elsewhere, nothing happens."""
    name = ctypes.util.find_library("c")
    if not name or not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def warm_up(calculator: Calculator | None, db: str | os.PathLike[str] | None = None) -> float:
    """In a kernel of ``kapot serve``, build the page once for nobody before the visitor
    arrives: the modules a visit needs are imported (the spreadsheet writer, the page's
    widgets) and the code paths run once, so that the visitor's own page costs only its
    query and widgets. The throwaway widgets are closed and the heap trimmed.

    Parameters
    ----------
    calculator : kapot.faces.calculator.Calculator or None
        The scores the kernel preloaded (:func:`kapot.faces.page.preload`); None: no warm-up.
    db : str or os.PathLike, optional
        The warehouse; default ``KAPOT_DB`` or ``data/kapot.duckdb``.

    Returns
    -------
    float
        The seconds it took; 0 outside the server (a notebook or papermill run needs no
        warm-up). A failure is logged, not raised: the visitor's page will show it.
    """
    if os.environ.get(SERVED_ENV) != "1" or calculator is None:
        return 0.0
    # kapot.faces.page imports this module (log_error, trim_memory): an import cycle
    from kapot.faces.page import calculator_page

    t0 = time.perf_counter()
    try:
        # an analyst's scope: every row, moves nothing; the page is never displayed
        calculator_page(db=db, calculator=calculator, scope=Scope("warm-up", "analyst"))
    except Exception:  # the visitor's own page will show (and log) whatever this hit
        _server_log().warning("warm-up failed", exc_info=True)
    finally:
        w.Widget.close_all()
        gc.collect()
        trim_memory()
    return time.perf_counter() - t0


def log_error(lang: str | None = None, exc_info: bool = True) -> str:
    """Log the exception being handled with a fresh error id, to the server's log.

    Parameters
    ----------
    lang : str, optional
        The visitor's language (``"en"``, ``"ru"``); default the current one.
    exc_info : bool, default True
        Log the traceback with it.

    Returns
    -------
    str
        The visitor's one line, with the error id and no detail of the error.
    """
    error_id = secrets.token_hex(4)
    _server_log().error("error %s", error_id, exc_info=exc_info)
    return tr("server.error_line", get_lang(lang), id=error_id)


def visitor_scope(db: str | os.PathLike[str] | None = None) -> Scope | None:
    """The logged-in visitor's scope, in a kernel of ``kapot serve``.

    The login comes only from the identity the server signed (:mod:`kapot.server.login`),
    the account from the warehouse's account store, and the manager's pipeline is added.

    Parameters
    ----------
    db : str or os.PathLike, optional
        The warehouse, beside which the accounts and the pipeline live.

    Returns
    -------
    kapot.server.access.Scope or None
        None outside the server (a notebook or papermill run: the user holds the warehouse
        file).

    Raises
    ------
    KapotError
        "Not signed in", when served without a valid signed identity or with an unknown or
        disabled account.
    """
    if os.environ.get(SERVED_ENV) != "1":
        return None
    key = os.environ.get(KEY_ENV, "").encode()
    login = verify_identity(os.environ.get(IDENTITY_ENV, ""), key)
    if login is None:
        raise KapotError(tr("access.not_signed_in"))
    if os.environ.get("KAPOT_OPEN_ACCESS") == "1" and login == "anonymous":
        return Scope(login, "head")  # kapot serve --insecure-no-login: as before accounts
    account = AccountStore(default_accounts_path(db)).get(login)
    if account is None or account.disabled:
        raise KapotError(tr("access.not_signed_in"))
    store = WorklistStore(default_store_path(db))
    return Scope.for_account(account).with_work(store, at=dt.datetime.now())


def open_page(
    *,
    db: str | None = None,
    as_of: str | dt.date | None = None,
    lang: str = "en",
    manager: str | None = None,
    regions: list[str] | None = None,
    categories: list[str] | None = None,
    query_string: str | None = None,
    calculator: Calculator | None = None,
) -> w.Widget:
    """The widget the notebook shows: the visitor's page, or one line saying why not (not
    signed in, a bad preset link, an error whose traceback went to the server's log).

    Parameters
    ----------
    db : str, optional
        The warehouse; default ``KAPOT_DB`` or ``data/kapot.duckdb``.
    as_of : str or datetime.date, optional
        The scores' date (``YYYY-MM-DD``); default the latest scored.
    lang : {"en", "ru"}, default "en"
        The page's language (a preset link may change it).
    manager : str, optional
        The manager preselected for the pipeline.
    regions, categories : list of str, optional
        The regions and the categories we can supply, preselected; empty: all.
    query_string : str, optional
        The page URL's query string (a preset link), read over the other parameters.
    calculator : kapot.faces.calculator.Calculator, optional
        The scores already loaded for ``as_of`` (:func:`kapot.faces.page.preload`).

    Returns
    -------
    ipywidgets.Widget
        The page for the visitor's scope, or an HTML line (class ``kapot-message``).
    """
    # kapot.faces.page imports this module (log_error, trim_memory): an import cycle
    from kapot.faces.page import calculator_page, page_params

    shown_lang = lang
    try:
        shown_lang = page_params({"lang": lang}, query_string)["lang"]
        shown_lang = get_lang(shown_lang)
    except KapotError:
        shown_lang = get_lang(lang)
    t0 = time.perf_counter()
    try:
        scope = visitor_scope(db)
        t1 = time.perf_counter()
        page = calculator_page(
            db=db,
            as_of=as_of,
            lang=lang,
            manager=manager,
            regions=regions,
            categories=categories,
            query_string=query_string,
            calculator=calculator,
            scope=scope,
        )
        trim_memory()
        _server_log().info(
            "page for %s: scope %.2f s, page %.2f s",
            scope.login if scope is not None else "-",
            t1 - t0,
            time.perf_counter() - t1,
        )
        return page.widget
    except KapotError as exc:
        text = str(exc)
    except ValueError:  # a malformed preset value (a date that is no date)
        text = tr("server.bad_link", shown_lang) + " " + log_error(shown_lang)
    except Exception:
        text = log_error(shown_lang)
    box = w.HTML(f'<div class="kapot-error">{html.escape(text)}</div>')
    box.add_class("kapot-message")
    return box
