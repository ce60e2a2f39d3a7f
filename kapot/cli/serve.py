"""Commands that serve or render the faces: ``kapot serve`` (Voila with logins), ``kapot calculators``, ``kapot report``."""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import socket
import struct
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from kapot.config import PROJECT_ROOT, default_db_path
from kapot.errors import KapotError
from kapot.i18n import get_lang, tr

# imports inside functions: the library, imported by each command when it runs; at the top
# `import kapot.cli` would take 2.2 s of CPU and 211 MB, not 0.08 s and 12 MB (kapot.cli's docstring)

__all__ = ["COMMANDS", "serve_command"]


# seconds Voila's executor waits for a cell's outputs once the kernel has replied
IOPUB_TIMEOUT_S = 120


def serve_command(
    port: int = 8866,
    *,
    ip: str = "127.0.0.1",
    pool_size: int = 2,
    max_sessions: int = 40,
    cull_idle_minutes: float = 20.0,
    session_minutes: float = 480.0,
    trusted_proxy_header: str = "",
    trusted_proxies: Sequence[str] = (),
    open_access: bool = False,
    behind_tls: bool = False,
) -> list[str]:
    """The command line that serves the calculator: Voila with kapot's logins
    (:mod:`kapot.server.server`). Kernels are preheated (the query string and the signed identity are
    read in the kernel with voila.utils.get_query_string, which Voila 0.5 allows with
    preheating, unlike its papermill-style prelaunch hook); idle kernels are culled after
    ``cull_idle_minutes``; beyond ``max_sessions`` kernels in use visitors are told "busy".

    Parameters
    ----------
    port : int, default 8866
        The TCP port.
    ip : str, default "127.0.0.1"
        The address to listen on (``0.0.0.0`` for every interface).
    pool_size : int, default 2
        Preheated kernels kept ready.
    max_sessions : int, default 40
        Kernels in use before visitors are told "busy" (the kernel cap is the larger of this
        and ``pool_size``).
    cull_idle_minutes : float, default 20.0
        Shut a page's kernel down after this many idle minutes, connected or not; 0 never.
    session_minutes : float, default 480.0
        Minutes a login stays valid.
    trusted_proxy_header : str, default ""
        A header carrying the login, set by a reverse proxy (single sign-on); ignored
        unless ``trusted_proxies`` is given.
    trusted_proxies : sequence of str, default ()
        Addresses or networks of the reverse proxies whose header is trusted.
    open_access : bool, default False
        No login at all (``--insecure-no-login``): every visitor sees every client.
    behind_tls : bool, default False
        Visitors come over HTTPS through a proxy: session cookies marked secure.

    Returns
    -------
    list of str
        The command line (this Python running :mod:`kapot.server.server` on
        ``notebooks/potential_calculator.ipynb``), for ``os.execv`` or ``subprocess``.
    """
    from kapot.server.charts import DENIED_EXTENSIONS, PAGE_TEMPLATE
    from kapot.server.session import IDENTITY_HEADER

    notebook = PROJECT_ROOT / "notebooks" / "potential_calculator.ipynb"
    cmd = [
        sys.executable,
        "-m",
        "kapot.server.server",
        str(notebook),
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--no-browser",
        f"--template={PAGE_TEMPLATE}",
        "--preheat_kernel=True",
        f"--pool_size={pool_size}",
        "--show_tracebacks=False",
        # nbclient waits 4 s for a cell's outputs after its reply, then drops them: in a burst
        # of visitors the page cell's widget was dropped and the page stayed blank (issue 12)
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}",
        "--VoilaConfiguration.file_allowlist=[]",
        f"--VoilaConfiguration.http_header_envs={json.dumps([IDENTITY_HEADER])}",
        # the page's first screen needs neither plotly's extension nor code highlighting
        f"--VoilaConfiguration.extension_denylist={json.dumps(list(DENIED_EXTENSIONS))}",
        f"--KapotVoila.max_sessions={max_sessions}",
        f"--KapotKernelManager.max_kernels={max(max_sessions, pool_size)}",
        f"--MappingKernelManager.cull_idle_timeout={max(int(cull_idle_minutes * 60), 0)}",
        f"--MappingKernelManager.cull_interval={max(min(int(cull_idle_minutes * 60) // 4, 60), 5)}",
        "--MappingKernelManager.cull_connected=True",
        f"--KapotIdentityProvider.session_minutes={session_minutes}",
    ]
    if trusted_proxies:
        cmd.append(f"--KapotIdentityProvider.trusted_proxies={json.dumps(list(trusted_proxies))}")
    if trusted_proxy_header and trusted_proxies:
        cmd.append(f"--KapotIdentityProvider.trusted_proxy_header={trusted_proxy_header}")
    if behind_tls:
        cmd.append("--KapotIdentityProvider.secure_cookie=True")
    if open_access:
        cmd.append("--KapotIdentityProvider.open_access=True")
    return cmd


