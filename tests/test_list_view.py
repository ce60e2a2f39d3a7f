"""kapot.faces.page.list_view: the list tab's summary line, ranked table, downloads and charts,
on four made-up clients (no browser); the peak column against a scored warehouse's list."""

import base64
import io
import re

import pandas as pd
import pytest

from kapot.faces.calculator import Calculator, Query
from kapot.faces.page import list_view
from kapot.faces.page.list_view import ListView, downloads_html, summary_html, table_html
from kapot.faces.wording import with_reasons
from kapot.i18n import month_name, tr

from .small_calculator import small_calculator


@pytest.fixture
def calc():
    return small_calculator()


def _list(calc, lang="en", **query):
    return with_reasons(calc.find(Query(**query)), lang)


def test_the_summary_counts_the_list_and_everyone_found(calc):
    res = _list(calc, limit=2)  # C1 (1000) and C3 (500) of four found (2185 in all)
    out = summary_html(res, "en", calc, illiquid="", why_empty="")
    assert "4 clients found, 2 listed: expected value of the list $1,500.00" in out
    assert "(all found $2,185.00)" in out
    # the evidence line: nothing validated for these four
    assert f'<div class="kapot-evidence">{tr("validation.none", "en")}</div>' in out
    ru = summary_html(_list(calc, "ru", limit=2), "ru", calc, illiquid="", why_empty="")
    assert "Найдено клиентов: 4, в списке 2" in ru


def test_the_summary_of_an_empty_list_says_why(calc):
    empty = _list(calc, pays_on_time=True, who="prospects")
    out = summary_html(empty, "en", calc, illiquid="", why_empty="why_pays")
    assert out.startswith('<div class="kapot-empty">No client matches these filters.')
    assert "untick &quot;Pays on time&quot;" in out  # escaped
    assert table_html(empty, "en") == "" and downloads_html(empty, "en", "2026-11-01") == ""


def test_the_summary_of_an_illiquid_sku_weighs_demand_against_stock(calc):
    res = _list(calc).assign(expected_quantity=[1500.0, 2.0, 0.4, 0.0], stock_qty=120.0)
    out = summary_html(res, "en", calc, illiquid="B-1", why_empty="")
    assert "Expected to take 1,502 units of B-1 against 120 in stock." in out


def test_the_table_one_row_per_client_in_rank_order(calc):
    res = _list(calc)
    out = table_html(res, "en")
    assert re.findall(r'data-client="(C\d)"', out) == ["C1", "C3", "C2", "C4"]
    # C4 has no name: its id, tagged as a prospect; C1's peak with its ±month
    assert "C4 <small>(prospect)</small>" in out and "<td>November ±1</td>" in out
    heads = re.findall(r"<th>(.*?)</th>", out)
    assert heads[0] == tr("page.col_rank", "en") and tr("page.col_qty", "en") not in heads
    stock = table_html(res.assign(expected_quantity=1.0, stock_qty=9.0), "en")
    assert re.findall(r"<th>(.*?)</th>", stock)[5] == tr("page.col_qty", "en")


def test_the_downloads_hold_the_call_list(calc):
    res = _list(calc, "ru")
    out = downloads_html(res, "ru", "2026-11-01")
    links = dict(re.findall(r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', out))
    assert set(links) == {"kapot_calls_2026-11-01.csv", "kapot_calls_2026-11-01.xlsx"}
    csv = base64.b64decode(links["kapot_calls_2026-11-01.csv"])
    assert csv.startswith(b"\xef\xbb\xbf")  # a BOM: Excel opens Cyrillic right
    table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert table.iloc[:, 0].tolist() == ["C1", "C3", "C2", "C4"]
    assert table.columns[0] == tr("page.col_client_id", "ru")
    xlsx = pd.read_excel(io.BytesIO(base64.b64decode(links["kapot_calls_2026-11-01.xlsx"])))
    assert xlsx.iloc[:, 0].tolist() == ["C1", "C3", "C2", "C4"]
    assert tr("page.download_csv", "ru") in out


def test_the_list_view_redraws_its_widgets(calc, monkeypatch):
    view = ListView(calc, "en")
    assert view.sort.value == "score" and view.descending.value is True
    assert [v for _, v in view.sort.options] == [
        "score",
        "expected_value",
        "region",
        "segment",
        "peak_month",
        "name",
    ]
    view.charts_stale = False
    view.show(_list(calc), illiquid="", why_empty="")
    assert "4 clients found, 4 listed" in view.summary.value
    assert (
        view.table.value.count("<tr data-client=") == 4 and "kapot-dl-csv" in view.downloads.value
    )
    assert view.charts_stale
    shown = []
    monkeypatch.setattr(list_view, "display", shown.append)
    view.draw_charts(_list(calc))
    assert not view.charts_stale and len(shown) == 2
    assert shown[0].layout.title.text == tr("plot.by_region_title", "en")
    # the heatmap's rows: the listed clients' profiles, in the list's order
    assert shown[1].layout.title.text == tr("plot.heatmap_title", "en")
    box = view.box(view.summary)
    assert box.children[2] is view.table and box.children[-1] is view.summary


def test_voila_plots_draws_through_the_mimetype_renderer(monkeypatch):
    import plotly.io as pio

    from kapot.faces import plots

    monkeypatch.delenv(list_view.SERVED_ENV, raising=False)
    before = pio.renderers.default
    try:
        assert list_view.voila_plots() is plots
        assert pio.renderers.default == "plotly_mimetype"
    finally:
        pio.renderers.default = before


def test_peak_month_column_shows_its_uncertainty(scored_warehouse):
    # issue 13: a seasonal client's peak in the table reads "June ±1" (its ±months from the
    # seasonality table); the months equal the calculator's and the table's
    calc = Calculator.load(scored_warehouse)
    res = calc.find(Query())
    seasonal = res[res["peak_month"].notna()]
    assert len(seasonal) and seasonal["peak_pm"].notna().all()
    assert (res.loc[res["peak_month"].isna(), "peak_pm"].isna()).all()
    html_text = table_html(with_reasons(res, "en"), "en")
    r = seasonal.iloc[0]
    name = month_name(int(r["peak_month"]), "en")
    expected = name if int(r["peak_pm"]) == 0 else f"{name} ±{int(r['peak_pm'])}"
    assert f"<td>{expected}</td>" in html_text
