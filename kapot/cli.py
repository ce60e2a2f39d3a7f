"""The ``kapot`` command line. Messages come from the catalogue in the chosen language."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from kapot import __version__, runner
from kapot.config import default_db_path
from kapot.errors import KapotError
from kapot.i18n import get_lang, set_currency, set_lang, tr

__all__ = ["main", "build_parser"]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("cli.bad_date_arg", value=value)) from None


def _last_day_of_previous_month(today: dt.date) -> dt.date:
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


def _query_from(args: argparse.Namespace, limit: int):
    from kapot.calculator import Query

    peak = args.peak_month
    if peak is not None and peak not in ("current", "next"):
        try:
            peak = int(peak)
        except ValueError:
            raise KapotError(tr("calculator.bad_month", value=peak)) from None
    return Query(
        categories=tuple(args.category),
        skus=tuple(args.sku),
        regions=tuple(args.region),
        managers=tuple(args.manager_filter),
        pays_on_time=args.pays_on_time,
        peak_month=peak,
        exclude_off_assortment=args.exclude_off_assortment,
        new_buyers_only=args.new_buyers_only,
        who=args.who,
        size_tiers=tuple(args.size_tier),
        segments=tuple(args.segment),
        min_expected_value=args.min_expected_value,
        limit=limit,
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with help texts in the language in force."""
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
        p.add_argument(
            "--format",
            choices=["csv", "json", "table"],
            default="table",
            help=tr("build.format_help"),
        )
        p.add_argument("--output", metavar="FILE", help=tr("build.output_help"))
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
    p.add_argument(
        "--format",
        choices=["csv", "json", "table", "xlsx"],
        default="table",
        help=tr("build.format_help"),
    )
    p.add_argument("--output", metavar="FILE", help=tr("build.output_help"))

    p = sub.add_parser(
        "similar", parents=[common], help=tr("cli.similar_help"), description=tr("cli.similar_help")
    )
    p.add_argument("client_id", nargs="?", help=tr("cli.client_help"))
    p.add_argument("--segment", default=None, help=tr("cli.like_segment_help"))
    p.add_argument("--limit", type=int, default=20, help=tr("cli.limit_help"))
    p.add_argument(
        "--format",
        choices=["csv", "json", "table", "xlsx"],
        default="table",
        help=tr("build.format_help"),
    )
    p.add_argument("--output", metavar="FILE", help=tr("build.output_help"))

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
    w.add_argument(
        "--format", choices=["csv", "json", "table"], default="table", help=tr("build.format_help")
    )
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
    p.add_argument(
        "--format", choices=["json", "table"], default="table", help=tr("build.format_help")
    )
    return parser


def _cmd_ingest(args: argparse.Namespace) -> None:
    from kapot.ingest import ingest

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
    for line in report.lines():
        print(line)
    print(tr("ingest.done", path=report.db, load_id=report.load_id))


def _cmd_unload(args: argparse.Namespace) -> None:
    from kapot.ingest import unload

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
    from kapot.ingest import ingest
    from kapot.synth import SynthConfig, generate

    end = args.end or _last_day_of_previous_month(dt.date.today())
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
    for line in report.lines():
        print(line)
    as_of = end + dt.timedelta(days=1)
    _run_pipeline(as_of, args.db, score=True, horizon_days=90)
    _demo_pipeline(as_of, args.db, args.seed)
    _cmd_status(args)
    _demo_account(args.db)


def _demo_account(db) -> None:
    """A head-of-sales login for the demo page, with a fresh random password each demo (the
    demo data are new as well); printed once, stored only as a hash."""
    import secrets

    from kapot.auth import AccountStore, default_accounts_path

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
    from kapot.calculator import Calculator
    from kapot.synth import simulate_pipeline
    from kapot.worklists import WorklistStore, default_store_path

    path = default_store_path(db)
    if path.exists():
        print(tr("cli.demo_pipeline_kept", path=str(path)))
        return
    moves = simulate_pipeline(WorklistStore(path), Calculator.load(db, as_of), as_of, seed=seed)
    print(tr("cli.demo_pipeline", moves=f"{moves:,}", path=str(path)))


def _cmd_build(args: argparse.Namespace) -> None:
    _run_pipeline(args.as_of, args.db, score=False)


