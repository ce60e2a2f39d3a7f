"""One message catalogue (English and Russian) and locale-aware formatting via Babel.

Every user-facing text comes from ``kapot/locale/messages.toml``; numbers, money and dates are
formatted by Babel for the chosen locale, never by hand.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from functools import cache
from importlib import resources

from babel import Locale
from babel import dates as _bdates
from babel import numbers as _bnumbers

from kapot.errors import KapotError

__all__ = [
    "babel_locale",
    "DEFAULT_CURRENCIES",
    "LANGUAGES",
    "get_lang",
    "set_lang",
    "tr",
    "has_message",
    "month_name",
    "fmt_number",
    "fmt_int",
    "fmt_money",
    "fmt_percent",
    "fmt_date",
    "currency_for",
    "set_currency",
]

LANGUAGES = ("en", "ru")
_LOCALES = {"en": "en_US", "ru": "ru_RU"}
DEFAULT_CURRENCIES = {"en": "USD", "ru": "RUB"}
_current: list[str] = []
_currency: list[str] = []  # the warehouse's currency, set by whoever reads the warehouse


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("kapot").joinpath("locale/messages.toml").read_text("utf-8")
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict) and not (set(value) & set(LANGUAGES)):
                walk(name, value)
            elif isinstance(value, dict):
                flat[name] = value

    walk("", tomllib.loads(text))
    return flat


def catalogue() -> dict[str, dict[str, str]]:
    """All messages as ``{key: {"en": ..., "ru": ...}}``.

    Returns
    -------
    dict of str to dict
        A copy, keyed by the dotted message key (``section.name``); each entry maps a language
        code to its text with ``{placeholders}`` unfilled.
    """
    return dict(_catalogue())


def has_message(key: str) -> bool:
    """Whether the catalogue has a message ``key`` (without copying it, as :func:`catalogue`
    does: the faces ask it per table cell).

    Parameters
    ----------
    key : str
        A dotted message key (``tier.large``).

    Returns
    -------
    bool
    """
    return key in _catalogue()


def _check(lang: str) -> str:
    lang = (lang or "en").lower()[:2]
    if lang not in LANGUAGES:
        raise KapotError(f"unknown language '{lang}'; choose one of {', '.join(LANGUAGES)}")
    return lang


def get_lang(lang: str | None = None) -> str:
    """The language in force: the argument, else ``set_lang``, else ``KAPOT_LANG``, else en.

    Parameters
    ----------
    lang : str, optional
        ``en`` or ``ru`` (only the first two letters count, any case); None or empty falls
        through to the next source.

    Returns
    -------
    str
        ``"en"`` or ``"ru"``; an unknown language raises :class:`~kapot.errors.KapotError`.
    """
    if lang:
        return _check(lang)
    if _current:
        return _current[-1]
    return _check(os.environ.get("KAPOT_LANG", "en"))


def set_lang(lang: str) -> None:
    """Set the process-wide language (the CLI's ``--lang``).

    Parameters
    ----------
    lang : str
        ``en`` or ``ru`` (first two letters, any case); another raises
        :class:`~kapot.errors.KapotError` and leaves the language unchanged.
    """
    _current[:] = [_check(lang)]


def tr(key: str, lang: str | None = None, /, **params: object) -> str:
    """Translate ``key`` into ``lang`` and fill ``{placeholders}`` from ``params``.

    Parameters
    ----------
    key : str
        The dotted message key in ``kapot/locale/messages.toml``; an unknown one raises
        ``KeyError``.
    lang : str, optional
        ``en`` or ``ru`` (only the first two letters count, any case); None means
        :func:`get_lang`'s choice.
    **params : object
        The values of the text's ``{placeholders}`` (``str.format``); already formatted
        numbers and money are passed as strings.

    Returns
    -------
    str
        The message in the language.
    """
    entry = _catalogue()[key]
    text = entry[get_lang(lang)]
    return text.format(**params) if params else text


def month_name(month: int, lang: str | None = None, *, width: str = "wide") -> str:
    """Stand-alone month name (1-12) for the locale, e.g. 'November' / 'ноябрь'.

    Parameters
    ----------
    month : int
        1 (January) to 12.
    lang : str, optional
        ``en`` or ``ru`` (only the first two letters count, any case); None means
        :func:`get_lang`'s choice.
    width : {"wide", "abbreviated", "narrow"}, default "wide"
        Babel's width: ``November``, ``Nov``, ``N``.

    Returns
    -------
    str
        The name in the stand-alone (nominative) form.
    """
    names = _bdates.get_month_names(width, context="stand-alone", locale=_LOCALES[get_lang(lang)])
    return names[int(month)]


def babel_locale(lang: str | None) -> str:
    """The Babel locale of ``lang`` (``en_US``, ``ru_RU``), for formatting outside this module.

    Parameters
    ----------
    lang : str, optional
        ``en`` or ``ru`` (only the first two letters count, any case); None means
        :func:`get_lang`'s choice.

    Returns
    -------
    str
        ``"en_US"`` or ``"ru_RU"``.
    """
    return _LOCALES[get_lang(lang)]


def set_currency(code: str | None) -> None:
    """Set the process-wide money currency (an ISO 4217 code): the company's, as stored in the
    warehouse (:func:`kapot.store.currency.use_warehouse_currency`); None goes back to the default.

    Parameters
    ----------
    code : str or None
        An ISO 4217 code such as ``EUR`` (not checked here); None or empty clears it, so
        :func:`currency_for` falls back to ``KAPOT_CURRENCY`` or the language's default.
    """
    _currency[:] = [code] if code else []


def currency_for(lang: str | None = None) -> str:
    """The money currency: the company's (``set_currency``), else ``KAPOT_CURRENCY`` if set,
    else the language's default (USD in English, RUB in Russian).

    Parameters
    ----------
    lang : str, optional
        ``en`` or ``ru`` (only the first two letters count, any case); None means
        :func:`get_lang`'s choice.
        Only used when no company currency or ``KAPOT_CURRENCY`` is set.

    Returns
    -------
    str
        An ISO 4217 code.
    """
    if _currency:
        return _currency[-1]
    return os.environ.get("KAPOT_CURRENCY") or DEFAULT_CURRENCIES[get_lang(lang)]


def fmt_number(value: float, lang: str | None = None, *, digits: int = 2) -> str:
    """A number with the locale's grouping and decimal signs, e.g. ``1,234.50`` / ``1 234,50``.

    Parameters
    ----------
    value : float
        The number.
    lang : str, optional
        ``en`` or ``ru`` (only the first two letters count, any case); None means
        :func:`get_lang`'s choice.
    digits : int, default 2
        Decimals always shown (rounded half-even by Babel); 0 for none.

    Returns
    -------
    str
        The formatted number.
    """
    return _bnumbers.format_decimal(
        value, format=f"#,##0.{'0' * digits}" if digits else "#,##0", locale=babel_locale(lang)
    )


def fmt_int(value: float, lang: str | None = None) -> str:
    """A whole number with the locale's grouping, e.g. ``1,235`` / ``1 235``.

    Parameters
    ----------
    value : float
        The number, rounded with Python's ``round`` (half to even).
    lang : str, optional
        ``en`` or ``ru`` (only the first two letters count, any case); None means
        :func:`get_lang`'s choice.

    Returns
    -------
    str
        The formatted whole number.
    """
    return fmt_number(round(value), lang, digits=0)


def fmt_money(
    value: float, lang: str | None = None, *, currency: str | None = None, whole: bool = False
) -> str:
    """Money, e.g. ``$1,234,567.89`` (en) or ``1 234 567,89 ₽`` (ru); with ``whole``, rounded
    to whole units in the locale's own pattern (``$1,234,568`` / ``1 234 568 ₽``).

    Parameters
    ----------
    value : float
        The amount, in units of the currency (not cents).
    lang : str, optional
        ``en`` or ``ru`` (only the first two letters count, any case); None means
        :func:`get_lang`'s choice.
    currency : str, optional
        An ISO 4217 code; None means :func:`currency_for`.
    whole : bool, default False
        Round to whole units and drop the decimals.

    Returns
    -------
    str
        The amount with the currency's symbol placed as the locale places it.
    """
    cur = currency or currency_for(lang)
    if not whole:
        return _bnumbers.format_currency(value, cur, locale=babel_locale(lang))

    pattern = Locale.parse(babel_locale(lang)).currency_formats["standard"].pattern
    pattern = pattern.replace(".00", "")
    return _bnumbers.format_currency(
        round(value), cur, format=pattern, locale=babel_locale(lang), currency_digits=False
    )


def fmt_percent(value: float, lang: str | None = None, *, digits: int = 0) -> str:
    """A share as a percentage, e.g. ``42%`` / ``42 %``, with ``digits`` decimals.

    Parameters
    ----------
    value : float
        A share: 0.42 is shown as 42%.
    lang : str, optional
        ``en`` or ``ru`` (only the first two letters count, any case); None means
        :func:`get_lang`'s choice.
    digits : int, default 0
        Decimals of the percentage.

    Returns
    -------
    str
        The formatted percentage.
    """
    fmt = f"#,##0.{'0' * digits}%" if digits else "#,##0%"
    return _bnumbers.format_percent(value, format=fmt, locale=babel_locale(lang))


def fmt_date(value: dt.date, lang: str | None = None, *, format: str = "medium") -> str:
    """A date in the locale's format, e.g. 'Nov 22, 2026' / '22 нояб. 2026 г.'.

    Parameters
    ----------
    value : datetime.date
        The date.
    lang : str, optional
        ``en`` or ``ru`` (only the first two letters count, any case); None means
        :func:`get_lang`'s choice.
    format : str, default "medium"
        Babel's ``short``, ``medium``, ``long`` or ``full``, or a CLDR pattern such as
        ``"LLLL yyyy"``.

    Returns
    -------
    str
        The formatted date.
    """
    return _bdates.format_date(value, format=format, locale=babel_locale(lang))
