"""The team server: Voila 0.5 with kapot's logins, a capacity limit and errors kept inside.

``kapot serve`` runs ``python -m kapot.server.server NOTEBOOK ...``: Voila's own application with

* :class:`KapotIdentityProvider`, a subclass of jupyter_server's ``IdentityProvider``. Voila
  0.5 runs on jupyter_server 2, whose handlers (the page, the kernels' REST and websocket
  channels, Voila's kernel shutdown) all ask the identity provider who the request is, in
  ``JupyterHandler.prepare``; so one class in front of everything gives the login page, the
  session cookie, its expiry and the trusted-proxy mode, with no change to Voila. The
  alternatives were worse: ``PasswordIdentityProvider`` knows one shared password and no
  users; a reverse proxy alone cannot tell the kernel who the visitor is; a tornado
  ``get_current_user`` override is deprecated in jupyter_server 2.
* the signed identity for the kernel (:mod:`kapot.server.session`): for every authenticated request
  the provider drops any ``X-Kapot-Identity`` header the visitor sent and sets its own, signed
  with the server's key; Voila passes that header to the kernel in the request info
  (``VoilaConfiguration.http_header_envs``), never to the browser.
* handlers replaced: ``/voila/files/`` serves nothing (the page needs no file), the request-info
  websocket only talks to kernels on this machine, the page answers "busy, try again in a
  minute" beyond ``max_sessions`` kernels in use, errors show one line and an error id, and
  the widgets' scripts with a content hash in their name are cached by the browser.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import json
import logging
import math
import os
import secrets
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.base.handlers import FileFindHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Bool, Float, Int, List, Type, Unicode
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.handler import TornadoVoilaHandler

from kapot.i18n import tr
from kapot.server import pool  # noqa: F401  (caps the kernels: patches Voila's factory)
from kapot.server.auth import Account, AccountStore, default_accounts_path
from kapot.server.charts import PLOTLY_JS_ROUTE
from kapot.server.login import LoginThrottle, sign_identity
from kapot.server.pages import (
    LabExtensionsHandler,
    NoFilesHandler,
    PlotlyJsHandler,
    error_line,
    page_html,
    visitor_lang,
)
from kapot.server.session import IDENTITY_HEADER, KEY_ENV, SERVED_ENV

if TYPE_CHECKING:
    from jupyter_server.serverapp import ServerApp

__all__ = ["KapotIdentityProvider", "KapotVoila", "main", "OPEN_ENV", "ANONYMOUS"]

OPEN_ENV = "KAPOT_OPEN_ACCESS"
ANONYMOUS = "anonymous"
_log = logging.getLogger("kapot.server")


# ---------------------------------------------------------------------- login and logout
def _safe_next(value: str | None, base_url: str) -> str:
    """Only a path on this server (no scheme, no host, no //, no backslash)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return base_url
    parsed = urlparse(value)
    if parsed.scheme or parsed.netloc:
        return base_url
    return value


class KapotLoginHandler(JupyterHandler):
    """The login page: fields ``username`` and ``password``; wrong passwords are slowed down."""

    def _form(self, *, error: str = "", status: int = 200) -> None:
        nxt = _safe_next(self.get_argument("next", None), self.base_url)
        lang = visitor_lang(self, nxt)
        t = lambda key, **kw: tr(f"login.{key}", lang, **kw)  # noqa: E731
        err = f'<div class="kapot-login-error">{html.escape(error)}</div>' if error else ""
        body = (
            f"<h1>{html.escape(t('title'))}</h1>{err}"
            f'<form method="post" action="{html.escape(self.base_url)}login" class="kapot-login">'
            f"{self.xsrf_form_html()}"
            f'<input type="hidden" name="next" value="{html.escape(nxt)}">'
            f'<label for="username">{html.escape(t("username"))}</label>'
            f'<input type="text" id="username" name="username" autocomplete="username" autofocus required>'
            f'<label for="password">{html.escape(t("password"))}</label>'
            f'<input type="password" id="password" name="password" autocomplete="current-password" required>'
            f'<button type="submit">{html.escape(t("submit"))}</button></form>'
        )
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page_html(lang, t("title"), body))

    @allow_unauthenticated
    def get(self) -> None:
        if self.current_user and not self.get_argument("expired", None):
            self.redirect(_safe_next(self.get_argument("next", None), self.base_url))
            return
        self._form()

    @allow_unauthenticated
    async def post(self) -> None:
        provider: KapotIdentityProvider = self.identity_provider  # type: ignore[assignment]
        login = self.get_argument("username", "").strip()[:128]
        password = self.get_argument("password", "")[:1024]
        address = provider.client_address(self)
        lang = visitor_lang(self, self.get_argument("next", None))
        wait = provider.throttle.wait_seconds(login, address)
        if wait > 0:
            _log.warning("login of %r from %s refused: throttled for %.0f s", login, address, wait)
            self._form(error=tr("login.slow_down", lang, seconds=math.ceil(wait)), status=429)
            return
        loop = asyncio.get_running_loop()
        # the hash check takes tens of milliseconds: off the event loop, so pages keep flowing
        account = await loop.run_in_executor(None, provider.store().verify, login, password)
        if account is None:
            provider.throttle.failed(login, address)
            _log.warning("failed login for %r from %s", login, address)
            self._form(error=tr("login.wrong", lang), status=401)
            return
        provider.throttle.succeeded(login, address)
        _log.info("login of %s (%s) from %s", account.login, account.role, address)
        provider.set_login_cookie(self, User(username=account.login, name=account.login))
        self.redirect(_safe_next(self.get_argument("next", None), self.base_url))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error_line(self, status_code, kwargs)


