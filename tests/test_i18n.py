import datetime as dt
import re

import pytest

from kapot import KapotError, i18n


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_every_message_has_both_languages_with_the_same_placeholders():
    cat = i18n.catalogue()
    assert len(cat) > 50
    for key, entry in cat.items():
        assert set(entry) == {"en", "ru"}, key
        assert entry["en"].strip() and entry["ru"].strip(), key
        assert _placeholders(entry["en"]) == _placeholders(entry["ru"]), key


def test_money_numbers_and_dates_follow_the_locale():
    nb = "\u00a0"
    assert i18n.fmt_money(1234567.891, "en") == "$1,234,567.89"
    assert i18n.fmt_money(1234567.891, "ru").replace(nb, " ") == "1 234 567,89 ₽"
    assert i18n.fmt_number(1234.5, "ru").replace(nb, " ") == "1 234,50"
    assert i18n.fmt_int(1234567, "en") == "1,234,567"
    assert i18n.fmt_percent(0.256, "en") == "26%"
    assert i18n.fmt_date(dt.date(2026, 11, 22), "en") == "Nov 22, 2026"
    assert i18n.fmt_date(dt.date(2026, 11, 22), "ru", format="short") == "22.11.2026"
    assert i18n.month_name(11, "en") == "November"
    assert i18n.month_name(11, "ru") == "ноябрь"


def test_currency_override(monkeypatch):
    monkeypatch.setenv("KAPOT_CURRENCY", "EUR")
    assert i18n.fmt_money(10, "en") == "€10.00"


def test_the_company_currency_wins_over_language_and_environment(monkeypatch):
    monkeypatch.setenv("KAPOT_CURRENCY", "EUR")
    i18n.set_currency("RUB")
    assert i18n.fmt_money(1234.5, "en") == "RUB1,234.50"
    assert i18n.fmt_money(1234.5, "ru") == "1\xa0234,50\xa0₽"
    assert i18n.fmt_money(1234.6, "ru", whole=True) == "1\xa0235\xa0₽"
    assert i18n.fmt_money(5, "en", currency="USD") == "$5.00"  # explicit still wins
    i18n.set_currency(None)
    assert i18n.fmt_money(10, "en") == "€10.00"


def test_language_resolution(monkeypatch):
    assert i18n.get_lang() == "en"
    monkeypatch.setenv("KAPOT_LANG", "ru")
    assert i18n.get_lang() == "ru"
    assert i18n.tr("ingest.empty_file") == "файл пуст"
    i18n.set_lang("en")
    assert i18n.tr("ingest.empty_file") == "the file is empty"
    with pytest.raises(KapotError, match="unknown language"):
        i18n.set_lang("de")
