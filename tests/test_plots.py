"""kapot.faces.plots: every figure builder, without a browser. Titles and axis labels come from the
catalogue in the chosen language, numbers are formatted by Babel, empty input says so."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from kapot.faces import plots
from kapot.i18n import tr


def _title(fig: go.Figure) -> str:
    return fig.layout.title.text


def _is_empty(fig: go.Figure, lang: str) -> bool:
    return any(a.text == tr("plot.no_data", lang) for a in fig.layout.annotations)


WEEKS = pd.DataFrame(
    {
        "week": ["2026-W46", "2026-W47"],
        "revenue": [1200.0, 1500.5],
        "revenue_last_year": [np.nan, 1000.0],
    }
)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_weekly_revenue(lang):
    fig = plots.weekly_revenue(WEEKS, lang)
    assert _title(fig) == tr("plot.weekly_title", lang)
    assert fig.layout.xaxis.title.text == tr("plot.iso_week", lang)
    assert fig.layout.yaxis.title.text == ("Revenue, $" if lang == "en" else "Выручка, ₽")
    last_year, this_year = fig.data
    # a week before the data has no point and no hover text, not a zero
    assert np.isnan(last_year.y[0]) and last_year.customdata[0] == ""
    assert this_year.customdata[1] == ("$1,500" if lang == "en" else "1\xa0500\xa0₽")
    assert fig.layout.separators == (".," if lang == "en" else ", ")
    # axis ticks in the locale's compact form, which plotly's SI suffixes cannot do in Russian
    # round steps over the data's range (1,000 to 1,500.5)
    assert list(fig.layout.yaxis.tickvals) == [1000, 1200, 1400, 1600]
    assert fig.layout.yaxis.ticktext[1] == ("1.2K" if lang == "en" else "1,2\xa0тыс.")


def test_at_risk_reasons_and_new_and_lost():
    fig = plots.at_risk_reasons(
        {"falling_trend": 2, "overdue_reorder": 5, "overdue_invoices": 1}, "en"
    )
    assert list(fig.data[0].y) == ["Overdue invoices", "Overdue reorder", "Falling trend"]
    assert list(fig.data[0].x) == [1, 5, 2]
    assert _is_empty(plots.at_risk_reasons({}, "en"), "en")
    nl = pd.DataFrame({"status": ["new", "lost", "lost"], "revenue_12m": [10.0, 5.0, 7.0]})
    fig = plots.new_and_lost(nl, "ru")
    assert list(fig.data[0].x) == ["новый", "потерян"] and list(fig.data[0].y) == [1, 2]
    assert list(fig.data[0].customdata) == ["10\xa0₽", "12\xa0₽"]


def test_transition_heatmap():
    m = pd.DataFrame([[0, 3], [1, 0]], index=["AX", "BY"], columns=["AY", "BZ"])
    fig = plots.transition_heatmap(m, "Moves", "en")
    assert _title(fig) == "Moves"
    assert fig.data[0].text[0] == ["", "3"]
    assert fig.layout.yaxis.title.text == tr("plot.segment_before", "en")
    assert _is_empty(plots.transition_heatmap(pd.DataFrame(), "Moves", "en"), "en")


def test_expected_by_and_illiquid():
    f = pd.DataFrame({"manager": ["A", "B"], "clients": [3, 1], "expected_value": [10.0, 30.0]})
    fig = plots.expected_by(f, "manager", "en")
    assert _title(fig) == tr("plot.expected_by_manager", "en")
    assert list(fig.data[0].y) == ["A", "B"]  # smallest first: the largest bar on top
    assert list(fig.data[0].text) == ["$10", "$30"]
    ill = pd.DataFrame(
        {
            "sku": ["S1", "S2"],
            "name": ["Bolt S1", "Nut"],
            "stock_value": [100.0, 50.0],
            "days_on_stock": [200, 400],
        }
    )
    fig = plots.illiquid_stock(ill, "en")
    assert list(fig.data[0].y) == ["S2 Nut", "Bolt S1"]
    assert "400 days on stock" in fig.data[0].customdata[0]


def test_pipeline_funnel_shows_the_road_to_a_sale():
    funnel = pd.DataFrame(
        {
            "state": ["new", "contact_1", "refusal", "deal", "client"],
            "clients": [5, 4, 9, 2, 1],
            "overdue": [1, 0, 0, 0, 0],
        }
    )
    fig = plots.pipeline_funnel(funnel, "ru")
    assert fig.data[0].type == "funnel"
    assert "отказ" not in list(fig.data[0].y)  # refusals are a side road
    assert list(fig.data[0].x) == [5, 4, 0, 0, 2, 0, 1]


def test_order_mix_stacks_shares():
    f = pd.DataFrame(
        {
            "manager": ["A"],
            "routine": [80.0],
            "new_category": [15.0],
            "new_client": [5.0],
            "routine_share": [0.8],
            "new_category_share": [0.15],
            "new_client_share": [0.05],
        }
    )
    f = pd.concat([f, f.assign(manager="B", new_category_share=0.01, new_client_share=0.0)])
    fig = plots.order_mix(f, "en")
    assert fig.layout.barmode == "stack"
    # routine reorders are the rest of 100 %: drawn, they would flatten every manager
    assert [t.name for t in fig.data] == ["New categories", "New clients"]
    assert list(fig.data[0].y) == ["B", "A"]  # the hunter last, on top
    assert list(fig.data[0].text) == ["1.0%", "15.0%"] and list(fig.data[1].text) == ["", "5.0%"]


def test_segment_views():
    seg = pd.DataFrame(
        {
            "abc": ["A", "A", "C"],
            "xyz": ["X", "Z", "Z"],
            "revenue_12m": [100.0, 50.0, 1.0],
            "rfm_r": [5, 1, 1],
            "rfm_f": [5, 2, 2],
        }
    )
    fig = plots.abc_xyz_matrix(seg, "en")
    assert fig.data[0].z[0][0] == 1 and fig.data[0].z[2][2] == 1
    assert fig.data[0].text[0][0] == "1<br>$100"
    fig = plots.rfm_grid(seg, "en")
    assert fig.data[0].z[0][4] == 1  # R 5 (top row), F 5
    assert fig.data[0].z[4][1] == 2  # R 1, F 2
    prof = pd.DataFrame([[1.5, -0.5]], index=["big (3)"], columns=["revenue", "late"])
    fig = plots.cluster_profiles(prof, "en")
    assert fig.data[0].zmin == -1.5 and fig.data[0].zmax == 1.5


def test_who_buys_compares_buyers_with_everyone():
    frame = pd.DataFrame(
        {
            "dimension": ["peak_month", "peak_month", "region"],
            "value": ["3", "-", "Moscow"],
            "buyers": [4, 1, 5],
            "share_of_buyers": [0.8, 0.2, 1.0],
            "share_of_all": [0.3, 0.7, 0.5],
        }
    )
    fig = plots.who_buys(frame, "peak_month", "Bolts", "ru")
    assert _title(fig) == "Кто покупает Bolts: пиковые месяцы покупателей и всех клиентов"
    assert list(fig.data[0].x) == ["без пика", "март"]
    assert [t.name for t in fig.data] == ["все клиенты", "покупатели"]
