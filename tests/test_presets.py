"""kapot.faces.presets: safe names for the preset calculators, and what it refuses."""

import pytest

from kapot import KapotError
from kapot.faces.presets import CALCULATOR_NOTEBOOK, render_calculators, slug


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Petrova", "petrova"),
        ("Ковалёв И. П.", "ковалёв_и_п"),
        ("../../etc/passwd", "etc_passwd"),
        ('<script>alert("x")</script>', "script_alert_x_script"),
        ("=HYPERLINK(1)", "hyperlink_1"),
        ("North-West", "north-west"),
        ("", "x"),
        ("///", "x"),
    ],
)
def test_slug_is_a_safe_file_name(text, expected):
    got = slug(text)
    assert got == expected
    assert "/" not in got and "\\" not in got and not got.startswith(".")


def test_an_unknown_grouping_is_refused_before_anything_is_read(tmp_path):
    out = tmp_path / "calculators"
    with pytest.raises(KapotError, match="team"):
        render_calculators("team", db=tmp_path / "missing.duckdb", out=out)
    assert not out.exists() and not (tmp_path / "missing.duckdb").exists()
    assert CALCULATOR_NOTEBOOK.exists()
