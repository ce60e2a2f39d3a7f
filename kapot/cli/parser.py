"""The command line's argument parser: every command, its options and their help texts in the language in force."""

from __future__ import annotations

import argparse
import datetime as dt

from kapot import __version__
from kapot.i18n import tr

__all__ = ["last_day_of_previous_month", "build_parser"]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("cli.bad_date_arg", value=value)) from None


def last_day_of_previous_month(today: dt.date) -> dt.date:
    """The last day of the month before ``today``'s (a demo history ends there).

    Parameters
    ----------
    today : datetime.date
        Any day; passed in, never read from the clock here.

    Returns
    -------
    datetime.date
        E.g. 2026-10-31 for any day of November 2026.
    """
    return today.replace(day=1) - dt.timedelta(days=1)


def _add_find_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--category", action="append", default=[], help=tr("cli.category_help"))
    p.add_argument("--sku", action="append", default=[], help=tr("cli.sku_help"))
    p.add_argument("--region", action="append", default=[], help=tr("cli.region_help"))
    p.add_argument(
        "--manager", dest="manager_filter", action="append", default=[], help=tr("cli.manager_help")
    )
    p.add_argument("--pays-on-time", action="store_true", help=tr("cli.pays_on_time_help"))
    p.add_argument("--peak-month", default=None, help=tr("cli.peak_month_help"))
    p.add_argument(
        "--exclude-off-assortment", action="store_true", help=tr("cli.off_assortment_help")
    )
    p.add_argument("--new-buyers-only", action="store_true", help=tr("cli.new_buyers_help"))
    p.add_argument(
        "--who", choices=["existing", "prospects", "all"], default="all", help=tr("cli.who_help")
    )
    p.add_argument("--size-tier", action="append", default=[], help=tr("cli.size_tier_help"))
    p.add_argument("--segment", action="append", default=[], help=tr("cli.segment_help"))
    p.add_argument("--min-expected-value", type=float, default=0.0, help=tr("cli.min_value_help"))


