"""The ``kapot`` command line: the parser (``parser``) and the commands, one module per area
(``warehouse``, ``profiles``, ``potential``, ``serve``). Messages come from the catalogue in the
chosen language.

The command modules import the library inside each command, on purpose: ``import kapot.cli``
takes 0.10-0.14 s (``python -X importtime -m kapot.cli --help``, three runs at load average 6
on the 2-core machine; 0.08 s of CPU and 12 MB), against 3.2 s (2.2 s of CPU, 211 MB) with the
modules the commands use imported at the top (the pipeline, weekly report, server, engine,
ingestion, exports, papermill and nbconvert), and ``kapot --help`` or a one-line error should
not wait for scikit-learn, DuckDB and Jupyter. (It had crept up to 0.68-1.1 s: a command module
imported the SQL runner, and with it pandas and DuckDB, at its top.)"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from kapot.cli import potential, profiles, serve, warehouse
from kapot.cli.parser import build_parser
from kapot.cli.serve import serve_command
from kapot.errors import KapotError
from kapot.i18n import get_lang, set_lang, tr

__all__ = ["main", "build_parser", "serve_command"]

_COMMANDS = {
    **warehouse.COMMANDS,
    **profiles.COMMANDS,
    **potential.COMMANDS,
    **serve.COMMANDS,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; user errors print one line and return 2, no traceback.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program's name, e.g. ``["build", "--as-of", "2026-11-01"]``;
        None reads ``sys.argv[1:]``. ``--lang`` is applied before the parser is built, so
        the help texts are in that language too.

    Returns
    -------
    int
        The exit status: 0 on success (also when the reader of a pipe leaves early), 2 for a
        :class:`~kapot.errors.KapotError` (its message printed to stderr), 130 on Ctrl+C.
        Bad arguments exit with argparse's status 2 before a command runs.
    """
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
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0
