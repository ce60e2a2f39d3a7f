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
    """All messages as ``{key: {"en": ..., "ru": ...}}``."""
    return dict(_catalogue())


def _check(lang: str) -> str:
    lang = (lang or "en").lower()[:2]
    if lang not in LANGUAGES:
        raise KapotError(f"unknown language '{lang}'; choose one of {', '.join(LANGUAGES)}")
    return lang


def get_lang(lang: str | None = None) -> str:
    """The language in force: the argument, else ``set_lang``, else ``KAPOT_LANG``, else en."""
    if lang:
        return _check(lang)
    if _current:
        return _current[-1]
    return _check(os.environ.get("KAPOT_LANG", "en"))


def set_lang(lang: str) -> None:
    """Set the process-wide language (the CLI's ``--lang``)."""
    _current[:] = [_check(lang)]


def tr(key: str, lang: str | None = None, /, **params: object) -> str:
    """Translate ``key`` into ``lang`` and fill ``{placeholders}`` from ``params``."""
    entry = _catalogue()[key]
    text = entry[get_lang(lang)]
    return text.format(**params) if params else text


def month_name(month: int, lang: str | None = None, *, width: str = "wide") -> str:
    """Stand-alone month name (1-12) for the locale, e.g. 'November' / 'ноябрь'."""
    names = _bdates.get_month_names(width, context="stand-alone", locale=_LOCALES[get_lang(lang)])
    return names[int(month)]


def babel_locale(lang: str | None) -> str:
    """The Babel locale of ``lang`` (``en_US``, ``ru_RU``), for formatting outside this module."""
    return _LOCALES[get_lang(lang)]


def set_currency(code: str | None) -> None:
    """Set the process-wide money currency (an ISO 4217 code): the company's, as stored in the
    warehouse (:func:`kapot.store.currency.use_warehouse_currency`); None goes back to the default."""
    _currency[:] = [code] if code else []


def currency_for(lang: str | None = None) -> str:
    """The money currency: the company's (``set_currency``), else ``KAPOT_CURRENCY`` if set,
    else the language's default (USD in English, RUB in Russian)."""
    if _currency:
        return _currency[-1]
    return os.environ.get("KAPOT_CURRENCY") or DEFAULT_CURRENCIES[get_lang(lang)]


def fmt_number(value: float, lang: str | None = None, *, digits: int = 2) -> str:
    """A number with the locale's grouping and decimal signs."""
    return _bnumbers.format_decimal(
        value, format=f"#,##0.{'0' * digits}" if digits else "#,##0", locale=babel_locale(lang)
    )


def fmt_int(value: float, lang: str | None = None) -> str:
    """A whole number with the locale's grouping, e.g. ``1,235`` / ``1 235``."""
    return fmt_number(round(value), lang, digits=0)


def fmt_money(
    value: float, lang: str | None = None, *, currency: str | None = None, whole: bool = False
) -> str:
    """Money, e.g. ``$1,234,567.89`` (en) or ``1 234 567,89 ₽`` (ru); with ``whole``, rounded
    to whole units in the locale's own pattern (``$1,234,568`` / ``1 234 568 ₽``)."""
    cur = currency or currency_for(lang)
    if not whole:
        return _bnumbers.format_currency(value, cur, locale=babel_locale(lang))

    pattern = Locale.parse(babel_locale(lang)).currency_formats["standard"].pattern
    pattern = pattern.replace(".00", "")
    return _bnumbers.format_currency(
        round(value), cur, format=pattern, locale=babel_locale(lang), currency_digits=False
    )


def fmt_percent(value: float, lang: str | None = None, *, digits: int = 0) -> str:
    """A share as a percentage, e.g. ``42%`` / ``42 %``, with ``digits`` decimals."""
    fmt = f"#,##0.{'0' * digits}%" if digits else "#,##0%"
    return _bnumbers.format_percent(value, format=fmt, locale=babel_locale(lang))


def fmt_date(value: dt.date, lang: str | None = None, *, format: str = "medium") -> str:
    """A date in the locale's format, e.g. 'Nov 22, 2026' / '22 нояб. 2026 г.'."""
    return _bdates.format_date(value, format=format, locale=babel_locale(lang))