class KapotLogoutHandler(JupyterHandler):
    """Logging out: the session cookie is cleared and the visitor sent to the login page."""

    @allow_unauthenticated
    def get(self) -> None:
        self.identity_provider.clear_login_cookie(self)
        self.redirect(self.base_url + "login")


# ---------------------------------------------------------------------- identity provider
class KapotIdentityProvider(IdentityProvider):
    """Accounts from the warehouse's account store; sessions in a signed cookie that expires
    ``session_minutes`` after login; optionally the login from a header set by a reverse proxy
    at one of ``trusted_proxies`` (never from anyone else).

    Parameters
    ----------
    **kwargs
        jupyter_server's configuration of an identity provider (Voila's
        ``login_handler_class`` is dropped: ours has user names).
    """

    accounts_path = Unicode("", config=True, help="accounts.sqlite (default: beside KAPOT_DB)")
    session_minutes = Float(480.0, config=True, help="minutes a login stays valid")
    trusted_proxy_header = Unicode(
        "", config=True, help="header carrying the login, set by the reverse proxy (SSO)"
    )
    trusted_proxies = List(
        Unicode(), config=True, help="addresses or networks of the reverse proxies"
    )
    open_access = Bool(False, config=True, help="no login at all (kapot serve --insecure-no-login)")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("login_handler_class", None)  # Voila passes its own; ours has user names
        super().__init__(**kwargs)
        self.throttle = LoginThrottle()
        self._key = os.environ.get(KEY_ENV, "").encode()
        # accounts read on every request, kept while the accounts file is unchanged: two SQLite
        # connections a request were 9 % of the server's main thread in a burst of 30 visits
        self._accounts: dict[str, Account | None] = {}
        self._accounts_stamp: tuple | None = None
        self._store: AccountStore | None = None

    def store(self) -> AccountStore:
        """The account store (``accounts_path``, default beside ``KAPOT_DB``), read afresh.

        Returns
        -------
        AccountStore
        """
        path = Path(self.accounts_path or default_accounts_path())
        if self._store is None or self._store.path != path:
            self._store = AccountStore(path)
        return self._store

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    @property
    def logout_available(self) -> bool:
        return True

    def get_handlers(self) -> list:
        return [(r"/login", KapotLoginHandler), (r"/logout", KapotLogoutHandler)]

    def validate_security(self, app: ServerApp, ssl_options: dict | None = None) -> None:
        if self.open_access:
            _log.warning("NO LOGIN: every visitor can see and move every client")

    # ---- the session cookie: login and the time of login, signed by tornado
    def set_login_cookie(self, handler: web.RequestHandler, user: User) -> None:
        self.cookie_options = {
            **self.cookie_options,
            "expires_days": self.session_minutes / 1440.0,
            "samesite": "Lax",
        }
        super().set_login_cookie(handler, user)

    def user_to_cookie(self, user: User) -> str:
        return json.dumps({"u": user.username, "t": int(time.time())})

    def user_from_cookie(self, cookie_value: str) -> User | None:
        data = json.loads(cookie_value)
        if time.time() - float(data["t"]) > self.session_minutes * 60:
            return None  # expired: back to the login page
        return self._account_user(str(data["u"]))

    def _account(self, login: str) -> Account | None:
        """The account of ``login`` as the accounts file holds it now: read again whenever the
        file changed (a disabled account or a new password takes effect at the next request)."""
        store = self.store()
        try:  # SQLite's file change counter (bytes 24-27), bumped by every committed write in
            # its rollback-journal mode, which the store uses; the file's times may be coarser
            with open(store.path, "rb") as f:
                head = f.read(28)
                st = os.fstat(f.fileno())  # the file just read, not a second lookup of the path
            stamp = (
                (st.st_ino, st.st_mtime_ns, st.st_size, head[24:28]) if len(head) == 28 else None
            )
        except OSError:
            stamp = None
        if stamp is None or stamp != self._accounts_stamp:
            self._accounts = {}
            self._accounts_stamp = stamp
        if stamp is None or login not in self._accounts:
            account = store.get(login)
            if stamp is None:
                return account
            self._accounts[login] = account
        return self._accounts[login]

    def _account_user(self, login: str) -> User | None:
        account = self._account(login)
        if account is None or account.disabled:
            return None
        return User(username=account.login, name=account.login, display_name=account.login)

    def _from_trusted_proxy(self, handler: web.RequestHandler) -> bool:
        try:
            peer = ipaddress.ip_address(handler.request.remote_ip or "")
        except ValueError:
            return False
        for net in self.trusted_proxies:
            try:
                if peer in ipaddress.ip_network(net, strict=False):
                    return True
            except ValueError:
                continue
        return False

    def client_address(self, handler: web.RequestHandler) -> str:
        """The visitor's address, as the login throttle counts it.

        Parameters
        ----------
        handler : tornado.web.RequestHandler
            The request's handler.

        Returns
        -------
        str
            X-Real-IP (at most 64 characters) when the request comes from a trusted proxy,
            else the peer's address (``"?"`` if unknown).
        """
        real = handler.request.headers.get("X-Real-IP", "").strip()
        if real and self._from_trusted_proxy(handler):
            return real[:64]
        return handler.request.remote_ip or "?"

    def _from_proxy(self, handler: web.RequestHandler) -> User | None:
        if not self.trusted_proxy_header or not self.trusted_proxies:
            return None
        value = handler.request.headers.get(self.trusted_proxy_header)
        if not value:
            return None
        if self._from_trusted_proxy(handler):
            return self._account_user(value.strip())
        _log.warning(
            "ignored %s from %s: not a trusted proxy",
            self.trusted_proxy_header,
            handler.request.remote_ip,
        )
        return None

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        if getattr(handler, "_jupyter_current_user", None):
            return handler._jupyter_current_user  # type: ignore[attr-defined]
        # whatever a visitor sends under our header is dropped before anything reads it
        if IDENTITY_HEADER in handler.request.headers:
            del handler.request.headers[IDENTITY_HEADER]
        if self.open_access:
            user: User | None = User(username=ANONYMOUS, name=ANONYMOUS)
        else:
            user = self._from_proxy(handler)
            if user is None:
                user = self.get_user_cookie(handler)
                if user is None and handler.get_cookie(self.get_cookie_name(handler)):
                    self.clear_login_cookie(handler)
        if user is not None and self._key:
            handler.request.headers[IDENTITY_HEADER] = sign_identity(user.username, self._key)
        return user


