"""Logging in to the team server safely: the throttle on repeated wrong passwords, and the
signed identity the server hands a served kernel once it has checked the session.

Both live in the server's process and hold no account data: the accounts themselves (logins,
roles, password hashes) are :mod:`kapot.server.auth`'s.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

from kapot.server.auth import check_login

__all__ = ["LoginThrottle", "sign_identity", "verify_identity"]


class LoginThrottle:
    """Slows down repeated wrong passwords, per login and per client address.

    After ``free`` failures of a login (``free_address`` from one address: an office behind
    one NAT shares it) within ``window`` seconds, each further attempt must wait
    ``base * 2**k`` seconds (at most ``cap``) after the last failure, ``k`` counting the
    failures past the free ones. In memory: one server process, reset on restart.

    Parameters
    ----------
    free : int, default 3
        Failures of one login (from any address) before attempts are slowed.
    free_address : int, default 20
        Failures from one address (of any login) before attempts are slowed.
    base : float, default 2.0
        The first wait, in seconds; it doubles with each further failure.
    cap : float, default 300.0
        The longest wait, in seconds.
    window : float, default 900.0
        Seconds after the last failure when a login's or address's count starts again.
    """

    def __init__(
        self,
        *,
        free: int = 3,
        free_address: int = 20,
        base: float = 2.0,
        cap: float = 300.0,
        window: float = 900.0,
    ) -> None:
        self.free, self.free_address = free, free_address
        self.base, self.cap, self.window = base, cap, window
        self._fails: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def _keys(self, login: str, address: str) -> tuple[str, str]:
        return (f"login:{login.lower()}", f"addr:{address}")

    def wait_seconds(self, login: str, address: str, now: float | None = None) -> float:
        """Seconds before another attempt is accepted (0: go ahead).

        Parameters
        ----------
        login : str
            The login tried (case does not matter).
        address : str
            The client's address.
        now : float, optional
            ``time.monotonic()`` seconds; default now.

        Returns
        -------
        float
            The longer of the login's and the address's waits; 0 when neither is slowed.
        """
        now = time.monotonic() if now is None else now
        wait = 0.0
        with self._lock:
            for key in self._keys(login, address):
                n, last = self._fails.get(key, (0, 0.0))
                if now - last > self.window:
                    continue
                free = self.free if key.startswith("login:") else self.free_address
                if n >= free:
                    delay = min(self.base * 2 ** (n - free), self.cap)
                    wait = max(wait, last + delay - now)
        return max(wait, 0.0)

    def failed(self, login: str, address: str, now: float | None = None) -> None:
        """Count a wrong password for the login and for the address.

        Parameters
        ----------
        login : str
            The login tried.
        address : str
            The client's address.
        now : float, optional
            ``time.monotonic()`` seconds; default now.
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in self._keys(login, address):
                n, last = self._fails.get(key, (0, 0.0))
                self._fails[key] = (1 if now - last > self.window else n + 1, now)

    def succeeded(self, login: str, address: str) -> None:
        """Forget the login's failures after a right password (the address's stay counted).

        Parameters
        ----------
        login : str
            The login that logged in.
        address : str
            The client's address.
        """
        with self._lock:
            self._fails.pop(self._keys(login, address)[0], None)


def sign_identity(login: str, key: bytes, *, at: float | None = None) -> str:
    """A short-lived signed statement "this request is ``login``", made by the server after it
    checked the session, handed to the kernel in the request info (never to the browser).

    Parameters
    ----------
    login : str
        The logged-in account's login.
    key : bytes
        The server's secret, shared with its kernels only.
    at : float, optional
        The time stamped on it, in Unix seconds; default now.

    Returns
    -------
    str
        ``login|stamp|nonce|mac``, the mac an HMAC-SHA256 of the rest.

    Raises
    ------
    KapotError
        If ``login`` is not a valid login.
    """
    check_login(login)
    stamp = str(int(time.time() if at is None else at))
    nonce = secrets.token_hex(8)
    body = f"{login}|{stamp}|{nonce}"
    mac = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    return f"{body}|{mac}"


def verify_identity(
    token: str, key: bytes, *, max_age: float = 300.0, now: float | None = None
) -> str | None:
    """The login in a token made by :func:`sign_identity` with the same key.

    Parameters
    ----------
    token : str
        The token the kernel received (empty: none).
    key : bytes
        The server's secret (empty: none, so no token is valid).
    max_age : float, default 300.0
        Seconds a token stays valid (30 seconds of clock skew into the future are allowed).
    now : float, optional
        Unix seconds; default now.

    Returns
    -------
    str or None
        The login; None if the token is missing, forged or older than ``max_age``.
    """
    if not token or not key:
        return None
    parts = token.split("|")
    if len(parts) != 4:
        return None
    login, stamp, nonce, mac = parts
    want = hmac.new(key, f"{login}|{stamp}|{nonce}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, mac):
        return None
    try:
        age = (time.time() if now is None else now) - int(stamp)
    except ValueError:
        return None
    if not -30 <= age <= max_age:
        return None
    return login