def _run_pipeline(as_of: dt.date, db, *, score: bool, horizon_days: int = 90) -> None:
    """Run the pipeline for ``as_of`` (:func:`kapot.pipeline.run`, the one orchestrator) and
    print what it built; with ``score``, the scores and their validation too."""
    from dataclasses import replace

    from kapot.engine import EngineConfig
    from kapot.pipeline import PipelineConfig, run

    config = replace(PipelineConfig(), score=score, engine=EngineConfig(horizon_days=horizon_days))
    report = run(as_of, db=db, config=config, progress=sys.stderr.isatty())
    _print_build(report, db)
    if score:
        print(
            tr(
                "cli.scored",
                as_of=as_of.isoformat(),
                rows=f"{report.rows['potential']:,}",
                days=horizon_days,
            )
        )
        _print_validation(report.reports)


def _print_build(report, db) -> None:
    from kapot.snapshot import Snapshot

    seas = Snapshot(db, report.as_of).table("seasonality")
    print(
        tr(
            "build.done",
            as_of=report.as_of.isoformat(),
            clients=f"{report.rows['client_features']:,}",
            seasonal=f"{int((seas['source'] == 'own').sum()):,}",
            k=report.cluster_k or 0,
            ari=f"{report.cluster_stability or 0:.2f}",
        )
    )


_SEASONALITY_COLUMNS = [
    "client_id",
    "peak_month",
    "seasonal",
    "p_value",
    "strength",
    "months_of_history",
    "cycles",
    "source",
    "peak_pm",
]
_SEGMENT_COLUMNS = [
    "client_id",
    "abc",
    "xyz",
    "abc_xyz",
    "rfm_score",
    "rfm_segment",
    "size_tier",
    "cluster",
    "cluster_name",
]


def _emit(frame, fmt: str, output: str | None, *, kinds: dict[str, str] | None = None) -> None:
    """Write ``frame`` as csv, json, xlsx or a terminal table (``kinds``: how to format its
    columns there, see :func:`kapot.display.text_table`)."""
    from kapot import exports
    from kapot.display import text_table

    if fmt == "xlsx":
        if not output:
            raise KapotError(tr("cli.xlsx_needs_output"))
        exports.write_xlsx(frame, output)
        return
    if fmt == "csv":  # no formula survives into a spreadsheet (kapot.exports)
        text = exports.to_csv_text(frame)
    elif fmt == "json":
        text = frame.to_json(orient="records", force_ascii=False, date_format="iso")
    else:
        text = text_table(frame, get_lang(), kinds=kinds)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        print(text)


def _cmd_seasonality(args: argparse.Namespace) -> None:
    from kapot.snapshot import Snapshot

    df = Snapshot.open(args.db, args.as_of).table("seasonality")[_SEASONALITY_COLUMNS]
    df = df.astype({"peak_month": "Int64"})
    df.loc[df["peak_month"] == 0, "peak_month"] = None
    _emit(df, args.format, args.output)


def _cmd_segments(args: argparse.Namespace) -> None:
    from kapot.snapshot import Snapshot

    df = Snapshot.open(args.db, args.as_of).table("segments")[_SEGMENT_COLUMNS]
    _emit(df, args.format, args.output)


def _cmd_who_buys(args: argparse.Namespace) -> None:
    from kapot.segments import who_buys
    from kapot.snapshot import latest_as_of
    from kapot.warehouse import Warehouse

    as_of = args.as_of or latest_as_of(args.db)
    with Warehouse(args.db).read() as con:
        df = who_buys(con, as_of, category=args.category, sku=args.sku)
    _emit(df, args.format, args.output)


def _print_validation(reports: dict[str, dict]) -> None:
    """The leaderboard per level, what is served, the blend's weights and the notes."""
    import pandas as pd

    from kapot import validation

    for level, rep in reports.items():
        if level == "category" and not rep.get("has_categories", True):
            continue
        print()
        print(
            tr(
                "validation.title",
                level=tr(f"validation.level_{level}"),
                items=rep["items"],
                k=rep["k"],
            )
        )
        lb = validation.leaderboard(rep)
        if len(lb):
            with pd.option_context("display.width", 200, "display.max_columns", None):
                print(lb.to_string(index=False))
        served = rep["served"]
        print(
            tr(
                "validation.served_line",
                new=tr(f"validation.ranker_{served['new']}"),
                repeat=tr(f"validation.ranker_{served['repeat']}"),
            )
        )
        for task, w in rep.get("weights", {}).items():
            shown = ", ".join(f"{k} {v:+.2f}" for k, v in w.items())
            print(tr("validation.weights_line", task=tr(f"validation.task_{task}"), weights=shown))
        for line in validation.notes(rep):
            print("* " + line)
    print()
    print(validation.evidence(validation.main_report(reports)))


