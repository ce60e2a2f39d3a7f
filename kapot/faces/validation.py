"""The evidence a user sees: the engine's validation report in their language.

:func:`kapot.models.potential.score_warehouse` stores, per level, what the engine found on the user's
own history (:meth:`kapot.models.engine.Engine.report`). This module turns it into the leaderboard
table ``kapot score`` prints and the one line the page and the weekly report show.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kapot.i18n import fmt_date, fmt_number, tr

__all__ = ["leaderboard", "evidence", "notes", "main_report"]


def main_report(reports: dict[str, dict]) -> dict | None:
    """The report behind the default list: categories where the warehouse has them, else
    SKUs (every SKU its own item)."""
    if not reports:
        return None
    cat = reports.get("category")
    if cat and cat.get("has_categories", True):
        return cat
    return reports.get("sku") or cat


def leaderboard(report: dict, lang: str | None = None) -> pd.DataFrame:
    """One row per task and ranker: precision@k, NDCG@k, lift over "largest clients first",
    whether it is served, and the folds; best first within each task.

    Columns: task, ranker, precision, ndcg, lift, served, test, validation."""
    lb = pd.DataFrame(report.get("leaderboard", []))
    if lb.empty:
        return lb
    lb = lb.sort_values(["task", "precision_at_k"], ascending=[True, False])
    out = pd.DataFrame(
        {
            "task": lb["task"].map(lambda t: tr(f"validation.task_{t}", lang)),
            "ranker": lb["ranker"].map(lambda r: tr(f"validation.ranker_{r}", lang)),
            f"precision@{report['k']}": lb["precision_at_k"].round(4),
            f"ndcg@{report['k']}": lb["ndcg_at_k"].round(4),
            "lift": lb["lift_vs_largest"].round(2),
            "served": np.where(lb["served"], "*", ""),
            "test": lb["test_cutoff"].fillna("-"),
            "validation": lb["validation_cutoffs"],
        }
    )
    return out.reset_index(drop=True)


def notes(report: dict, lang: str | None = None) -> list[str]:
    """What could not be validated and the fallback taken, one line each."""
    out = []
    for note in report.get("notes", []):
        task, _, key = note.rpartition(":")
        text = tr(f"validation.note_{key}", lang, days=report.get("horizon_days", 90))
        out.append(f"{tr(f'validation.task_{task}', lang)}: {text}" if task else text)
    return out


def evidence(report: dict | None, lang: str | None = None) -> str:
    """One sentence a sales director can read: what the served list would have found on the
    user's own last horizon, against calling the largest clients first."""
    if not report:
        return tr("validation.none", lang)
    lb = pd.DataFrame(report.get("leaderboard", []))
    served = report.get("served", {}).get("new")
    if lb.empty or served is None:
        return tr("validation.none", lang)
    new = lb[lb["task"] == "new"].set_index("ranker")
    if served not in new.index or "largest" not in new.index:
        return tr("validation.none", lang)
    p = float(new.loc[served, "precision_at_k"])
    ref = float(new.loc["largest", "precision_at_k"])
    k = int(report.get("k", 50))
    test = new.loc[served, "test_cutoff"]
    start = dt.date.fromisoformat(test) if test else None
    figures = {
        "lift": fmt_number(p / ref, lang, digits=1) if ref > 0 else "∞",
        "found": fmt_number(p * k, lang, digits=1),
        "ref": fmt_number(ref * k, lang, digits=1),
        "k": k,
    }
    if start is not None:
        end = start + dt.timedelta(days=int(report.get("horizon_days", 90)) - 1)
        dates = {"start": fmt_date(start, lang), "end": fmt_date(end, lang)}
        parts = [tr("validation.evidence", lang, **dates, **figures)]
    else:
        parts = [tr("validation.evidence_no_test", lang, **figures)]
    if served.startswith("peer_"):
        parts.append(
            tr("validation.peer_served", lang, ranker=tr(f"validation.ranker_{served}", lang))
        )
    return " ".join(parts)
