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
    SKUs (every SKU its own item).

    Parameters
    ----------
    reports : dict of str to dict
        The validation reports by level (``category``, ``sku``), as stored by
        :func:`kapot.models.potential.score_warehouse`.

    Returns
    -------
    dict or None
        The category report unless it says the warehouse has no categories, else the SKU
        report (or the category one if there is no SKU report); None when ``reports`` is empty.
    """
    if not reports:
        return None
    cat = reports.get("category")
    if cat and cat.get("has_categories", True):
        return cat
    return reports.get("sku") or cat


def leaderboard(report: dict, lang: str | None = None) -> pd.DataFrame:
    """The leaderboard ``kapot score`` prints: one row per task and ranker, best first within
    each task.

    Parameters
    ----------
    report : dict
        One level's validation report (:meth:`kapot.models.engine.Engine.report`).
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    pandas.DataFrame
        Columns task and ranker (in words), ``precision@<k>`` and ``ndcg@<k>`` (4 decimals),
        lift (over "largest clients first", 2 decimals), served (``*`` for the served one),
        test (the test fold's cutoff, ``-`` if none), validation (the validation cutoffs).
        Empty, without columns, when the report has no leaderboard.
    """
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
    """What could not be validated and the fallback taken.

    Parameters
    ----------
    report : dict
        One level's validation report (:meth:`kapot.models.engine.Engine.report`).
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    list of str
        One line per note, prefixed by its task's name where the note names one.
    """
    out = []
    for note in report.get("notes", []):
        task, _, key = note.rpartition(":")
        text = tr(f"validation.note_{key}", lang, days=report.get("horizon_days", 90))
        out.append(f"{tr(f'validation.task_{task}', lang)}: {text}" if task else text)
    return out


def evidence(report: dict | None, lang: str | None = None) -> str:
    """One sentence a sales director can read: what the served list would have found on the
    user's own last horizon, against calling the largest clients first.

    Parameters
    ----------
    report : dict or None
        One level's validation report (:func:`main_report`); None: nothing validated.
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    str
        The new-buyer task's figures (found in the top k, against the largest clients, the
        lift, the test horizon's dates), or a sentence saying nothing could be validated.
    """
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
