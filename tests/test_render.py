"""kapot.faces.weekly.render: where a report goes, and that ``render_report`` refuses a bad
request before it runs anything. The rendering itself (papermill, nbconvert, Chromium) is
tested end to end in tests/test_weekly.py (slow)."""

import json

import pytest

from kapot import KapotError
from kapot.faces.weekly.render import TEMPLATES, render_report, report_dir

from .conftest import REPORT_AS_OF, record_run


def test_report_dir_one_folder_per_week_scope_and_language(tmp_path):
    week = "2026-W47"
    assert report_dir(week, tmp_path, None, None, "en") == tmp_path / week
    assert report_dir(week, str(tmp_path), None, None, "ru") == tmp_path / week / "ru"
    assert report_dir(week, tmp_path, "Nizhny Novgorod", None, "en") == (
        tmp_path / week / "region-nizhny_novgorod"
    )
    assert report_dir(week, tmp_path, None, "Петрова А.", "ru") == (
        tmp_path / week / "manager-петрова_а" / "ru"
    )
    assert report_dir(week, tmp_path, "Moscow", "Ivanov", "en") == (
        tmp_path / week / "region-moscow_manager-ivanov"
    )
    # the names are folders under the week, never a way out of it
    assert report_dir(week, tmp_path, "../..", None, "en") == tmp_path / week / "region-x"
    assert not (tmp_path / week).exists()  # named, not created


def test_the_html_template_is_there():
    conf = json.loads((TEMPLATES / "kapot_report" / "conf.json").read_text("utf-8"))
    assert conf["base_template"]
    assert (TEMPLATES / "kapot_report" / "index.html.j2").is_file()


@pytest.mark.parametrize(
    ("week", "scope", "message"),
    [
        ("2026-47", {}, "not an ISO week"),
        ("2026-W50", {}, "no sales in 2026-W50"),
        ("2026-W46", {}, "as of 2026-11-16 are not built"),
        ("2026-W47", {"region": "Atlantis"}, "unknown region 'Atlantis'"),
        ("2026-W47", {"manager": "Petrov"}, "nearest known: Petrova"),
    ],
)
def test_a_bad_request_fails_before_anything_runs(
    report_warehouse, db, tmp_path, week, scope, message
):
    record_run(db, REPORT_AS_OF)  # W47 is built; W46 is not
    out = tmp_path / "reports"
    with pytest.raises(KapotError, match=message):
        render_report(week, db=db, out=out, lang="en", progress=False, **scope)
    assert not out.exists()  # no folder, no notebook, no HTML
