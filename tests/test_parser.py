"""kapot.cli.parser: every command's options and help, in both languages."""

import pytest

from kapot import __version__
from kapot.cli import main
from kapot.cli.parser import build_parser, last_day_of_previous_month

COMMANDS = ["ingest", "demo", "status", "build", "seasonality", "segments", "who-buys"]


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"kapot {__version__}"


@pytest.mark.parametrize("command", [None, *COMMANDS])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_help_everywhere(capsys, command, lang):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", lang, *([command] if command else []), "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: kapot" in out
    if lang == "ru":
        assert "хранилища" in out or "загрузить" in out


@pytest.mark.parametrize(
    ("argv", "fmt", "output"),
    [
        (["find", "--format", "xlsx", "--output", "x.xlsx"], "xlsx", "x.xlsx"),
        (["similar", "C1"], "table", None),
        (["segments", "--format", "json"], "json", None),
        (["backtest", "--cutoff", "2026-01-01", "--format", "json"], "json", None),
    ],
)
def test_format_and_output_are_the_same_options_everywhere(argv, fmt, output):
    args = build_parser().parse_args(argv)
    assert args.format == fmt and getattr(args, "output", None) == output


@pytest.mark.parametrize(
    "argv",
    [
        ["segments", "--format", "xlsx"],  # csv, json or a table only
        ["backtest", "--cutoff", "2026-01-01", "--format", "csv"],
        ["backtest", "--cutoff", "2026-01-01", "--output", "f"],  # prints only
        ["worklist", "show", "--output", "f"],
    ],
)
def test_formats_a_command_cannot_write_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2 and "usage:" in capsys.readouterr().err


def test_last_day_of_previous_month():
    import datetime as dt

    assert last_day_of_previous_month(dt.date(2026, 3, 15)) == dt.date(2026, 2, 28)
    assert last_day_of_previous_month(dt.date(2026, 1, 1)) == dt.date(2025, 12, 31)