# ---------------------------------------------------------------------- Voila handlers
class KapotPageHandler(TornadoVoilaHandler):
    """The page, behind the login; "busy" beyond the configured number of kernels in use."""

    async def get(self, path: str | None = None) -> None:
        if self.current_user is not None and path in (None, ""):
            limit = self.settings.get("kapot_max_sessions", 0)
            km = self.kernel_manager
            try:
                pool = km.get_pool_size(self.notebook_path)
            except AttributeError:
                pool = 0
            in_use = len(km.list_kernel_ids()) - pool
            if limit and pool == 0 and in_use >= limit:
                lang = visitor_lang(self)
                _log.warning("busy: %d kernels in use, limit %d", in_use, limit)
                self.set_status(503)
                self.set_header("Retry-After", "60")
                self.set_header("Content-Type", "text/html; charset=utf-8")
                text = tr("server.busy", lang)
                self.finish(
                    page_html(
                        lang,
                        text,
                        f'<div class="kapot-busy">{html.escape(text)}</div>',
                        extra='<meta http-equiv="refresh" content="60">',
                    )
                )
                return
        await super().get(path)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error_line(self, status_code, kwargs)


class LocalRequestInfoHandler(RequestInfoSocketHandler):
    """Voila's request-info websocket, for the kernels on this machine only."""

    def open(self, kernel_id: str) -> None:
        try:
            local = ipaddress.ip_address(self.request.remote_ip or "").is_loopback
        except ValueError:
            local = False
        if not local or self.request.headers.get("X-Forwarded-For"):
            self.close(code=1008)
            return
        super().open(kernel_id)