def _server_urls(ip: str, port: int) -> list[str]:
    """The addresses visitors type: for a wildcard, this machine's name and the IPv4 address of
    each of its interfaces (read from the interfaces, no traffic sent)."""
    if ip not in ("0.0.0.0", "", "::"):
        host = f"[{ip}]" if ":" in ip else ip
        return [f"http://{host}:{port}/"]
    names = []
    for name in (socket.getfqdn(), socket.gethostname()):
        if name and name != "localhost" and not name.startswith("localhost."):
            names.append(name)
    for _, iface in socket.if_nameindex():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", iface.encode()[:15]))
            except OSError:  # no IPv4 address on this interface
                continue
        address = socket.inet_ntoa(packed[20:24])
        if not address.startswith("127."):
            names.append(address)
    return [f"http://{n}:{port}/" for n in dict.fromkeys(names)] or [f"http://{ip}:{port}/"]


def _cmd_serve(args: argparse.Namespace) -> None:
    from kapot.server.auth import AccountStore, default_accounts_path

    db = Path(args.db).resolve() if args.db else default_db_path().resolve()
    # the kernels run in notebooks/: hand them absolute paths, whatever the shell's directory
    os.environ["KAPOT_DB"] = str(db)
    accounts = default_accounts_path(db).resolve()
    os.environ["KAPOT_ACCOUNTS"] = str(accounts)
    if getattr(args, "lang", None):
        os.environ["KAPOT_LANG"] = args.lang
    if args.trusted_proxy_header and not args.trusted_proxy:
        raise KapotError(tr("serve.proxy_needs_address"))
    if args.insecure_no_login:
        os.environ["KAPOT_OPEN_ACCESS"] = "1"
        for _ in range(3):
            print(tr("serve.no_login_warning", ip=args.ip), file=sys.stderr, flush=True)
    elif AccountStore(accounts).active_count() == 0:
        raise KapotError(tr("serve.no_accounts", path=str(accounts), ip=args.ip))
    if Path(db).exists():
        from kapot.faces.calculator import Calculator

        try:  # publish the shared score snapshot once, before the pool's kernels all want it
            Calculator.load(db)
        except KapotError:
            pass  # not scored yet: the page says so
    cmd = serve_command(
        args.port,
        ip=args.ip,
        pool_size=args.pool_size,
        max_sessions=args.max_sessions,
        cull_idle_minutes=args.cull_idle_minutes,
        session_minutes=args.session_minutes,
        trusted_proxy_header=args.trusted_proxy_header,
        trusted_proxies=args.trusted_proxy,
        open_access=args.insecure_no_login,
        behind_tls=args.behind_tls,
    )
    print(tr("cli.serving", url=" ".join(_server_urls(args.ip, args.port))), flush=True)
    os.execv(cmd[0], cmd)


def _cmd_calculators(args: argparse.Namespace) -> None:
    from kapot.faces.presets import render_calculators

    out = args.out or PROJECT_ROOT / "reports" / "calculators"
    paths = render_calculators(args.by, db=args.db, out=out, lang=get_lang(), execute=args.execute)
    print(
        tr(
            "presets.written",
            count=len(paths),
            path=str(out),
            example=str(paths[0]) if paths else "",
        )
    )


def _cmd_report(args: argparse.Namespace) -> None:
    from kapot.faces.weekly import needed_runs, render_report, resolve_week
    from kapot.pipeline import run_plan

    t0 = time.perf_counter()
    week = resolve_week(args.week, args.db)
    if not args.no_build:
        done = run_plan(needed_runs(week, db=args.db), db=args.db, progress=sys.stderr.isatty())
        if done:
            print(tr("report.prepared", steps=", ".join(done)), flush=True)
    paths = render_report(
        week,
        db=args.db,
        region=args.region,
        manager=args.manager,
        out=args.out or PROJECT_ROOT / "reports",
        lang=get_lang(),
        progress=sys.stderr.isatty(),
    )
    print(
        tr(
            "report.written",
            week=week,
            html=str(paths["html"]),
            notebook=str(paths["notebook"]),
            seconds=f"{time.perf_counter() - t0:.1f}",
        )
    )


# the commands this module runs, by name (kapot.cli.main dispatches on them)
COMMANDS = {
    "serve": _cmd_serve,
    "calculators": _cmd_calculators,
    "report": _cmd_report,
}
