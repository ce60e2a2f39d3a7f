"""Accounts of the team server: logins, roles and password hashes (the login's throttle and
the signed identity a served kernel receives are :mod:`kapot.server.login`'s).

Accounts belong to a warehouse: they live in ``accounts.sqlite`` beside it (as the pipeline's
``worklists.sqlite`` does), so ``kapot users --db X`` and ``kapot serve --db X`` see the same
people. Passwords are hashed with Argon2id (argon2-cffi, the maintained binding of the Password
Hashing Competition winner); neither the password nor the hash is ever printed or logged, and
the file is created readable by its owner only.

A role says what an account may do (see :mod:`kapot.server.access`): a ``manager`` sees and moves only
their own clients (and unassigned prospects in their regions), a ``head`` of sales sees all and
reassigns, an ``analyst`` reads all and moves nothing, an ``admin`` does everything, including
writing in the pipeline on someone else's behalf from the command line.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kapot.config import default_db_path
from kapot.errors import KapotError
from kapot.i18n import tr

__all__ = [
    "ROLES",
    "Account",
    "AccountStore",
    "check_account",
    "check_login",
    "default_accounts_path",
    "os_user",
]

ROLES = ("manager", "head", "analyst", "admin")
MIN_PASSWORD = 8
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def _sql(name: str) -> str:
    """The account store's statement ``kapot/sql/accounts/<name>.sql`` (SQLite, values bound
    by name), read through the project's one SQL runner."""
    return sql_text(f"accounts/{name}")


def sql_text(name: str) -> str:
    """The text of the account store's query file ``kapot/sql/<name>.sql``.

    Parameters
    ----------
    name : str
        The file's path under ``kapot/sql/`` without ``.sql`` (``accounts/get``).

    Returns
    -------
    str
        The SQL (SQLite, values bound by name).
    """
    # the server process imports this module and no DuckDB, which the runner imports:
    # 11.6 MB and 0.06 s of CPU more in the server (measured after kapot.server.server)
    from kapot.runner import sql

    return sql(name)


def _hasher():
    return PasswordHasher()  # Argon2id, the library's current recommended parameters


@dataclass(frozen=True)
class Account:
    """One login (never its password or hash).

    Parameters
    ----------
    login : str
        Letters, digits and ``._@-``, at most 64 characters.
    role : {"manager", "head", "analyst", "admin"}
        What the account may do (:mod:`kapot.server.access`).
    manager : str, optional
        The name in the warehouse's ``clients.manager`` column a manager account stands for.
    regions : tuple of str, optional
        The regions whose unassigned prospects a manager sees (default: their clients').
    disabled : bool, default False
        A disabled account cannot log in, and its sessions end.
    """

    login: str
    role: str
    manager: str | None = None
    regions: tuple[str, ...] = ()
    disabled: bool = False


def default_accounts_path(db: str | os.PathLike[str] | None = None) -> Path:
    """Where a warehouse's accounts live.

    Parameters
    ----------
    db : str or os.PathLike, optional
        The warehouse; default ``KAPOT_DB`` or ``data/kapot.duckdb``.

    Returns
    -------
    pathlib.Path
        ``KAPOT_ACCOUNTS`` if set, else ``accounts.sqlite`` beside the warehouse.
    """
    env = os.environ.get("KAPOT_ACCOUNTS")
    if env:
        return Path(env)
    return (Path(db) if db else default_db_path()).with_name("accounts.sqlite")


