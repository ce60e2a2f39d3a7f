"""The ``kapot`` command line. Messages come from the catalogue in the chosen language."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence

from kapot import __version__
from kapot.errors import KapotError
from kapot.i18n import get_lang, set_lang, tr

__all__ = ["main", "build_parser"]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("cli.bad_date_arg", value=value)) from None


def _last_day_of_previous_month(today: dt.date) -> dt.date:
    return today.replace(day=1) - dt.timedelta(days=1)


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
    )
    for line in report.lines():
        print(line)
    print(tr("ingest.done", path=report.db, load_id=report.load_id))


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
    )
    for line in report.lines():
        print(line)
    from kapot.build import build

    _print_build(
        build(end + dt.timedelta(days=1), db=args.db, progress=sys.stderr.isatty()), args.db
    )
    _cmd_status(args)


def _cmd_build(args: argparse.Namespace) -> None:
    from kapot.build import build

    report = build(args.as_of, db=args.db, progress=sys.stderr.isatty())
    _print_build(report, args.db)


def _print_build(report, db) -> None:
    from kapot.build import read_result

    seas = read_result("seasonality", report.as_of, db=db)
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


def _emit(frame, fmt: str, output: str | None) -> None:
    import pandas as pd

    if fmt == "csv":
        text = frame.to_csv(index=False)
    elif fmt == "json":
        text = frame.to_json(orient="records", force_ascii=False, date_format="iso")
    else:
        with pd.option_context("display.max_rows", None, "display.width", 200):
            text = frame.to_string(index=False, na_rep="")
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        print(text)


def _cmd_seasonality(args: argparse.Namespace) -> None:
    from kapot.build import read_result

    df = read_result("seasonality", args.as_of, db=args.db)[_SEASONALITY_COLUMNS]
    df = df.astype({"peak_month": "Int64"})
    df.loc[df["peak_month"] == 0, "peak_month"] = None
    _emit(df, args.format, args.output)


def _cmd_segments(args: argparse.Namespace) -> None:
    from kapot.build import read_result

    _emit(
        read_result("segments", args.as_of, db=args.db)[_SEGMENT_COLUMNS], args.format, args.output
    )


def _cmd_who_buys(args: argparse.Namespace) -> None:
    from kapot.build import latest_as_of
    from kapot.segments import who_buys
    from kapot.warehouse import Warehouse

    as_of = args.as_of or latest_as_of("segments", db=args.db)
    with Warehouse(args.db).read() as con:
        df = who_buys(con, as_of, category=args.category, sku=args.sku)
    _emit(df, args.format, args.output)


def _cmd_status(args: argparse.Namespace) -> None:
    from kapot.summary import warehouse_summary

    for line in warehouse_summary(args.db):
        print(line)


_COMMANDS = {
    "ingest": _cmd_ingest,
    "demo": _cmd_demo,
    "status": _cmd_status,
    "build": _cmd_build,
    "seasonality": _cmd_seasonality,
    "segments": _cmd_segments,
    "who-buys": _cmd_who_buys,
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
