"""The faces' words for the library's codes: the library below the faces returns codes and
numbers (reason codes with their figures, cluster codes, peak months with their ±months); the
page, the report, the explorer and the CLI word them here, in the language they show."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from kapot.i18n import fmt_money, fmt_percent, has_message, month_name, tr

__all__ = [
    "cluster_label",
    "cluster_code_of",
    "find_summary",
    "peak_label",
    "reason_text",
    "with_reasons",
]


def cluster_label(code: object, lang: str | None = None) -> str:
    """A behavioural cluster's name from its code: "high revenue, ordered recently".

    Parameters
    ----------
    code : object
        A cluster code (:meth:`kapot.models.clusters.Clusterer.code`, e.g.
        ``high.log_revenue_12m,low.log_recency``); anything but a non-empty string is no
        cluster.
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    str
        The parts' names joined by ", " (a part the catalogue lacks shown as it is); empty for
        a client without a cluster.
    """
    if not isinstance(code, str) or not code:
        return ""
    return ", ".join(
        tr(f"cluster.{part}", lang) if has_message(f"cluster.{part}") else part
        for part in code.split(",")
    )


def cluster_code_of(value: str, codes: Iterable[str], lang: str | None = None) -> str:
    """The cluster code a user means by ``value``, which may be a code or its name.

    Parameters
    ----------
    value : str
        What the user typed or picked: a code, a cluster's name, an RFM segment...
    codes : iterable of str
        The cluster codes in the data (other values are skipped).
    lang : str, optional
        The language whose names are tried first; then English and Russian.

    Returns
    -------
    str
        The code of ``codes`` that is ``value`` or whose name is ``value``, else ``value``
        itself.
    """
    codes = [c for c in codes if isinstance(c, str)]
    if value in codes:
        return value
    for other in (lang, *("en", "ru")):
        for code in codes:
            if cluster_label(code, other) == value:
                return code
    return value


def peak_label(
    month: object, pm: object = None, lang: str | None = None, *, short: bool = False
) -> str:
    """A peak month with its uncertainty for the page and the card: "peak in June, ±1 month".

    Parameters
    ----------
    month : object
        The peak month, 1-12; 0, None or NaN: no peak.
    pm : object, optional
        Its uncertainty in months (the seasonality table's ``peak_pm``); None or NaN: unknown.
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).
    short : bool, default False
        "June ±1" for a table's peak-month column.

    Returns
    -------
    str
        "peak in June" when ``pm`` is 0, only the month's name when ``pm`` is unknown, "" when
        there is no peak.
    """
    if month is None or pd.isna(month) or not 1 <= int(month) <= 12:
        return ""
    name = month_name(int(month), lang)
    if pm is None or pd.isna(pm):
        return name
    pm = int(pm)
    if short:
        return name if pm == 0 else tr("seasonality.short_pm", lang, month=name, pm=pm)
    key = "peak_exact" if pm == 0 else "peak_pm_one" if pm == 1 else "peak_pm_many"
    return tr(f"seasonality.{key}", lang, month=name, pm=pm)


def reason_text(codes: Iterable[tuple[str, dict]], lang: str | None = None, most: int = 4) -> str:
    """Why a client is on the list, in words.

    Parameters
    ----------
    codes : iterable of tuple of (str, dict)
        Reason codes, strongest first (:meth:`kapot.faces.calculator.Calculator.reason_codes`:
        a catalogue key under ``reason.`` and its figures).
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).
    most : int, default 4
        How many reasons at most.

    Returns
    -------
    str
        The first ``most`` reasons joined by "; ": months named, a pair's peak_month and
        peak_pm as "peak in June, ±1 month", shares as percentages.
    """
    parts = []
    for key, params in list(codes)[:most]:
        shown = dict(params)
        if "month" in shown:
            shown["month"] = month_name(shown["month"], lang)
        if "peak_month" in shown:
            shown["peak"] = peak_label(shown.pop("peak_month"), shown.pop("peak_pm", None), lang)
        if "share" in shown:
            shown["share"] = fmt_percent(shown["share"], lang)
        parts.append(tr(f"reason.{key}", lang, **shown))
    return "; ".join(parts)


def with_reasons(res: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """A list with its reasons in words instead of codes.

    Parameters
    ----------
    res : pandas.DataFrame
        A :meth:`kapot.faces.calculator.Calculator.find` list: any columns, with
        ``reason_codes``.
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).

    Returns
    -------
    pandas.DataFrame
        A copy of ``res`` with a ``reasons`` column (:func:`reason_text`) in the place of
        ``reason_codes``; its attrs kept.
    """
    out = res.copy()
    pos = list(out.columns).index("reason_codes")
    words = [reason_text(c, lang) for c in out["reason_codes"]]
    out = out.drop(columns="reason_codes")
    out.insert(pos, "reasons", words)
    out.attrs = dict(res.attrs)
    return out


def find_summary(res: pd.DataFrame, lang: str | None = None, *, currency: str | None = None) -> str:
    """'312 clients found, expected value $1.2M' for a list of
    :meth:`kapot.faces.calculator.Calculator.find`.

    Parameters
    ----------
    res : pandas.DataFrame
        The list: any columns (its rows are the clients shown); its attrs ``matched`` and
        ``total_expected_value`` hold the clients found and their value (without them, the
        rows shown and 0).
    lang : str, optional
        ``en`` or ``ru``; None: the language in force (:func:`kapot.i18n.get_lang`).
    currency : str, optional
        The money's currency (ISO 4217, the warehouse's); None: the one in force.

    Returns
    -------
    str
    """
    return tr(
        "calculator.summary",
        lang,
        found=res.attrs.get("matched", len(res)),
        shown=len(res),
        value=fmt_money(res.attrs.get("total_expected_value", 0.0), lang, currency=currency),
    )
