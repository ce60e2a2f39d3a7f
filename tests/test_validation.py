"""kapot.faces.validation: the engine's validation report (numbers and codes) in words."""

from __future__ import annotations

from kapot.faces.validation import evidence, leaderboard, main_report, notes

REPORT = {
    "k": 50,
    "horizon_days": 90,
    "served": {"new": "blend", "repeat": "boosted"},
    "leaderboard": [
        {
            "task": "new",
            "ranker": "blend",
            "precision_at_k": 0.3,
            "ndcg_at_k": 0.4,
            "lift_vs_largest": 3.0,
            "served": True,
            "test_cutoff": "2026-08-03",
            "validation_cutoffs": "2026-05-05",
        },
        {
            "task": "new",
            "ranker": "largest",
            "precision_at_k": 0.1,
            "ndcg_at_k": 0.1,
            "lift_vs_largest": 1.0,
            "served": False,
            "test_cutoff": "2026-08-03",
            "validation_cutoffs": "2026-05-05",
        },
    ],
    "notes": ["repeat:no_validation_fold"],
}


def test_evidence_words_the_served_lift_in_each_language():
    en = evidence(REPORT, "en")
    assert "3.0×" in en and "15.0 against 5.0 in 50 calls" in en and "Aug 3, 2026" in en
    ru = evidence(REPORT, "ru")
    assert "3,0" in ru and "15,0 против 5,0" in ru
    assert evidence(None, "en") == evidence({"leaderboard": []}, "en") != en


def test_leaderboard_and_notes_are_translated_and_best_first():
    lb = leaderboard(REPORT, "ru")
    assert lb["ranker"].tolist()[0] == "смесь всех (обученная)"
    assert lb["served"].tolist() == ["*", ""] and "precision@50" in lb
    assert notes(REPORT, "en")[0].startswith("repeat purchases: ")


def test_main_report_prefers_categories_then_skus():
    sku = {"k": 1}
    assert main_report({"category": {"has_categories": False}, "sku": sku}) is sku
    assert main_report({}) is None
