"""kapot.cli.serve: ``kapot serve`` (Voila with logins), ``kapot calculators`` and ``kapot
report``: the command lines and checks before the server is started."""

import os
import sys

import pytest

from kapot.cli import main
from kapot.cli.serve import IOPUB_TIMEOUT_S, _server_urls, serve_command
from kapot.server.auth import AccountStore


@pytest.fixture
def execv(tmp_path, monkeypatch):
    """No server is started: what ``kapot serve`` would exec, and the environment it set."""
    monkeypatch.chdir(tmp_path)
    # kapot serve sets these for the server it execs: restore them after the test
    for var in ("KAPOT_ACCOUNTS", "KAPOT_OPEN_ACCESS", "KAPOT_LANG"):
        monkeypatch.setenv(var, "")
    seen = {}
    monkeypatch.setattr(
        os, "execv", lambda path, argv: seen.update(db=os.environ["KAPOT_DB"], argv=argv)
    )
    return seen


def test_serve_hands_kernels_an_absolute_warehouse_path(tmp_path, execv):
    seen = execv
    AccountStore(tmp_path / "data" / "accounts.sqlite").add("boss", "long enough", role="head")
    assert main(["serve", "--db", "data/kapot.duckdb", "--port", "8999"]) == 0
    assert seen["db"] == str(tmp_path / "data" / "kapot.duckdb")
    assert "--port=8999" in seen["argv"] and serve_command(8999)[2] == "kapot.server.server"


def test_the_command_line_carries_the_options():
    cmd = serve_command(
        9000,
        ip="0.0.0.0",
        pool_size=50,
        max_sessions=30,
        cull_idle_minutes=10,
        trusted_proxy_header="X-Remote-User",
        trusted_proxies=("127.0.0.1",),
        behind_tls=True,
    )
    assert cmd[:3] == [sys.executable, "-m", "kapot.server.server"]
    assert cmd[3].endswith("notebooks/potential_calculator.ipynb") and os.path.isabs(cmd[3])
    for arg in (
        "--port=9000",
        "--Voila.ip=0.0.0.0",
        "--pool_size=50",
        "--KapotKernelManager.max_kernels=50",  # the larger of the pool and the sessions
        "--KapotVoila.max_sessions=30",
        "--MappingKernelManager.cull_idle_timeout=600",
        "--MappingKernelManager.cull_interval=60",
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}",
        '--KapotIdentityProvider.trusted_proxies=["127.0.0.1"]',
        "--KapotIdentityProvider.trusted_proxy_header=X-Remote-User",
        "--KapotIdentityProvider.secure_cookie=True",
        '--VoilaConfiguration.http_header_envs=["X-Kapot-Identity"]',
    ):
        assert arg in cmd, arg
    assert "--KapotIdentityProvider.open_access=True" not in cmd


def test_a_proxy_header_without_a_trusted_proxy_is_ignored_and_open_access_is_explicit():
    cmd = serve_command(trusted_proxy_header="X-Remote-User")
    assert not any("trusted_proxy" in a for a in cmd)
    assert "--KapotIdentityProvider.open_access=True" in serve_command(open_access=True)
    never = serve_command(cull_idle_minutes=0)
    assert "--MappingKernelManager.cull_idle_timeout=0" in never


def test_the_addresses_visitors_type():
    assert _server_urls("127.0.0.1", 8866) == ["http://127.0.0.1:8866/"]
    assert _server_urls("::1", 8866) == ["http://[::1]:8866/"]
    wild = _server_urls("0.0.0.0", 8866)
    assert wild and all(u.startswith("http://") and u.endswith(":8866/") for u in wild)
    assert not any("127." in u or "localhost" in u for u in wild[1:])


def test_serve_refuses_without_accounts_and_a_proxy_header_without_a_proxy(tmp_path, execv, capsys):
    assert main(["serve", "--db", "w.duckdb"]) == 2
    err = capsys.readouterr().err
    assert "no accounts in" in err and "kapot users add" in err
    assert not execv  # nothing started
    AccountStore(tmp_path / "accounts.sqlite").add("boss", "long enough", role="head")
    assert main(["serve", "--db", "w.duckdb", "--trusted-proxy-header", "X-Remote-User"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs --trusted-proxy" in err[0] and not execv


def test_serve_without_logins_warns_and_says_so_to_the_server(execv, capsys):
    assert main(["serve", "--db", "w.duckdb", "--insecure-no-login"]) == 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 3  # the warning, three times
    assert os.environ["KAPOT_OPEN_ACCESS"] == "1"
    assert "--KapotIdentityProvider.open_access=True" in execv["argv"]
