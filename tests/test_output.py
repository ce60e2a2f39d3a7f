"""kapot.cli.output: what the commands print, through the one output path."""

import json

import pandas as pd
import pytest

from kapot import KapotError
from kapot.cli.output import emit

FRAME = pd.DataFrame(
    {"name": ["=HYPERLINK(1)", None], "expected_value": [1234.5, 2.0], "segment": ["lost", "x"]}
)


def test_csv_is_formula_safe_and_json_keeps_the_values(capsys):
    emit(FRAME, "csv", None)
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "name,expected_value,segment"
    assert '"=HYPERLINK' not in out and "HYPERLINK" in out
    emit(FRAME, "json", None)
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["expected_value"] == 1234.5 and rows[1]["name"] is None


def test_a_terminal_table_formats_its_kinds_and_blanks_missing_values(capsys):
    emit(FRAME, "table", None, kinds={"expected_value": "money", "segment": "rfm"})
    out = capsys.readouterr().out
    assert "$1,234.50" in out and "lost" in out and "None" not in out and "NaN" not in out


def test_a_file_output_and_xlsx_needs_one(tmp_path, capsys):
    path = tmp_path / "o.json"
    emit(FRAME, "json", str(path))
    assert capsys.readouterr().out == "" and json.loads(path.read_text())[1]["segment"] == "x"
    with pytest.raises(KapotError, match="xlsx"):
        emit(FRAME, "xlsx", None)
    emit(FRAME, "xlsx", str(tmp_path / "o.xlsx"))
    assert pd.read_excel(tmp_path / "o.xlsx")["expected_value"].tolist() == [1234.5, 2.0]
