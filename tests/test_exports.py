"""Call-list exports (kapot.faces.exports): hostile client records from CRMs and web forms never become
live formulas in Excel or CSV, and what managers need (names, dialable phones, numbers as
numbers) stays as it was. The CLI's csv/xlsx and the page's downloads go through the same path."""

import base64
import csv
import datetime as dt
import io
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kapot.cli import main
from kapot.faces import exports
from kapot.faces.page import calculator_page
from kapot.models.potential import score_warehouse
from kapot.pipeline.build import build
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)

# The examples and OWASP's: each would run (or be evaluated) if opened as typed.
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/x","click")',
    "@SUM(A1)",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    'ООО "Ромашка", Москва',
    "Plain Trading Ltd",
]
HOSTILE_PHONES = ["=1+1", "+7 (495) 123-45-67", "-2+3", "@SUM(A1)", "+74951234567", None]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _runnable(cell: str) -> bool:
    """Would a spreadsheet evaluate this CSV field? (A plain number such as -12.5 is data.)"""
    if not cell.startswith(TRIGGERS):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def _frame() -> pd.DataFrame:
    n = len(HOSTILE_NAMES)
    return pd.DataFrame(
        {
            "client_id": [f"{i:06d}" for i in range(n)],  # leading zeros: text, not numbers
            "name": HOSTILE_NAMES,
            "phone": (HOSTILE_PHONES * 2)[:n],
            "score": np.linspace(0.9, 0.1, n),
            "expected_value": [-12.5, 0.0, 143003.019749, np.nan, 1e6, 2.0, 3.0, 4.0, 5.0, 6.0],
            "orders": pd.array([1, 2, None, 4, 5, 6, 7, 8, 9, 10], dtype="Int64"),
            "since": pd.to_datetime(["2026-01-02"] * (n - 1) + [None]),
            "pays": [True, False] * (n // 2),
        }
    )


def _cells(xlsx: bytes) -> list[list[openpyxl.cell.cell.Cell]]:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    return [list(r) for r in ws.iter_rows()]


def test_xlsx_has_no_formula_and_keeps_text_and_numbers_exact():
    df = _frame()
    rows = _cells(exports.to_xlsx_bytes(df))
    assert [c.value for c in rows[0]] == list(df.columns)
    assert all(c.data_type != "f" for r in rows for c in r)
    body = rows[1:]
    assert len(body) == len(df)
    col = {name: j for j, name in enumerate(df.columns)}
    for r, (_, want) in zip(body, df.iterrows(), strict=True):
        assert r[col["name"]].value == want["name"].replace("\r", "\n")
        assert r[col["name"]].data_type == "s"
        assert r[col["client_id"]].value == want["client_id"]  # "000003" stays text
        if pd.isna(want["phone"]):
            assert r[col["phone"]].value is None
        else:
            assert r[col["phone"]].value == want["phone"] and r[col["phone"]].data_type == "s"
        assert r[col["score"]].data_type == "n" and r[col["score"]].value == pytest.approx(
            want["score"]
        )
        if pd.isna(want["expected_value"]):
            assert r[col["expected_value"]].value is None
        else:
            assert r[col["expected_value"]].value == want["expected_value"]
        if pd.isna(want["orders"]):
            assert r[col["orders"]].value is None
        else:
            assert r[col["orders"]].value == int(want["orders"])
        assert r[col["pays"]].data_type == "b"
    assert body[0][col["since"]].is_date and body[-1][col["since"]].value is None


def test_xlsx_drops_what_xml_cannot_hold():
    df = pd.DataFrame({"name": ["bad\x00name\x07", "=ok\ttab"]})
    rows = _cells(exports.to_xlsx_bytes(df))
    assert [r[0].value for r in rows[1:]] == ["badname", "=ok\ttab"]


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_follows_owasp_and_reads_back():
    df = _frame()
    text = exports.to_csv_text(df)
    rows = _csv_rows(text)
    assert rows[0] == list(df.columns) and len(rows) == len(df) + 1
    for row in rows[1:]:
        for cell in row:
            assert not _runnable(cell), cell  # nothing a spreadsheet would run
    got = pd.DataFrame(rows[1:], columns=rows[0])
    assert [exports.unquote_csv_cell(v) for v in got["name"]] == HOSTILE_NAMES
    phones = [exports.unquote_csv_cell(v) or None for v in got["phone"]]
    assert phones == (HOSTILE_PHONES * 2)[: len(df)]
    # the phone stays readable and dialable: every digit, the plus, in order
    dial = got["phone"][df["phone"] == "+7 (495) 123-45-67"].iloc[0]
    assert dial == "'+7 (495) 123-45-67" and re.sub(r"[^\d+]", "", dial) == "+74951234567"
    # text is quoted, numbers are bare numbers (a negative amount is not text)
    line = text.splitlines()[1]
    assert line.startswith('"000000",') and ",-12.5," in line
    back = pd.read_csv(io.StringIO(text), dtype={"client_id": str})
    assert back["expected_value"].tolist()[:3] == [-12.5, 0.0, 143003.019749]
    assert back["client_id"].iloc[3] == "000003"
    assert back["score"].dtype == float and back["orders"].isna().sum() == 1


@pytest.mark.parametrize("text", [*HOSTILE_NAMES, *filter(None, HOSTILE_PHONES), "", "'", "''-1"])
def test_csv_cell_round_trip(text):
    safe = exports.safe_csv_cell(text)
    assert not safe.startswith(TRIGGERS)
    assert exports.unquote_csv_cell(safe) == text


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A scored warehouse whose client records carry the hostile names and phones."""
    db = tmp_path_factory.mktemp("exports") / "w.duckdb"
    d = generate(SynthConfig(n_clients=300, seed=5, end=END))
    clients = d.clients.copy()
    buyers = clients["client_id"].isin(d.sales["client_id"])
    idx = clients.index[buyers][: len(HOSTILE_NAMES)]
    names = [n.strip() for n in HOSTILE_NAMES]  # ingestion trims a field's outer whitespace
    clients.loc[idx, "name"] = names
    clients.loc[idx, "phone"] = (HOSTILE_PHONES * 2)[: len(idx)]
    ingest(d.sales, clients=clients, products=d.products, invoices=d.invoices, db=db)
    build(AS_OF, db=db)
    score_warehouse(AS_OF, db=db)
    return db, clients.loc[idx, ["client_id", "name", "phone"]]


def _listed(db, fmt, tmp_path, *extra):
    out = tmp_path / f"calls.{fmt}"
    args = ["find", "--limit", "400", "--format", fmt, "--output", str(out), "--db", str(db)]
    assert main([*args, *extra]) == 0
    return out


def test_cli_xlsx_and_csv_neutralise_hostile_clients(hostile, tmp_path):
    db, bad = hostile
    rows = _cells(_listed(db, "xlsx", tmp_path).read_bytes())
    head = [c.value for c in rows[0]]
    assert all(c.data_type != "f" for r in rows for c in r)
    by_id = {r[head.index("client_id")].value: r for r in rows[1:]}
    shown = bad[bad["client_id"].isin(by_id)]
    assert len(shown) >= 5  # the list holds most of them
    for _, want in shown.iterrows():
        r = by_id[want["client_id"]]
        assert r[head.index("name")].value == want["name"]
        assert r[head.index("phone")].value == (None if pd.isna(want["phone"]) else want["phone"])
        assert r[head.index("expected_value")].data_type == "n"
        assert r[head.index("rank")].data_type == "n"

    text = _listed(db, "csv", tmp_path).read_text("utf-8")
    got = _csv_rows(text)
    assert not any(_runnable(cell) for row in got for cell in row)
    frame = pd.DataFrame(got[1:], columns=got[0]).set_index("client_id")
    for _, want in shown.iterrows():
        assert exports.unquote_csv_cell(frame.loc[want["client_id"], "name"]) == want["name"]


def _download(html_text: str, ext: str) -> bytes:
    m = re.search(rf'class="kapot-dl-{ext}"[^>]*href="data:[^;]+;base64,([^"]+)"', html_text)
    assert m, html_text[:300]
    return base64.b64decode(m.group(1))


def test_page_downloads_use_the_same_safe_export(hostile):
    db, bad = hostile
    page = calculator_page(db=str(db))
    page.limit.value = page.limit.max
    res = page.result
    links = page._downloads_html(res)
    rows = _cells(_download(links, "xlsx"))
    assert all(c.data_type != "f" for r in rows for c in r)
    head = [c.value for c in rows[0]]
    names = {r[head.index("Client")].value for r in rows[1:]}
    listed = bad[bad["client_id"].isin(res["client_id"])]
    assert len(listed) and set(listed["name"]) <= names
    text = _download(links, "csv").decode("utf-8-sig")
    got = _csv_rows(text)
    assert len(got) == len(res) + 1
    assert not any(_runnable(cell) for row in got for cell in row)


def test_cli_table_shows_money_and_blanks_like_the_page(hostile, capsys):
    """`kapot find --format table` (issue 14: it printed 143003.019749 and None)."""
    db, bad = hostile
    assert main(["find", "--limit", "400", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    missing = bad.loc[bad["phone"].isna(), "client_id"]
    rows = [line for line in lines if any(f" {cid} " in line for cid in missing)]
    assert rows, "a client without a phone is listed"
    assert "None" not in out and "nan" not in out.lower().split()
    assert re.search(r"\$\d{1,3}(,\d{3})*\.\d\d\b", out)
    assert not re.search(r"\b\d+\.\d{3,}\b", out)  # no raw floats
    assert re.search(r"\b\d{1,3}%", out)  # the score as a percentage, as on the page
