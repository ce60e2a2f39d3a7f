"""What the commands print: tables in text, csv, json or xlsx (the one output path, formula-safe), what a build stored and the scores' validation."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from kapot.errors import KapotError
from kapot.i18n import get_lang, tr

# imports inside functions: the library, imported by each command when it runs; at the top
# `import kapot.cli` would take 2.2 s of CPU and 211 MB, not 0.08 s and 12 MB (kapot.cli's docstring)

if TYPE_CHECKING:
    import pandas as pd

    from kapot.pipeline.pipeline import RunReport

__all__ = ["emit", "print_build", "print_validation"]


def print_build(report: RunReport, db: str | os.PathLike[str] | None) -> None:
    """Print what ``kapot build`` stored for ``report.as_of``: clients, seasonal ones, clusters.

    Parameters
    ----------
    report : kapot.pipeline.RunReport
        The run just published (its ``as_of``, ``rows["client_features"]``, ``cluster_k`` and
        ``cluster_stability``).
    db : str or os.PathLike or None
        The warehouse it was published to (None: :func:`kapot.config.default_db_path`); the
        seasonal clients are counted from its ``seasonality`` table (column ``source`` is
        ``own``).
    """
    from kapot.pipeline.snapshot import Snapshot

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


def emit(
    frame: pd.DataFrame, fmt: str, output: str | None, *, kinds: dict[str, str] | None = None
) -> None:
    """Write ``frame`` as csv, json, xlsx or a terminal table.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any columns; written as they are (csv cells a spreadsheet would run are neutralised,
        :mod:`kapot.faces.exports`).
    fmt : {"csv", "json", "xlsx", "table"}
        The format; anything else is taken as ``table`` (text for a terminal). JSON is a list
        of records with ISO dates.
    output : str or None
        The file to write (UTF-8); None prints to stdout. ``xlsx`` needs one, else
        :class:`~kapot.errors.KapotError`.
    kinds : dict of str to str, optional
        For ``table`` only: how to format a column (``money``, ``percent``, ``tier``, ...), as
        for :func:`kapot.faces.display.text_table`.
    """
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


def print_validation(reports: dict[str, dict]) -> None:
    """Print the leaderboard per level, what is served, the blend's weights and the notes,
    then the evidence line of the main level, in the language in force.

    Parameters
    ----------
    reports : dict of str to dict
        The validation report per level (``category``, ``sku``), as in
        :attr:`kapot.pipeline.RunReport.reports`: each with ``items``, ``k``, ``served`` (the
        ``new`` and ``repeat`` rankers) and optionally ``weights`` and ``has_categories``
        (False skips the category level).
    """
    import pandas as pd

    from kapot.faces import validation

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