def os_user() -> str:
    """The operating-system user running this process (from the uid, not from ``$USER``,
    which anyone can set).

    Returns
    -------
    str
        The user name; ``uid<N>`` for a uid without one.
    """
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid{os.getuid()}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class AccountStore:
    """The accounts of one warehouse (SQLite, created with mode 0600 on the first change).

    Parameters
    ----------
    path : str or os.PathLike, optional
        The SQLite file; default :func:`default_accounts_path` of the default warehouse.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_accounts_path()

    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        if write and not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        # timeout: SQLite's busy timeout (30 s) while another process writes
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            if write:
                con.executescript(sql_text("accounts_schema"))
            yield con
        finally:
            con.close()

    def _exists(self) -> bool:
        if not self.path.exists():
            return False
        with self._connect() as con:
            return bool(con.execute(_sql("has_table")).fetchone()[0])

    # ------------------------------------------------------------------ changes
    def add(
        self,
        login: str,
        password: str,
        *,
        role: str,
        manager: str | None = None,
        regions: tuple[str, ...] | list[str] = (),
    ) -> Account:
        """Create an account; only the password's Argon2id hash is stored.

        Parameters
        ----------
        login, password : str
            A new login (see :class:`Account`); a password of 8 characters or more, one line.
        role : {"manager", "head", "analyst", "admin"}
        manager : str, optional
            The name in the data a manager account stands for; needed for ``manager``.
        regions : tuple or list of str, optional
            Where a manager sees unassigned prospects; blanks are dropped.

        Returns
        -------
        Account

        Raises
        ------
        KapotError
            For a bad field or password (:func:`check_account`), or a login that exists.
        """
        regions = check_account(login, role, manager, regions)
        _check_password(password)
        digest = _hasher().hash(password)
        with self._connect(write=True) as con:
            try:
                con.execute(
                    _sql("insert"),
                    {
                        "login": login,
                        "role": role,
                        "manager": manager or None,
                        "regions": "|".join(regions),
                        "pw_hash": digest,
                        "now": _now(),
                    },
                )
            except sqlite3.IntegrityError:
                raise KapotError(tr("auth.exists", login=login)) from None
        return Account(login, role, manager or None, regions)

    def set_password(self, login: str, password: str) -> None:
        """Replace an account's password (KapotError: a bad password or an unknown login).

        Parameters
        ----------
        login, password : str
            The account; the new password, 8 characters or more, one line.
        """
        _check_password(password)
        digest = _hasher().hash(password)
        with self._connect(write=True) as con:
            cur = con.execute(
                _sql("set_password"), {"pw_hash": digest, "now": _now(), "login": login}
            )
            if cur.rowcount == 0:
                raise KapotError(tr("auth.unknown", login=login))

    def set_disabled(self, login: str, disabled: bool = True) -> None:
        """Disable (or enable again) an account; a disabled account's sessions end at once.

        Parameters
        ----------
        login : str
            The account (KapotError if unknown).
        disabled : bool, default True
            False enables it again.
        """
        with self._connect(write=True) as con:
            cur = con.execute(
                _sql("set_disabled"), {"disabled": int(disabled), "now": _now(), "login": login}
            )
            if cur.rowcount == 0:
                raise KapotError(tr("auth.unknown", login=login))

    # ------------------------------------------------------------------ reading
    def get(self, login: str) -> Account | None:
        """The account of ``login``, or None (unknown login).

        Returns
        -------
        Account or None
        """
        if not isinstance(login, str) or not self._exists():
            return None
        with self._connect() as con:
            row = con.execute(_sql("get"), {"login": login}).fetchone()
        if row is None:
            return None
        return Account(
            row[0], row[1], row[2], tuple(x for x in row[3].split("|") if x), row[4] != 0
        )

    def list(self) -> pd.DataFrame:
        """Every account, for ``kapot users list``.

        Returns
        -------
        pandas.DataFrame
            Columns ``login``, ``role``, ``manager``, ``regions`` (comma-separated),
            ``disabled``, ``created_at``, ``changed_at`` (never the hash).
        """
        cols = ["login", "role", "manager", "regions", "disabled", "created_at", "changed_at"]
        if not self._exists():
            return pd.DataFrame(columns=cols)
        with self._connect() as con:
            df = pd.read_sql_query(_sql("list"), con)[cols]
        df["regions"] = df["regions"].str.replace("|", ", ", regex=False)
        df["disabled"] = df["disabled"].astype(bool)
        return df

    def active_count(self) -> int:
        """How many accounts can log in.

        Returns
        -------
        int
            Accounts not disabled (0 without a store).
        """
        if not self._exists():
            return 0
        with self._connect() as con:
            return int(con.execute(_sql("active_count")).fetchone()[0])

    def verify(self, login: str, password: str) -> Account | None:
        """Check a password. An unknown login costs the same hash work as a known one (no
        timing hint of who exists); a hash made with older parameters is renewed.

        Parameters
        ----------
        login, password : str
            What the visitor typed.

        Returns
        -------
        Account or None
            The account if ``password`` is right and the account enabled, else None.
        """
        row = None
        if isinstance(login, str) and self._exists():
            with self._connect() as con:
                row = con.execute(_sql("get_hash"), {"login": login}).fetchone()
        ph = _hasher()
        digest = row[0] if row else _dummy_hash()
        try:
            ok = ph.verify(digest, password or "")
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None or row[1]:
            return None
        if ph.check_needs_rehash(digest):
            with self._connect(write=True) as con:
                con.execute(_sql("rehash"), {"pw_hash": ph.hash(password), "login": login})
        return self.get(login)


def check_account(
    login: str, role: str, manager: str | None, regions: tuple[str, ...] | list[str] = ()
) -> tuple[str, ...]:
    """Check an account's fields before anything is asked or stored.

    Parameters
    ----------
    login : str
        Letters, digits and ``._@-``, at most 64 characters.
    role : {"manager", "head", "analyst", "admin"}
    manager : str or None
        Needed for a ``manager``; no line break or ``|``.
    regions : tuple or list of str, optional
        No line break or ``|`` in a region.

    Returns
    -------
    tuple of str
        The regions, trimmed, blanks dropped.

    Raises
    ------
    KapotError
        Naming the field at fault.
    """
    check_login(login)
    if role not in ROLES:
        raise KapotError(tr("auth.bad_role", role=role, roles=", ".join(ROLES)))
    if role == "manager" and not manager:
        raise KapotError(tr("auth.manager_needed", login=login))
    cleaned = tuple(r.strip() for r in regions if r and r.strip())
    for r in cleaned + ((manager,) if manager else ()):
        if "\n" in r or "|" in r:
            raise KapotError(tr("auth.bad_region", region=r))
    return cleaned


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_hasher().hash(secrets.token_hex(16)))
    return _DUMMY[0]


def check_login(login: str) -> None:
    """Refuse a login that is not letters, digits and ``._@-`` (at most 64, not starting with
    a sign): it is written into tokens and logs.

    Parameters
    ----------
    login : str

    Raises
    ------
    KapotError
        Quoting the login (its first 80 characters).
    """
    if not isinstance(login, str) or not _LOGIN.match(login):
        raise KapotError(tr("auth.bad_login", login=str(login)[:80]))


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise KapotError(tr("auth.short_password", n=MIN_PASSWORD))
    if "\n" in password or "\r" in password:
        raise KapotError(tr("auth.bad_password"))