def _cmd_score(args: argparse.Namespace) -> None:
    _run_pipeline(args.as_of, args.db, score=True, horizon_days=args.horizon_days)


def _cmd_find(args: argparse.Namespace) -> None:
    from kapot.calculator import Calculator

    calc = Calculator.load(args.db, args.as_of, args.horizon_days)
    set_currency(calc.currency)
    q = _query_from(args, args.limit)
    res = calc.find(q)
    cols = [
        "rank",
        "client_id",
        "name",
        "region",
        "manager",
        "score",
        "expected_value",
        "peak_month",
        "segment",
        "size_tier",
        "phone",
        "email",
        "reasons",
    ]
    if args.format == "table":
        print(calc.summary(res), file=sys.stderr)
    _emit(res[cols], args.format, args.output, kinds=_FIND_KINDS)


_FIND_KINDS = {
    "score": "percent",
    "expected_value": "money",
    "peak_month": "month",
    "segment": "rfm",
    "size_tier": "tier",
}


def _cmd_similar(args: argparse.Namespace) -> None:
    from kapot.calculator import Calculator

    calc = Calculator.load(args.db)
    set_currency(calc.currency)
    if args.segment:
        res = calc.similar_to_segment(args.segment, limit=args.limit)
    elif args.client_id:
        res = calc.similar(args.client_id, limit=args.limit)
    else:
        raise KapotError(tr("cli.similar_needs"))
    _emit(
        res,
        args.format,
        args.output,
        kinds={"segment": "rfm", "size_tier": "tier", "similarity": "percent"},
    )


def _cmd_backtest(args: argparse.Namespace) -> None:
    import json

    import pandas as pd

    from kapot.backtest import backtest
    from kapot.warehouse import Warehouse

    db = Warehouse(args.db).path
    if not Path(db).exists():
        raise KapotError(tr("warehouse.missing", path=str(db)))
    res = backtest(
        db,
        args.cutoff,
        horizon_days=args.horizon_days,
        level=args.task,
        top_skus=args.top_skus,
    )
    table = res.table
    if args.new_buyers_only:
        table = table[[c for c in table.columns if c.startswith("new_")]]
    if args.format == "json":
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=1, default=str))
        return
    print(
        tr(
            "cli.backtest_title",
            cutoff=res.cutoff.isoformat(),
            days=res.horizon_days,
            task=res.level,
            items=len(res.items),
            clients=f"{res.clients:,}",
            positives=f"{sum(res.positives.values()):,}",
        )
    )
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(table.round(4).to_string())
    print(
        tr(
            "validation.served_line",
            new=tr(f"validation.ranker_{res.served['new']}"),
            repeat=tr(f"validation.ranker_{res.served['repeat']}"),
        )
    )
    for task, w in res.weights.items():
        shown = ", ".join(f"{k} {v:+.2f}" for k, v in w.items())
        print(tr("validation.weights_line", task=tr(f"validation.task_{task}"), weights=shown))


def _cli_author(args: argparse.Namespace) -> str:
    """Who a pipeline change from the command line is recorded as: the operating-system user
    (from the uid, not $USER). ``--author`` someone else needs an admin account named as that
    user, and is recorded as "<author> (by admin <user>)"."""
    from kapot.auth import AccountStore, default_accounts_path, os_user

    user = os_user()
    if not args.author or args.author == user:
        return user
    acc = AccountStore(default_accounts_path(args.db)).get(user)
    if acc is None or acc.disabled or acc.role != "admin":
        raise KapotError(tr("access.author_needs_admin", author=args.author, user=user))
    return f"{args.author} (by admin {user})"


