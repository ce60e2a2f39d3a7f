"""The company's currency: given at load (option or mapping), guessed from a Russian export,
stored in the warehouse, changed without reloading, and used by every money formatter."""

import datetime as dt
import re
import shutil

import pytest

from kapot import KapotError, i18n
from kapot.cli import main
from kapot.faces.page import calculator_page
from kapot.faces.status import load_lines, warehouse_summary
from kapot.models.potential import score_warehouse
from kapot.pipeline.build import build
from kapot.store.currency import change_currency, guess_currency, normalise_currency, read_currency
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate
from kapot.store.warehouse import Warehouse

from .conftest import query, write

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)
ENGLISH = "date,client,sku,qty,amount\n2024-01-02,C1,A,1,8728389.51\n2024-01-03,C2,B,2,10\n"
# a 1C-style export: Russian headers, decimal commas, cp1251
RUSSIAN = (
    "Дата;Контрагент;Номенклатура;Количество;Сумма\n"
    "02.01.2024;ООО Ромашка;Болт М8;1;8728389,51\n"
    "03.01.2024;ИП Иванов;Гайка М8;2;10,00\n"
)


def stored(db):
    return query(db, "SELECT value, source FROM settings WHERE key = 'currency'")


def test_codes_are_checked_with_the_nearest_suggested():
    assert normalise_currency(" rub ") == "RUB" and normalise_currency("eur") == "EUR"
    with pytest.raises(KapotError, match=r"unknown currency 'RUBB'.*nearest: RUB"):
        normalise_currency("RUBB")
    with pytest.raises(KapotError, match="unknown currency"):
        normalise_currency("$")
    i18n.set_lang("ru")
    with pytest.raises(KapotError, match="неизвестная валюта"):
        normalise_currency("рубль")


def test_guess_from_encoding_headers_or_names():
    assert guess_currency(["cp1251"], ["date"]) == "RUB"
    assert guess_currency(["utf-8"], ["Дата", "Сумма"]) == "RUB"
    assert guess_currency([None], ["shop_name"], ["Москва ТРК", "Якутск", "Shop 3"]) == "RUB"
    assert guess_currency(["utf-8"], ["date", "amount"], ["Acme", "Москва"]) is None
    assert guess_currency([None, "utf-8"], ["date", "amount"]) is None


