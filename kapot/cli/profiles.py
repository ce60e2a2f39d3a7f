"""Commands on client profiles: ``kapot build``, ``seasonality``, ``segments``, ``who-buys``; and the one output path of tables (text, csv, json, xlsx)."""

from __future__ import annotations

import argparse
import sys

from kapot.errors import KapotError
from kapot.i18n import get_lang, tr

# the library is imported inside each command: a measured start-up cost (kapot.cli's docstring)

__all__ = ["COMMANDS", "emit", "print_build"]


def _cmd_build(args: argparse.Namespace) -> None:
    from kapot.pipeline.build import build

    report = build(args.as_of, db=args.db, progress=sys.stderr.isatty())
    print_build(report, args.db)


def print_build(report, db) -> None:
    """Print what ``kapot build`` stored for ``report.as_of``: clients, seasonal ones, clusters."""
    from kapot.pipeline.build import read_result

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


def emit(frame, fmt: str, output: str | None, *, kinds: dict[str, str] | None = None) -> None:
    """Write ``frame`` as csv, json, xlsx or a terminal table (``kinds``: how to format its
    columns there, see :func:`kapot.faces.display.text_table`)."""
    from kapot.faces import exports
    from kapot.faces.display import text_table

    if fmt == "xlsx":
        if not output:
            raise KapotError(tr("cli.xlsx_needs_output"))
        exports.write_xlsx(frame, output)
        return
    if fmt == "csv":  # no formula survives into a spreadsheet (kapot.faces.exports)
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
    from kapot.pipeline.build import read_result

    df = read_result("seasonality", args.as_of, db=args.db)[_SEASONALITY_COLUMNS]
    df = df.astype({"peak_month": "Int64"})
    df.loc[df["peak_month"] == 0, "peak_month"] = None
    emit(df, args.format, args.output)


def _cmd_segments(args: argparse.Namespace) -> None:
    from kapot.pipeline.build import read_result

    emit(
        read_result("segments", args.as_of, db=args.db)[_SEGMENT_COLUMNS], args.format, args.output
    )


def _cmd_who_buys(args: argparse.Namespace) -> None:
    from kapot.models.segments import who_buys
    from kapot.pipeline.build import latest_as_of
    from kapot.store.warehouse import Warehouse

    as_of = args.as_of or latest_as_of("segments", db=args.db)
    with Warehouse(args.db).read() as con:
        df = who_buys(con, as_of, category=args.category, sku=args.sku)
    emit(df, args.format, args.output)


# the commands this module runs, by name (kapot.cli.main dispatches on them)
COMMANDS = {
    "build": _cmd_build,
    "seasonality": _cmd_seasonality,
    "segments": _cmd_segments,
    "who-buys": _cmd_who_buys,
}