class KapotVoila(Voila):
    """Voila with kapot's identity provider and handlers."""

    name = "kapot-voila"
    max_sessions = Int(40, config=True, help="kernels in use before visitors are told 'busy'")
    identity_provider_class = Type(
        default_value=KapotIdentityProvider, klass=IdentityProvider, config=True
    )

    def initialize(self, argv: list[str] | None = None) -> None:
        """Voila's initialisation, then the app's logger at the configured level.

        Parameters
        ----------
        argv : list of str, optional
            The command line.
        """
        super().initialize(argv)
        # traitlets keeps the app's logger at DEBUG and filters in its handler, so each debug
        # call (nbclient and the kernel manager log every kernel message) built a record for
        # nothing: 8 % of the server's main thread in a burst of 30 visits
        if self.log_level > logging.DEBUG:
            self.log.setLevel(self.log_level)

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["kapot_max_sessions"] = self.max_sessions
        return settings

    def init_handlers(self) -> list:
        handlers = []
        for item in super().init_handlers():
            pattern, cls = item[0], item[1]
            rest = list(item[2:])
            if cls is TornadoVoilaHandler:
                cls = KapotPageHandler
            elif cls is RequestInfoSocketHandler:
                cls = LocalRequestInfoHandler
            elif cls is FileFindHandler and pattern.endswith("/voila/labextensions/(.*)"):
                cls = LabExtensionsHandler
            elif pattern.endswith("/voila/files/(.*)"):
                cls, rest = NoFilesHandler, []
            handlers.append((pattern, cls, *rest))
        route = url_path_join(self.server_url, PLOTLY_JS_ROUTE, r"([^/]+)")
        return [(route, PlotlyJsHandler), *handlers]


def main(argv: list[str] | None = None) -> None:
    """Run the server (``kapot serve`` builds the command line).

    Parameters
    ----------
    argv : list of str, optional
        Voila's command line; default ``sys.argv``'s.
    """
    os.environ[SERVED_ENV] = "1"
    # kapot's page template (kapot/templates/jupyter/voila/templates/kapot_page), found by
    # Voila in the Jupyter data path
    here = os.path.join(os.path.dirname(os.path.dirname(__file__)), "templates", "jupyter")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [here, *filter(None, [os.environ.get("JUPYTER_PATH")])]
    )
    os.environ[KEY_ENV] = secrets.token_hex(32)  # a new key each start; kernels inherit it
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[kapot %(asctime)s %(levelname)s] %(message)s"))
    for name in ("kapot.server", "kapot.page"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
    KapotVoila.launch_instance(argv)


if __name__ == "__main__":
    main()
