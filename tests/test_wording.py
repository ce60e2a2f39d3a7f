"""kapot.faces.wording: the faces word the library's codes, in the language they show."""

from __future__ import annotations

import pandas as pd

from kapot.faces.wording import (
    cluster_code_of,
    cluster_label,
    find_summary,
    peak_label,
    reason_text,
    with_reasons,
)


def test_cluster_codes_are_worded_in_each_language():
    code = "high.log_revenue_12m,low.log_recency"
    assert cluster_label(code, "en") == "high revenue, ordered recently"
    assert cluster_label(code, "ru") == "высокая выручка, заказывали недавно"
    assert cluster_label(None, "en") == "" and cluster_label("", "ru") == ""
    assert cluster_label("high.<b>", "en") == "high.<b>"  # an unknown part shows as it is


def test_a_cluster_name_in_either_language_means_its_code():
    codes = ["high.log_revenue_12m,low.log_recency", "low.trend,high.late_share", None]
    assert cluster_code_of("high revenue, ordered recently", codes, "en") == codes[0]
    assert cluster_code_of("сокращающиеся, платят с опозданием", codes, "en") == codes[1]
    assert cluster_code_of(codes[1], codes, "ru") == codes[1]
    assert cluster_code_of("champions", codes, "en") == "champions"


def test_peak_labels():
    assert peak_label(6, 1, "en") == "peak in June, ±1 month"
    assert peak_label(6, 2, "en") == "peak in June, ±2 months"
    assert peak_label(6, 0, "en") == "peak in June"
    assert peak_label(6, 1, "ru") == "пик закупок: июнь, ±1 мес."
    assert peak_label(11, 1, "en", short=True) == "November ±1"
    assert peak_label(0, 1, "en") == "" and peak_label(None, None, "en") == ""
    assert peak_label(3, pd.NA, "en") == "March"


def test_reasons_are_worded_from_their_codes_and_figures():
    codes = [
        ("peak_in_horizon", {"month": 6}),
        ("growing", {"share": 0.25}),
        ("pays_on_time", {}),
        ("same_season", {"item": "Tea", "peak_month": 7, "peak_pm": 1}),
        ("reorder_due", {"days": 30}),
    ]
    en = reason_text(codes, "en")
    ru = reason_text(codes, "ru")
    assert en.count("; ") == 3 and ru.count("; ") == 3  # the first four
    assert "June" in en and "25%" in en and "июн" in ru and "30" not in en
    assert "bought Tea in this season last year (peak in July, ±1 month)" in en
    res = pd.DataFrame({"client_id": ["A", "B"], "reason_codes": [codes[:1], []], "x": [1, 2]})
    res.attrs["matched"] = 7
    out = with_reasons(res, "en")
    assert list(out.columns) == ["client_id", "reasons", "x"] and out.attrs["matched"] == 7
    assert out["reasons"].tolist() == [reason_text(codes[:1], "en"), ""]


def test_find_summary_counts_and_money():
    res = pd.DataFrame({"client_id": ["A"]})
    res.attrs.update(matched=312, total_expected_value=1234.5)
    text = find_summary(res, "en", currency="USD")
    assert "312" in text and "$1,234.50" in text
    assert "₽" in find_summary(res, "ru", currency="RUB")