def _add_output(
    p: argparse.ArgumentParser,
    formats: tuple[str, ...] = ("csv", "json", "table", "xlsx"),
    *,
    output: bool = True,
) -> None:
    """``--format`` (one of ``formats``, a terminal table by default) and ``--output FILE``."""
    p.add_argument("--format", choices=list(formats), default="table", help=tr("build.format_help"))
    if output:
        p.add_argument("--output", metavar="FILE", help=tr("build.output_help"))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with help texts in the language in force.

    Returns
    -------
    argparse.ArgumentParser
        ``kapot`` with ``--lang``, ``--db`` and ``--version`` and one sub-command per command
        (its name in ``args.command``, dispatched by :func:`kapot.cli.main`); dates are
        parsed as ISO ``YYYY-MM-DD``.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=["en", "ru"], help=tr("cli.lang_help"))
    common.add_argument("--db", help=tr("cli.db_help"))

    parser = argparse.ArgumentParser(
        prog="kapot", description=tr("cli.description"), parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"kapot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "ingest", parents=[common], help=tr("cli.ingest_help"), description=tr("cli.ingest_help")
    )
    p.add_argument("--sales", metavar="FILE", help=tr("cli.sales_help"))
    p.add_argument("--clients", metavar="FILE", help=tr("cli.clients_help"))
    p.add_argument("--products", metavar="FILE", help=tr("cli.products_help"))
    p.add_argument("--invoices", metavar="FILE", help=tr("cli.invoices_help"))
    p.add_argument("--categories", metavar="FILE", help=tr("cli.categories_help"))
    p.add_argument("--mapping", metavar="TOML", help=tr("cli.mapping_help"))
    p.add_argument("--strict", action="store_true", help=tr("cli.strict_help"))
    p.add_argument("--mixed-encoding", action="store_true", help=tr("encoding.mixed_help"))
    p.add_argument("--currency", metavar="CODE", help=tr("currency.ingest_help"))

    p = sub.add_parser(
        "unload", parents=[common], help=tr("unload.help"), description=tr("unload.help")
    )
    p.add_argument("load_id", type=int, metavar="LOAD_ID", help=tr("unload.load_id_help"))

    p = sub.add_parser(
        "demo", parents=[common], help=tr("cli.demo_help"), description=tr("cli.demo_help")
    )
    p.add_argument("--clients", type=int, default=3000, help=tr("cli.clients_n_help"))
    p.add_argument("--years", type=int, default=3, help=tr("cli.years_help"))
    p.add_argument("--seed", type=int, default=42, help=tr("cli.seed_help"))
    p.add_argument("--end", type=_date, default=None, help=tr("cli.end_help"))

    sub.add_parser(
        "status", parents=[common], help=tr("cli.status_help"), description=tr("cli.status_help")
    )

    p = sub.add_parser(
        "build", parents=[common], help=tr("build.help"), description=tr("build.help")
    )
    p.add_argument("--as-of", type=_date, required=True, help=tr("build.as_of_help"))

    for name, help_key in (
        ("seasonality", "build.seasonality_help"),
        ("segments", "build.segments_help"),
        ("who-buys", "segments.who_buys_help"),
    ):
        p = sub.add_parser(name, parents=[common], help=tr(help_key), description=tr(help_key))
        p.add_argument("--as-of", type=_date, default=None, help=tr("build.as_of_help"))
        _add_output(p, ("csv", "json", "table"))
        if name == "who-buys":
            item = p.add_mutually_exclusive_group(required=True)
            item.add_argument("--category", help=tr("segments.category_help"))
            item.add_argument("--sku", help=tr("segments.sku_help"))

    p = sub.add_parser(
        "score", parents=[common], help=tr("cli.score_help"), description=tr("cli.score_help")
    )
    p.add_argument("--as-of", type=_date, required=True, help=tr("build.as_of_help"))
    p.add_argument("--horizon-days", type=int, default=90, help=tr("cli.horizon_help"))

    p = sub.add_parser(
        "find", parents=[common], help=tr("cli.find_help"), description=tr("cli.find_help")
    )
    p.add_argument("--as-of", type=_date, default=None, help=tr("build.as_of_help"))
    _add_find_filters(p)
    p.add_argument("--horizon-days", type=int, default=None, help=tr("cli.horizon_help"))
    p.add_argument("--limit", type=int, default=50, help=tr("cli.limit_help"))
    _add_output(p)

    p = sub.add_parser(
        "similar", parents=[common], help=tr("cli.similar_help"), description=tr("cli.similar_help")
    )
    p.add_argument("client_id", nargs="?", help=tr("cli.client_help"))
    p.add_argument("--segment", default=None, help=tr("cli.like_segment_help"))
    p.add_argument("--limit", type=int, default=20, help=tr("cli.limit_help"))
    _add_output(p)

    p = sub.add_parser(
        "worklist", parents=[common], help=tr("worklist.help"), description=tr("worklist.help")
    )
    wl = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    w = wl.add_parser("create", parents=[common], help=tr("cli.wl_create_help"))
    w.add_argument(
        "--for", dest="owner", required=True, metavar="MANAGER", help=tr("cli.wl_owner_help")
    )
    w.add_argument("--size", type=int, default=None, help=tr("cli.wl_size_help"))
    w.add_argument("--author", default=None, help=tr("cli.wl_author_help"))
    w.add_argument("--as-of", type=_date, default=None, help=tr("build.as_of_help"))
    w.add_argument("--new-manager", action="store_true", help=tr("filters.new_manager_help"))
    _add_find_filters(w)
    w = wl.add_parser("show", parents=[common], help=tr("cli.wl_show_help"))
    w.add_argument(
        "--for", dest="owner", default=None, metavar="MANAGER", help=tr("cli.wl_owner_help")
    )
    w.add_argument("--max-deal-days", type=int, default=30, help=tr("cli.wl_deal_days_help"))
    _add_output(w, ("csv", "json", "table"), output=False)
    w = wl.add_parser("move", parents=[common], help=tr("cli.wl_move_help"))
    w.add_argument("client_id", help=tr("cli.client_help"))
    w.add_argument("--to", required=True, help=tr("cli.wl_to_help"))
    w.add_argument("--reason", default=None, help=tr("cli.wl_reason_help"))
    w.add_argument("--recall-date", type=_date, default=None, help=tr("cli.wl_recall_help"))
    w.add_argument("--expect", default=None, help=tr("cli.wl_expect_help"))
    w.add_argument("--author", default=None, help=tr("cli.wl_author_help"))

    p = sub.add_parser(
        "calculators", parents=[common], help=tr("presets.help"), description=tr("presets.help")
    )
    p.add_argument("--by", choices=["manager", "region"], required=True, help=tr("presets.by_help"))
    p.add_argument("--out", default=None, help=tr("presets.out_help"))
    p.add_argument("--execute", action="store_true", help=tr("presets.execute_help"))

    p = sub.add_parser(
        "report", parents=[common], help=tr("report.help"), description=tr("report.help")
    )
    p.add_argument("--week", default=None, help=tr("report.week_help"))
    p.add_argument("--region", default=None, help=tr("report.region_help"))
    p.add_argument("--manager", default=None, help=tr("report.manager_help"))
    p.add_argument("--out", default=None, help=tr("report.out_help"))
    p.add_argument("--no-build", action="store_true", help=tr("report.no_build_help"))

    p = sub.add_parser(
        "serve", parents=[common], help=tr("cli.serve_help"), description=tr("cli.serve_help")
    )
    p.add_argument("--port", type=int, default=8866, help=tr("cli.port_help"))
    p.add_argument("--ip", default="127.0.0.1", help=tr("cli.ip_help"))
    p.add_argument("--pool-size", type=int, default=2, help=tr("cli.pool_help"))
    # ---- the team server (issue 12)
    p.add_argument("--max-sessions", type=int, default=40, help=tr("serve.max_sessions_help"))
    p.add_argument("--cull-idle-minutes", type=float, default=20.0, help=tr("serve.cull_help"))
    p.add_argument("--session-minutes", type=float, default=480.0, help=tr("serve.session_help"))
    p.add_argument("--trusted-proxy-header", default="", help=tr("serve.proxy_header_help"))
    p.add_argument("--trusted-proxy", action="append", default=[], help=tr("serve.proxy_help"))
    p.add_argument("--insecure-no-login", action="store_true", help=tr("serve.no_login_help"))
    p.add_argument("--behind-tls", action="store_true", help=tr("serve.tls_help"))

    # ---- accounts of the team server (issue 12)
    p = sub.add_parser(
        "users", parents=[common], help=tr("users.help"), description=tr("users.help")
    )
    us = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    u = us.add_parser("add", parents=[common], help=tr("users.add_help"))
    u.add_argument("login", help=tr("users.login_help"))
    u.add_argument("--role", required=True, help=tr("users.role_help"))
    u.add_argument("--manager", default=None, help=tr("users.manager_help"))
    u.add_argument("--region", action="append", default=[], help=tr("users.region_help"))
    u.add_argument("--password-stdin", action="store_true", help=tr("users.stdin_help"))
    us.add_parser("list", parents=[common], help=tr("users.list_help"))
    for action, key in (("disable", "users.disable_help"), ("enable", "users.enable_help")):
        u = us.add_parser(action, parents=[common], help=tr(key))
        u.add_argument("login", help=tr("users.login_help"))
    u = us.add_parser("passwd", parents=[common], help=tr("users.passwd_help"))
    u.add_argument("login", help=tr("users.login_help"))
    u.add_argument("--password-stdin", action="store_true", help=tr("users.stdin_help"))

    p = sub.add_parser(
        "currency", parents=[common], help=tr("currency.help"), description=tr("currency.help")
    )
    p.add_argument("code", nargs="?", metavar="CODE", help=tr("currency.code_help"))

    p = sub.add_parser(
        "backtest",
        parents=[common],
        help=tr("cli.backtest_help"),
        description=tr("cli.backtest_help"),
    )
    p.add_argument("--cutoff", type=_date, required=True, help=tr("cli.cutoff_help"))
    p.add_argument("--horizon-days", type=int, default=90, help=tr("cli.horizon_help"))
    p.add_argument(
        "--task", choices=["category", "sku"], default="category", help=tr("cli.task_help")
    )
    p.add_argument("--top-skus", type=int, default=50, help=tr("cli.top_skus_help"))
    p.add_argument("--new-buyers-only", action="store_true", help=tr("cli.new_buyers_help"))
    _add_output(p, ("json", "table"), output=False)
    return parser
