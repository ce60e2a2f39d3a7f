"""Accounts: hashing, roles, disabling, the CLI (the throttle and the kernel's signed identity:
test_login)."""

import io
import os
import stat
import sys

import pytest

from kapot import KapotError
from kapot.cli import main
from kapot.server.auth import AccountStore, default_accounts_path


@pytest.fixture
def store(tmp_path) -> AccountStore:
    return AccountStore(tmp_path / "accounts.sqlite")


def test_accounts_are_hashed_and_verified(store):
    store.add("petrova", "correct horse", role="manager", manager="Petrova", regions=["Moscow"])
    raw = store.path.read_bytes()
    assert b"correct horse" not in raw and b"$argon2id$" in raw
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    acc = store.verify("petrova", "correct horse")
    assert acc is not None and (acc.role, acc.manager, acc.regions) == (
        "manager",
        "Petrova",
        ("Moscow",),
    )
    assert store.verify("petrova", "wrong horse") is None
    assert store.verify("nobody", "correct horse") is None
    assert "pw_hash" not in store.list().columns
    store.set_password("petrova", "battery staple")
    assert store.verify("petrova", "correct horse") is None
    assert store.verify("petrova", "battery staple") is not None
    store.set_disabled("petrova")
    assert store.verify("petrova", "battery staple") is None
    assert store.get("petrova").disabled and store.active_count() == 0


@pytest.mark.parametrize(
    ("login", "kwargs", "match"),
    [
        ("a b", {"role": "head"}, "not allowed"),
        ("<script>", {"role": "head"}, "not allowed"),
        ("ivan", {"role": "boss"}, "unknown role"),
        ("ivan", {"role": "manager"}, "--manager"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_stored(store, login, kwargs, match):
    with pytest.raises(KapotError, match=match):
        store.add(login, "long enough", **kwargs)
    assert store.list().empty


def test_short_password_and_duplicate_login(store):
    with pytest.raises(KapotError, match="shorter than 8"):
        store.add("ivan", "short", role="head")
    store.add("ivan", "long enough", role="head")
    with pytest.raises(KapotError, match="exists already"):
        store.add("ivan", "another one", role="analyst")
    assert store.get("ivan").role == "head"


def test_users_cli_reads_the_password_from_stdin(tmp_path, monkeypatch, capsys):
    db = tmp_path / "w.duckdb"
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret-pass\n"))
    assert (
        main(["users", "add", "anna", "--role", "head", "--db", str(db), "--password-stdin"]) == 0
    )
    out = capsys.readouterr().out
    assert "anna" in out and "s3cret-pass" not in out
    store = AccountStore(default_accounts_path(db))
    assert store.verify("anna", "s3cret-pass") is not None
    # no --password-stdin: refused, the password never goes on the command line
    assert main(["users", "add", "bob", "--role", "head", "--db", str(db)]) == 2
    assert "--password-stdin" in capsys.readouterr().err
    assert main(["users", "list", "--db", str(db)]) == 0
    listing = capsys.readouterr().out
    assert "anna" in listing and "argon2" not in listing
    assert main(["users", "disable", "anna", "--db", str(db)]) == 0
    assert store.verify("anna", "s3cret-pass") is None
    assert main(["users", "disable", "ghost", "--db", str(db)]) == 2


def test_users_cli_checks_the_manager_against_the_warehouse(tmp_path, monkeypatch, capsys):
    from kapot.store.ingest import ingest
    from kapot.store.synth import SynthConfig, generate

    db = tmp_path / "w.duckdb"
    d = generate(SynthConfig(n_clients=60, seed=3))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    real = sorted(d.clients["manager"].unique())[0]
    monkeypatch.setattr(sys, "stdin", io.StringIO("long enough\n"))
    args = ["users", "add", "x1", "--role", "manager", "--db", str(db), "--password-stdin"]
    assert main([*args, "--manager", "Nobody Such"]) == 2
    assert "Nobody Such" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("long enough\n"))
    assert main([*args, "--manager", real]) == 0
    assert AccountStore(default_accounts_path(db)).get("x1").manager == real


def test_serve_refuses_a_network_address_without_accounts(tmp_path, monkeypatch, capsys):
    # kapot serve sets these for the server it execs: restore them after the test
    for var in ("KAPOT_ACCOUNTS", "KAPOT_OPEN_ACCESS", "KAPOT_LANG"):
        monkeypatch.setenv(var, "")
    seen = {}
    monkeypatch.setattr(os, "execv", lambda path, argv: seen.update(argv=argv))
    db = str(tmp_path / "w.duckdb")
    assert main(["serve", "--db", db, "--ip", "0.0.0.0", "--port", "8999"]) == 2
    assert "no accounts" in capsys.readouterr().err and not seen
    # the explicit override starts, loudly, and without logins
    assert main(["serve", "--db", db, "--ip", "0.0.0.0", "--insecure-no-login"]) == 0
    captured = capsys.readouterr()
    assert (
        captured.err.count("WARNING") == 3
        and "--KapotIdentityProvider.open_access=True" in (seen["argv"])
    )
    # with an account: the real address is printed, not "localhost"
    AccountStore(default_accounts_path(db)).add("boss", "long enough", role="head")
    assert main(["serve", "--db", db, "--ip", "0.0.0.0", "--port", "8999"]) == 0
    out = capsys.readouterr().out
    assert "localhost" not in out and ":8999/" in out
    assert "--KapotIdentityProvider.open_access=True" not in seen["argv"]
    # a trusted-proxy header needs the proxy's address
    assert main(["serve", "--db", db, "--trusted-proxy-header", "X-Remote-User"]) == 2


def test_trusted_proxy_header_is_believed_only_from_the_proxy(tmp_path):
    from types import SimpleNamespace

    from tornado.httputil import HTTPHeaders

    from kapot.server.server import KapotIdentityProvider

    store = AccountStore(tmp_path / "accounts.sqlite")
    store.add("anna", "long enough", role="head")
    store.add("gone", "long enough", role="head")
    store.set_disabled("gone")
    idp = KapotIdentityProvider(
        accounts_path=str(store.path),
        trusted_proxy_header="X-Remote-User",
        trusted_proxies=["10.0.0.5", "fd00::/64"],
    )

    def handler(ip: str, login: str = "anna"):
        headers = HTTPHeaders({"X-Remote-User": login, "X-Real-IP": "198.51.100.7"})
        return SimpleNamespace(request=SimpleNamespace(remote_ip=ip, headers=headers))

    assert idp._from_proxy(handler("10.0.0.5")).username == "anna"
    assert idp._from_proxy(handler("fd00::9")).username == "anna"
    assert idp._from_proxy(handler("10.0.0.6")) is None  # anyone else: the header is ignored
    assert idp._from_proxy(handler("10.0.0.5", "nobody")) is None
    assert idp._from_proxy(handler("10.0.0.5", "gone")) is None
    assert idp.client_address(handler("10.0.0.5")) == "198.51.100.7"
    assert idp.client_address(handler("10.0.0.6")) == "10.0.0.6"
