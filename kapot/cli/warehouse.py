"""Commands on the warehouse and its accounts: ``kapot ingest``, ``unload``, ``demo``, ``status``, ``currency``, ``users``."""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import sys
import time

from kapot.cli.output import emit
from kapot.cli.parser import last_day_of_previous_month
from kapot.cli.profiles import run_pipeline
from kapot.config import default_db_path
from kapot.errors import KapotError
from kapot.i18n import fmt_money, get_lang, tr

# imports inside functions: the library, imported by each command when it runs; at the top
# `import kapot.cli` would take 2.2 s of CPU and 211 MB, not 0.08 s and 12 MB (kapot.cli's docstring)

__all__ = ["COMMANDS"]


def _cmd_ingest(args: argparse.Namespace) -> None:
    from kapot.faces.status import load_lines
    from kapot.store.ingest import ingest

    report = ingest(
        args.sales,
        clients=args.clients,
        products=args.products,
        invoices=args.invoices,
        categories=args.categories,
        mapping=args.mapping,
        db=args.db,
        strict=args.strict,
        mixed_encoding=args.mixed_encoding,
        currency=args.currency,
    )
    for line in load_lines(report):
        print(line)
    print(tr("ingest.done", path=report.db, load_id=report.load_id))


def _cmd_unload(args: argparse.Namespace) -> None:
    from kapot.store.ingest import unload

    report = unload(args.load_id, db=args.db)
    print(
        tr(
            "unload.done",
            unloaded=report.unloaded,
            lines=f"{report.sales_removed:,}",
            path=report.db,
            load_id=report.load_id,
        )
    )


def _cmd_demo(args: argparse.Namespace) -> None:
    from kapot.faces.status import load_lines
    from kapot.store.ingest import ingest
    from kapot.store.synth import SynthConfig, generate

    end = args.end or last_day_of_previous_month(dt.date.today())
    t0 = time.perf_counter()
    data = generate(
        SynthConfig(
            n_clients=args.clients, years=args.years, seed=args.seed, end=end, lang=get_lang()
        )
    )
    print(
        tr(
            "cli.demo_generated",
            lines=f"{len(data.sales):,}",
            clients=f"{len(data.clients):,}",
            prospects=f"{int(data.truth['prospect'].sum()):,}",
            seconds=f"{time.perf_counter() - t0:.1f}",
        )
    )
    report = ingest(
        data.sales,
        clients=data.clients,
        products=data.products,
        invoices=data.invoices,
        db=args.db,
        replace=True,
        currency="RUB" if get_lang() == "ru" else None,  # the Russian demo trades in roubles
    )
    for line in load_lines(report):
        print(line)
    as_of = end + dt.timedelta(days=1)
    run_pipeline(as_of, args.db, score=True, horizon_days=90)
    _demo_pipeline(as_of, args.db, args.seed)
    _cmd_status(args)
    _demo_account(args.db)


def _demo_account(db) -> None:
    """A head-of-sales login for the demo page, with a fresh random password each demo (the
    demo data are new as well); printed once, stored only as a hash."""
    from kapot.server.auth import AccountStore, default_accounts_path

    store = AccountStore(default_accounts_path(db))
    password = secrets.token_urlsafe(9)
    if store.get("demo") is None:
        store.add("demo", password, role="head")
    else:
        store.set_password("demo", password)
        store.set_disabled("demo", False)
    print(tr("users.demo_account", login="demo", password=password))


def _demo_pipeline(as_of: dt.date, db, seed: int) -> None:
    """Ten weeks of managers' pipeline work on the demo data, unless a store exists already
    (a demo never overwrites someone's working lists)."""
    from kapot.faces.calculator import Calculator
    from kapot.faces.worklists import WorklistStore, default_store_path
    from kapot.store.synth import simulate_pipeline

    path = default_store_path(db)
    if path.exists():
        print(tr("cli.demo_pipeline_kept", path=str(path)))
        return
    moves = simulate_pipeline(WorklistStore(path), Calculator.load(db, as_of), as_of, seed=seed)
    print(tr("cli.demo_pipeline", moves=f"{moves:,}", path=str(path)))


def _cmd_currency(args: argparse.Namespace) -> None:
    from kapot.faces.status import describe_currency
    from kapot.store.currency import change_currency, read_currency
    from kapot.store.warehouse import Warehouse

    wh = Warehouse(args.db)
    if args.code:
        old, new = change_currency(args.code, db=args.db)
        example = fmt_money(1234567.89, currency=new)
        print(tr("currency.changed", path=str(wh.path), old=old or "-", new=new, example=example))
        return
    with wh.read() as con:
        print(describe_currency(*read_currency(con)))


def _cmd_status(args: argparse.Namespace) -> None:
    from kapot.faces.status import warehouse_summary

    for line in warehouse_summary(args.db):
        print(line)


def _read_password(args: argparse.Namespace) -> str:
    if not args.password_stdin:
        raise KapotError(tr("auth.password_stdin_needed"))
    line = sys.stdin.readline()
    if not line:
        raise KapotError(tr("auth.no_password"))
    return line.rstrip("\r\n")


def _known_managers(db) -> list[str] | None:
    """The managers named in the warehouse's clients, or None if there is no warehouse yet."""
    from kapot import runner
    from kapot.store.warehouse import Warehouse

    wh = Warehouse(db)
    if not wh.exists():
        return None
    with wh.read() as con:
        rows = runner.execute(con, "store/managers")
    return [r[0] for r in rows]


def _cmd_users(args: argparse.Namespace) -> None:
    from kapot.server.auth import AccountStore, default_accounts_path

    path = default_accounts_path(args.db)
    store = AccountStore(path)
    if args.action == "add":
        from kapot.server.auth import check_account

        check_account(args.login, args.role, args.manager, args.region)
        if args.manager is not None:
            known = _known_managers(args.db)
            if known is not None and args.manager not in known:
                raise KapotError(
                    tr(
                        "auth.unknown_manager",
                        manager=args.manager,
                        path=str(args.db or default_db_path()),
                        known=", ".join(known[:20]),
                    )
                )
        password = _read_password(args)
        acc = store.add(
            args.login, password, role=args.role, manager=args.manager, regions=args.region
        )
        print(tr("users.added", login=acc.login, role=acc.role, path=str(path)))
    elif args.action == "list":
        df = store.list()
        if df.empty:
            print(tr("users.none", path=str(path)))
        else:
            emit(df, "table", None)
    elif args.action in ("disable", "enable"):
        store.set_disabled(args.login, args.action == "disable")
        print(tr(f"users.{args.action}d", login=args.login))
    else:
        store.set_password(args.login, _read_password(args))
        print(tr("users.changed", login=args.login))


# the commands this module runs, by name (kapot.cli.main dispatches on them)
COMMANDS = {
    "ingest": _cmd_ingest,
    "unload": _cmd_unload,
    "demo": _cmd_demo,
    "status": _cmd_status,
    "currency": _cmd_currency,
    "users": _cmd_users,
}
