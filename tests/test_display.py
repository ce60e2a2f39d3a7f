"""kapot.faces.display: the one table renderer and the one stylesheet of every face."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kapot.faces.display import Column, rows_html, stylesheet, table_html
from kapot.faces.page.card_view import similar_html
from kapot.faces.page.list_view import table_html as list_html
from kapot.faces.page.pipeline_view import pipeline_html

HOSTILE = '<script>alert("x")</script> & =HYPERLINK("http://e")'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; =HYPERLINK(&quot;http://e&quot;)"


def _cells(text: str) -> list[tuple[str, str]]:
    """(class, text) of every td."""
    return re.findall(r'<td(?: class="([^"]*)")?>(.*?)</td>', text)


def test_every_cell_row_attribute_and_second_line_is_escaped():
    frame = pd.DataFrame(
        {"name": [HOSTILE], "client_id": ['"><img src=x>'], "tag": ["<i>"], "css": ['x" y']}
    )
    out = table_html(
        frame,
        [Column("name", "page.col_name", sub="client_id", tag="tag")],
        "en",
        row_attrs={"data-client": "client_id"},
        row_class="css",
    )
    assert "<script" not in out and "<img" not in out and "<i>" not in out
    assert ESCAPED in out
    assert '<tr class="x&quot; y" data-client="&quot;&gt;&lt;img src=x&gt;">' in out
    assert (
        f"<td>{ESCAPED} <small>&lt;i&gt;</small><br><small>&quot;&gt;&lt;img src=x&gt;</small>"
        in out
    )


def test_numbers_are_right_aligned_text_is_not():
    frame = pd.DataFrame(
        {"who": ["A"], "v": [1234.5], "n": [1234], "p": [0.25], "d": [pd.Timestamp("2026-03-01")]}
    )
    cols = [
        Column("who", "page.col_name"),
        Column("v", "page.col_value", "money_cents"),
        Column("n", "page.col_qty", "int"),
        Column("p", "page.col_score", "percent"),
        Column("d", "report.col_name", "date"),
    ]
    cells = _cells(table_html(frame, cols, "ru"))
    assert cells[0] == ("", "A")
    assert [c for c, _ in cells[1:]] == ["num"] * 4
    assert cells[1][1] == "1\xa0234,50\xa0₽" and cells[2][1] == "1\xa0234"
    assert cells[3][1] == "25%"
    css = stylesheet()
    assert re.search(r"td\.num \{[^}]*text-align: right", css)
    assert re.search(r"td \{[^}]*text-align: left", css)


def test_empty_table_keeps_its_headers_and_has_no_rows():
    frame = pd.DataFrame({"name": pd.Series([], dtype=object)})
    out = table_html(frame, [Column("name", "page.col_name"), Column("name", "")], "en")
    assert out == (
        '<table class="kapot-table"><thead><tr><th>Client</th><th></th></tr></thead>'
        "<tbody></tbody></table>"
    )
    assert rows_html(frame, [Column("name", "page.col_name")], "en") == ""


def test_missing_values_are_blank_and_a_missing_column_is_named():
    frame = pd.DataFrame({"name": [None, "B"], "v": [float("nan"), 2.0]})
    cells = _cells(table_html(frame, [Column("name", ""), Column("v", "", "int")]))
    assert cells == [("", ""), ("num", ""), ("", "B"), ("num", "2")]
    with pytest.raises(KeyError, match="no column phone"):
        table_html(frame, [Column("phone", "page.col_phone")], "en")


def test_more_rows_join_the_same_body():
    money = pd.DataFrame({"v": [10.0]})
    counts = rows_html(pd.DataFrame({"v": [3.0]}), [Column("v", "", "int")], "en")
    out = table_html(money, [Column("v", "page.col_value", "money")], "en", more_rows=counts)
    assert out.count("<tbody>") == 1 and out.count("<tr>") == 3
    assert re.search(
        r"<tbody><tr><td class=\"num\">\$10</td></tr><tr><td class=\"num\">3</td>", out
    )


def _page_list(**extra) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rank": [1, 2],
            "client_id": ["C1", "<C2>"],
            "name": [HOSTILE, None],
            "is_prospect": [False, True],
            "region": ["North", "South"],
            "score": [0.5, 0.25],
            "expected_value": [1000.0, 20.5],
            "segment": ["champions", None],
            "peak_month": [6, None],
            "peak_pm": [1, None],
            "phone": ["=1+2", None],
            "reasons": ["<b>buys</b>", None],
            **extra,
        }
    )


def test_the_page_list_the_card_and_the_pipeline_use_the_one_renderer():
    out = list_html(_page_list(), "en")
    assert out.startswith('<div class="kapot-tablebox"><table class="kapot-table">')
    assert ESCAPED in out and "&lt;b&gt;buys&lt;/b&gt;" in out and "<b>" not in out
    assert '<tr data-client="&lt;C2&gt;">' in out
    # a nameless prospect shows its id, tagged; the peak with its uncertainty
    assert "<td>&lt;C2&gt; <small>(prospect)</small><br><small>&lt;C2&gt;</small></td>" in out
    assert "<td>June ±1</td>" in out and '<td class="num">$1,000.00</td>' in out
    assert list_html(_page_list().iloc[:0], "en") == ""
    stock = list_html(_page_list(expected_quantity=[1500.0, 2.0], stock_qty=[9.0, 9.0]), "ru")
    assert "<th>Ожидаемое кол-во</th>" in stock and '<td class="num">1\xa0500</td>' in stock

    sim = pd.DataFrame(
        {
            "client_id": ["S1"],
            "name": [HOSTILE],
            "region": [None],
            "industry": ["x"],
            "similarity": [0.9],
        }
    )
    card = similar_html(sim, "en")
    assert 'class="kapot-table kapot-similar"' in card and ESCAPED in card
    assert '<td class="num">90%</td>' in card

    view = pd.DataFrame(
        {
            "client_id": ["P1", "P2"],
            "state": ["new", "contact_1"],
            "days_in_work": [40, 2],
            "overdue": [True, False],
        }
    )
    funnel = pd.DataFrame({"state": ["new", "contact_1"], "clients": [1, 1]})
    pipe = pipeline_html(view, funnel, pd.Series({"P1": HOSTILE}), "en")
    assert '<tr class="overdue" data-client="P1">' in pipe and ESCAPED in pipe
    assert '<tr class="" data-client="P2"><td>P2<br><small>P2</small></td>' in pipe
    assert '<td class="num">40</td>' in pipe


def test_page_and_report_carry_the_one_stylesheet():
    from kapot.faces.weekly import sections

    css = stylesheet()
    assert css.startswith("<style>") and css.count("<style>") == 1
    for rule in (".kapot-page .kapot-empty", ".kapot-section .kapot-empty", "tr.overdue"):
        assert rule in css
    assert "stylesheet()" in open(sections.__file__, encoding="utf-8").read()


def test_no_style_of_kapot_outside_the_one_stylesheet():
    """Only two <style> blocks remain outside kapot.css, neither kapot's own look: a chart
    iframe's document (its body's margin) and the Voila template's still loading sign, shown
    before any cell has run."""
    from .conftest import ROOT

    allowed = {
        "kapot/faces/display.py": 2,  # stylesheet(): kapot.css in a <style> tag (and its doc)
        "kapot/server/charts.py": 1,
        "kapot/templates/jupyter/voila/templates/kapot_page/index.html.j2": 1,
    }
    found = {}
    for path in sorted((ROOT / "kapot").rglob("*")):
        if path.suffix in (".py", ".j2", ".html", ".tpl") and path.is_file():
            n = path.read_text("utf-8").count("<style")
            if n:
                found[path.relative_to(ROOT).as_posix()] = n
    assert found == allowed


def test_the_servers_pages_and_the_report_file_are_styled_by_it():
    from kapot.server.pages import page_html

    css = stylesheet()
    for rule in ("body.kapot-plain", ".kapot-login-box button", ".kapot-login-error", "body.jp-"):
        assert rule in css
    page = page_html("en", "<t>", '<div class="kapot-login-error">x</div>')
    assert css in page and '<body class="kapot-plain"><div class="kapot-login-box">' in page
    assert "<title>&lt;t&gt;</title>" in page and page.count("<style") == 1
