"""kapot.faces.plots.calls: the page's figures (potential by region, the seasonality heatmap)
and the client card's (monthly purchases, category mix, payments), on hand-made frames, in
both languages; empty input draws the "no data" figure."""

import numpy as np
import pandas as pd
import pytest

from kapot.faces.plots.calls import (
    category_mix,
    monthly_purchases,
    payment_history,
    potential_by_region,
    seasonality_heatmap,
)
from kapot.i18n import tr


def _is_empty(fig, lang: str) -> bool:
    return any(a.text == tr("plot.no_data", lang) for a in fig.layout.annotations)


def test_potential_by_region_sums_the_list_by_region():
    res = pd.DataFrame(
        {
            "region": ["Moscow", "Kazan", "Moscow", None],
            "expected_value": [100.0, 250.0, 50.0, 10.0],
        }
    )
    fig = potential_by_region(res, "en")
    bar = fig.data[0]
    # smallest sum at the bottom, the largest on top; a client without a region counts as "?"
    assert list(bar.y) == ["?", "Moscow", "Kazan"] and list(bar.x) == [10.0, 150.0, 250.0]
    assert list(bar.text) == ["$10.00", "$150.00", "$250.00"]
    assert list(bar.customdata) == ["$10.00 (1)", "$150.00 (2)", "$250.00 (1)"]
    assert fig.layout.title.text == tr("plot.by_region_title", "en")
    assert potential_by_region(res, "ru").data[0].text[2] == "250,00\xa0₽"
    assert _is_empty(potential_by_region(res.iloc[:0], "ru"), "ru")


def test_the_seasonality_heatmap_rows_are_the_clients_in_order():
    months = {f"m{i:02d}": [0.0] * 2 for i in range(1, 13)}
    months["m06"] = [0.5, np.nan]  # a missing share is 0
    months["m12"] = [0.5, 1.0]
    prof = pd.DataFrame({"client_id": ["C1", "C2"], "name": ["A" * 40, None], **months})
    fig = seasonality_heatmap(prof, "en")
    hm = fig.data[0]
    assert list(hm.y) == ["A" * 28, "C2"]  # cut to 28 characters; no name: the id
    assert list(hm.x)[:2] == ["Jan", "Feb"] and len(hm.x) == 12
    assert np.array_equal(np.asarray(hm.z)[:, 5], [0.5, 0.0]) and hm.z[1][11] == 1.0
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.height == 320
    assert seasonality_heatmap(pd.concat([prof] * 20), "ru").layout.height == 22 * 40 + 120
    assert seasonality_heatmap(prof, "ru").data[0].x[0] == "янв."
    by_id = seasonality_heatmap(prof, "en", label="client_id")
    assert list(by_id.data[0].y) == ["C1", "C2"]
    # no months (a client list without profiles) or no clients: nothing to draw
    assert _is_empty(seasonality_heatmap(prof.drop(columns="m07"), "en"), "en")
    assert _is_empty(seasonality_heatmap(prof.iloc[:0], "en"), "en")


def test_monthly_purchases():
    monthly = pd.DataFrame(
        {"month": pd.to_datetime(["2025-12-01", "2026-01-01"]), "revenue": [0.0, 1500.0]}
    )
    fig = monthly_purchases(monthly, "en")
    assert list(fig.data[0].x) == ["Dec 2025", "Jan 2026"] and list(fig.data[0].y) == [0, 1500]
    assert list(fig.data[0].customdata) == ["$0.00", "$1,500.00"]
    assert fig.layout.title.text == tr("plot.monthly_title", "en")
    # months without a purchase at all: "no data", not a flat line
    assert _is_empty(monthly_purchases(monthly.assign(revenue=0.0), "en"), "en")
    assert _is_empty(monthly_purchases(monthly.iloc[:0], "ru"), "ru")


def test_category_mix_largest_on_top():
    cats = pd.DataFrame(
        {"category": ["Nuts", "Bolts", "Tape"], "revenue": [300.0, 600.0, 100.0]}
    ).assign(share=lambda f: f["revenue"] / 1000)
    bar = category_mix(cats, "en").data[0]
    assert list(bar.y) == ["Tape", "Nuts", "Bolts"] and list(bar.x) == [0.1, 0.3, 0.6]
    assert list(bar.text) == ["10%", "30%", "60%"]
    assert list(bar.customdata) == ["$100.00", "$300.00", "$600.00"]
    assert category_mix(cats, "en").layout.xaxis.tickformat == ".0%"
    assert _is_empty(category_mix(cats.iloc[:0], "en"), "en")


def test_payment_history_marks_the_late_invoices():
    pays = pd.DataFrame(
        {
            "issued": pd.to_datetime(["2026-08-01", "2026-09-01", "2026-10-01"]),
            "days_late": [0, 12, 3],
            "amount": [100.0, 200.0, 50.0],
        }
    )
    fig = payment_history(pays, "ru")
    bar = fig.data[0]
    assert list(bar.y) == [0, 12, 3]
    assert list(bar.marker.color) == ["#52b788", "#c1121f", "#c1121f"]
    assert bar.customdata[1] == "200,00\xa0₽"
    assert fig.layout.title.text == tr("plot.payments_title", "ru")
    assert _is_empty(payment_history(pays.iloc[:0], "en"), "en")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_titles_and_axes_in_the_language(lang):
    res = pd.DataFrame({"region": ["Moscow"], "expected_value": [1.0]})
    fig = potential_by_region(res, lang)
    assert fig.layout.xaxis.title.text == tr("plot.expected_value", lang)
    cats = pd.DataFrame({"category": ["Bolts"], "revenue": [1.0], "share": [1.0]})
    assert category_mix(cats, lang).layout.title.text == tr("plot.mix_title", lang)