def test_given_at_load_and_shown_everywhere(tmp_path, db, capsys):
    src = write(tmp_path / "s.csv", ENGLISH)
    assert main(["ingest", "--sales", str(src), "--currency", "rub", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "currency: RUB (Russian Ruble)" in out
    assert stored(db) == [["RUB", "given"]]
    # English keeps Babel's own form for roubles; Russian shows the sign
    assert main(["status", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert "RUB8,728,399.51" in text and "$" not in text
    assert text.strip().splitlines()[-1] == "currency: RUB (Russian Ruble)"
    assert main(["--lang", "ru", "status", "--db", str(db)]) == 0
    assert "8\xa0728\xa0399,51\xa0₽" in capsys.readouterr().out
    # a later load without a currency keeps it; a different one replaces it and says so
    more = write(tmp_path / "m.csv", "date,client,sku,qty,amount\n2024-02-02,C1,A,1,5\n")
    rep = ingest(more, db=db)
    assert (rep.currency, rep.currency_source) == ("RUB", "kept") and stored(db)[0][0] == "RUB"
    rep = ingest(more, db=db, currency="EUR")
    assert rep.currency_previous == "RUB" and stored(db) == [["EUR", "given"]]
    assert "(was RUB)" in load_lines(rep, "en")[-1]


def test_mapping_file_currency(tmp_path, db):
    src = write(tmp_path / "s.csv", ENGLISH)
    good = write(tmp_path / "m.toml", 'currency = "kzt"\n[sales.columns]\nquantity = "qty"\n')
    rep = ingest(src, mapping=good, db=db)
    assert stored(db) == [["KZT", "mapping"]] and "from the mapping file" in load_lines(rep)[-1]
    # an unknown code is an error naming the mapping file; the warehouse stays as it was
    bad = write(tmp_path / "bad.toml", 'currency = "roubles"\n')
    before = db.read_bytes()
    with pytest.raises(KapotError, match=r"bad\.toml: unknown currency 'roubles'"):
        ingest(src, mapping=bad, db=db)
    assert db.read_bytes() == before
    # the option wins over the mapping
    ingest(src, mapping=good, db=db, currency="USD")
    assert stored(db) == [["USD", "given"]]


def test_guessed_from_a_russian_export_and_said_so(tmp_path, db, capsys):
    src = write(tmp_path / "1c.csv", RUSSIAN, encoding="cp1251")
    assert main(["ingest", "--sales", str(src), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "currency: RUB (Russian Ruble), guessed from the data" in out
    assert "kapot currency CODE" in out
    assert stored(db) == [["RUB", "guessed"]]


def test_no_guess_keeps_the_language_default_and_says_so(tmp_path, db, capsys):
    src = write(tmp_path / "s.csv", ENGLISH)
    assert main(["ingest", "--sales", str(src), "--db", str(db)]) == 0
    assert "currency: not set" in capsys.readouterr().out
    with Warehouse(db).read() as con:
        assert read_currency(con) == (None, None)
    assert any("$8,728,399.51" in line for line in warehouse_summary(db))
    assert any("₽" in line for line in warehouse_summary(db, lang="ru"))


def test_changed_later_without_reloading(tmp_path, db, capsys):
    src = write(tmp_path / "1c.csv", RUSSIAN, encoding="cp1251")
    ingest(src, db=db)
    sales = query(db, "SELECT count(*), sum(amount) FROM sales")
    loads = query(db, "SELECT count(*) FROM loads")
    assert main(["currency", "--db", str(db)]) == 0
    assert "RUB (Russian Ruble), guessed" in capsys.readouterr().out
    assert main(["currency", "eur", "--db", str(db)]) == 0
    assert "RUB → EUR" in capsys.readouterr().out
    assert stored(db) == [["EUR", "changed"]]
    assert query(db, "SELECT count(*), sum(amount) FROM sales") == sales
    assert query(db, "SELECT count(*) FROM loads") == loads
    # a bad code: one line, exit 2, nothing changed
    before = db.read_bytes()
    assert main(["currency", "EURO", "--db", str(db)]) == 2
    assert "unknown currency 'EURO'" in capsys.readouterr().err
    assert db.read_bytes() == before
    assert main(["currency", "USD", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert change_currency("usd", db=db) == ("EUR", "USD")


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    db = tmp_path_factory.mktemp("cur") / "w.duckdb"
    d = generate(SynthConfig(n_clients=250, seed=8, end=END))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    build(AS_OF, db=db)
    score_warehouse(AS_OF, db=db)
    return db


def test_page_cli_table_and_exports_in_the_company_currency(scored, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    shutil.copy(scored, db)
    change_currency("RUB", db=db)
    page = calculator_page(db=str(db), lang="en")
    assert "RUB" in page.summary.value and "$" not in page.summary.value
    assert "RUB" in page.table.value and "$" not in page.table.value
    assert "Expected value, RUB" in page.export_frame(page.result).columns
    ru = calculator_page(db=str(db), lang="ru", calculator=page.calc)
    assert "₽" in ru.summary.value and "₽" in ru.table.value
    # the charts' money axes too
    from kapot.faces import plots

    fig = plots.potential_by_region(page.result, "en")
    assert "RUB" in str(fig.to_dict()["data"][0].get("text")) + str(fig.layout)
    # the CLI's table: money like the page's, blanks for missing values
    assert main(["find", "--limit", "40", "--db", str(db)]) == 0
    cap = capsys.readouterr()
    assert re.search(r"RUB[\d,]+\.\d\d", cap.out) and "$" not in cap.out
    assert "RUB" in cap.err  # the summary line
    assert " None" not in cap.out and " NaN" not in cap.out and " nan" not in cap.out
    assert not re.search(r"\d\.\d{4,}", cap.out)  # no raw floats such as 143003.019749
    assert main(["--lang", "ru", "find", "--limit", "5", "--db", str(db)]) == 0
    assert "₽" in capsys.readouterr().out