def _cmd_worklist(args: argparse.Namespace) -> None:
    from kapot.worklists import OPEN_STATES, PipelineConfig, WorklistStore, default_store_path

    now = dt.datetime.now()
    author = _cli_author(args) if args.action in ("create", "move") else None
    path = default_store_path(args.db)
    if args.action == "create":
        from kapot.calculator import Calculator

        store = WorklistStore(path)
        calc = Calculator.load(args.db, args.as_of)
        candidates = calc.find(_query_from(args, 5000))["client_id"].tolist()
        added = store.create_list(
            args.owner,
            candidates,
            author=author,
            at=now,
            size=args.size,
            known_managers=None if args.new_manager else calc.managers(),
        )
        work = store.show(args.owner, at=now)
        print(
            tr(
                "worklist.created",
                list_id=int(work["list_id"].max()) if len(work) else 0,
                manager=args.owner,
                added=len(added),
                open=int(work["state"].isin(OPEN_STATES).sum()),
            )
        )
    elif args.action == "show":
        store = WorklistStore(path, config=PipelineConfig(max_deal_days=args.max_deal_days))
        _emit(store.show(args.owner, at=now), args.format, None, kinds={"state": "state"})
    else:
        store = WorklistStore(path)
        before = store.show(None, at=now).set_index("client_id")["state"].get(args.client_id)
        store.move(
            args.client_id,
            args.to,
            author=author,
            at=now,
            reason=args.reason,
            recall_date=args.recall_date,
            expected_state=args.expect,
        )
        print(tr("worklist.moved", client=args.client_id, old=before, new=args.to))


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
    (:mod:`kapot.server`). Kernels are preheated (the query string and the signed identity are
    read in the kernel with voila.utils.get_query_string, which Voila 0.5 allows with
    preheating, unlike its papermill-style prelaunch hook); idle kernels are culled after
    ``cull_idle_minutes``; beyond ``max_sessions`` kernels in use visitors are told "busy"."""
    import json

    from kapot.config import PROJECT_ROOT
    from kapot.session import IDENTITY_HEADER

    notebook = PROJECT_ROOT / "notebooks" / "potential_calculator.ipynb"
    cmd = [
        sys.executable,
        "-m",
        "kapot.server",
        str(notebook),
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--no-browser",
        "--preheat_kernel=True",
        f"--pool_size={pool_size}",
        "--show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=[]",
        f"--VoilaConfiguration.http_header_envs={json.dumps([IDENTITY_HEADER])}",
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
    import fcntl
    import socket
    import struct

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
    from pathlib import Path

    from kapot.auth import AccountStore, default_accounts_path

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
        from kapot.calculator import Calculator

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
    from kapot.config import PROJECT_ROOT
    from kapot.presets import render_calculators

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
    from kapot.config import PROJECT_ROOT
    from kapot.pipeline import run_plan
    from kapot.weekly import needed_runs, render_report, resolve_week

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


def _cmd_currency(args: argparse.Namespace) -> None:
    from kapot.currency import change_currency, describe_currency, read_currency
    from kapot.i18n import fmt_money
    from kapot.warehouse import Warehouse

    wh = Warehouse(args.db)
    if args.code:
        old, new = change_currency(args.code, db=args.db)
        example = fmt_money(1234567.89, currency=new)
        print(tr("currency.changed", path=str(wh.path), old=old or "-", new=new, example=example))
        return
    with wh.read() as con:
        print(describe_currency(*read_currency(con)))


def _cmd_status(args: argparse.Namespace) -> None:
    from kapot.summary import warehouse_summary

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
    from kapot.warehouse import Warehouse

    wh = Warehouse(db)
    if not wh.exists():
        return None
    with wh.read() as con:
        rows = runner.execute(con, "store/managers")
    return [r[0] for r in rows]


def _cmd_users(args: argparse.Namespace) -> None:
    from kapot.auth import AccountStore, default_accounts_path

    path = default_accounts_path(args.db)
    store = AccountStore(path)
    if args.action == "add":
        from kapot.auth import check_account

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
            _emit(df, "table", None)
    elif args.action in ("disable", "enable"):
        store.set_disabled(args.login, args.action == "disable")
        print(tr(f"users.{args.action}d", login=args.login))
    else:
        store.set_password(args.login, _read_password(args))
        print(tr("users.changed", login=args.login))


_COMMANDS = {
    "ingest": _cmd_ingest,
    "unload": _cmd_unload,
    "demo": _cmd_demo,
    "status": _cmd_status,
    "build": _cmd_build,
    "seasonality": _cmd_seasonality,
    "segments": _cmd_segments,
    "who-buys": _cmd_who_buys,
    "score": _cmd_score,
    "find": _cmd_find,
    "similar": _cmd_similar,
    "backtest": _cmd_backtest,
    "worklist": _cmd_worklist,
    "serve": _cmd_serve,
    "calculators": _cmd_calculators,
    "report": _cmd_report,
    "currency": _cmd_currency,
    "users": _cmd_users,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; user errors print one line and return 2, no traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang", choices=["en", "ru"])
    known, _ = pre.parse_known_args(argv)
    try:
        if known.lang:
            set_lang(known.lang)
        else:
            set_lang(get_lang())
        args = build_parser().parse_args(argv)
        _COMMANDS[args.command](args)
    except KapotError as exc:
        print(tr("cli.error", message=str(exc)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `kapot segments | head`: the reader left, not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
