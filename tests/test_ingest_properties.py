"""Property-based tests of ingestion (hypothesis): random tables with random bad cells, random
delimiters, encodings, corruptions and options never end in a traceback, always exit 0 or 2,
never change the warehouse on exit 2, and never store a value the checks forbid on exit 0.

The suite runs a few hundred examples; ``make fuzz`` runs many more
(``KAPOT_FUZZ_EXAMPLES``, default 5000 there).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kapot import KapotError
from kapot.cli import main
from kapot.store.ingest import ingest

EXAMPLES = int(os.environ.get("KAPOT_FUZZ_EXAMPLES", "150"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the repository; a failure prints its example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)

# canonical column -> header spellings kapot recognises (and one it does not)
HEADERS = {
    "date": ["date", "Дата", "InvoiceDate", "Posting date"],
    "client": ["customer id", "Контрагент", "Customer ID"],
    "sku": ["sku", "Артикул", "StockCode"],
    "qty": ["qty", "Количество", "Quantity"],
    "amount": ["amount", "Сумма", "Net amount"],
    "name": ["client name", "Наименование контрагента"],
    "region": ["region", "Регион", "Country"],
    "junk": ["Комментарий", "notes", ""],
}
HOSTILE_CELLS = [
    "",
    " ",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "null",
    "1e15",
    "-99999999999999999999",
    "9999-12-31",
    "0001-01-01",
    "31.12.9999",
    "2958465",
    "00.00.0000",
    "2024-02-30",
    '=HYPERLINK("http://evil.example/x","click")',
    "+7 (495) 123-45-67",
    "@SUM(1)",
    "'; DROP TABLE sales; --",
    "<script>alert(1)</script>",
    '"',
    '""',
    "a,b;c\td|e",
    "line\nbreak",
    "\r",
    "\x00",
    "\ufeff",
    "\u202e",
    "Ёлка «Рёрих» №5",
    "(12,50)",
    "1 234,56",
    "12-",
    "$1,027.08",
    "-0",
    "0x1F",
    "1_000",
]


def good_cell(kind: str) -> st.SearchStrategy[str]:
    if kind == "date":  # one format per column, as an export writes them
        return st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)).map(
            dt.date.isoformat
        )
    if kind in ("qty", "amount"):
        return st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.2f}") | st.integers(
            -1000, 1000
        ).map(str)
    if kind in ("client", "sku"):
        return st.from_regex(r"[A-Z]{1,3}[0-9]{1,4}", fullmatch=True)
    return st.text(max_size=12)


def sometimes(one_in: int) -> st.SearchStrategy[bool]:
    """True about once in ``one_in`` draws (and False when shrinking)."""
    return st.sampled_from([False] * (one_in - 1) + [True])


def cell(kind: str, bad_percent: int = 50) -> st.SearchStrategy[str]:
    """A good value for the column, or (``bad_percent`` % of the time) a hostile one."""
    bad = st.sampled_from(HOSTILE_CELLS) | st.text(max_size=20)
    return st.sampled_from(range(100)).flatmap(
        lambda r: bad if r < bad_percent else good_cell(kind)
    )


@st.composite
def csv_files(draw) -> tuple[str, bytes, list[str]]:
    """(suffix, bytes, extra CLI flags) of a random, often broken, sales export."""
    # a plausible export with a few bad cells half of the time, anything the other half
    plausible = draw(st.booleans())
    if plausible:
        kinds = ["date", "client", "sku", "qty", "amount"]
        kinds += draw(st.lists(st.sampled_from(["name", "region", "junk"]), unique=True))
        kinds = draw(st.permutations(kinds))
    else:
        kinds = draw(st.lists(st.sampled_from(list(HEADERS)), min_size=1, max_size=8, unique=True))
    header = [draw(st.sampled_from(HEADERS[k])) for k in kinds]
    n_rows = draw(st.integers(1 if plausible else 0, 12))
    bad_percent = draw(st.sampled_from([0, 0, 1, 5]) if plausible else st.sampled_from([20, 60]))
    rows = [[draw(cell(k, bad_percent)) for k in kinds] for _ in range(n_rows)]
    if rows and draw(sometimes(20)):  # a field over the 128 KB limit
        rows[draw(st.integers(0, len(rows) - 1))][draw(st.integers(0, len(kinds) - 1))] = (
            "x" * 131_073
        )
    if not plausible and draw(st.booleans()):  # a ragged line
        rows.append([draw(cell("junk")) for _ in range(draw(st.integers(0, len(kinds) + 3)))])
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    title = draw(st.sampled_from([[], [["Отчёт о продажах"], []]]))
    buf = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]))
    if quoting == csv.QUOTE_NONE:  # a naive exporter: no quoting at all
        for r in title + [header] + rows:
            buf.write(delimiter.join(r) + "\n")
    else:
        csv.writer(buf, delimiter=delimiter, quoting=quoting).writerows(title + [header] + rows)
    text = buf.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16", "koi8-r"]))
    data = text.encode(encoding, errors="replace")
    if draw(sometimes(4)):  # some lines in another encoding
        other = draw(st.sampled_from(["utf-8", "cp1251"]))
        lines = text.splitlines(keepends=True)
        picks = draw(st.lists(st.integers(0, max(len(lines) - 1, 0)), max_size=4))
        data = b"".join(
            ln.encode(other if i in picks else encoding, errors="replace")
            for i, ln in enumerate(lines)
        )
    if draw(sometimes(10)):  # random bytes spliced in
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if data and draw(sometimes(10)):  # cut short
        data = data[: draw(st.integers(1, len(data)))]
    suffix = draw(st.sampled_from([".csv"] * 6 + [".txt", ".csv.gz", ".xlsx"]))
    if suffix == ".csv.gz":
        data = gzip.compress(data)
    flags = draw(st.lists(st.sampled_from(["--strict", "--mixed-encoding"]), unique=True))
    return suffix, data, flags


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("fuzz") / "w.duckdb"
    good = "date,customer id,sku,qty,amount\n2024-01-05,C1,A,2,20.50\n2024-02-10,C2,B,3,30.75\n"
    path = db.parent / "good.csv"
    path.write_text(good)
    ingest(path, db=db)
    return db


def _forbidden_values(db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            """
            SELECT (SELECT count(*) FROM sales WHERE NOT isfinite(quantity) OR NOT isfinite(amount)
                     OR abs(quantity) >= 1e15 OR abs(amount) >= 1e15
                     OR date < DATE '1900-01-01' OR date > DATE '2200-12-31'
                     OR length(client_id) > 131072 OR length(sku) > 131072)
                 + (SELECT count(*) FROM clients WHERE length(name) > 131072)
            """
        ).fetchall()[0][0]
    finally:
        con.close()


@SETTINGS
@given(case=csv_files())
def test_cli_ingest_of_random_files_exits_0_or_2_and_keeps_the_warehouse(warehouse, case):
    suffix, data, flags = case
    src = warehouse.parent / f"in{suffix}"
    src.write_bytes(data)
    before = warehouse.read_bytes()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["ingest", "--sales", str(src), "--db", str(warehouse), *flags])
    assert rc in (0, 2), err.getvalue()
    event(f"exit {rc}")
    if rc == 2:
        event(err.getvalue().split(": ", 2)[-1][:50])
    assert not list(warehouse.parent.glob(warehouse.name + ".tmp-*"))
    if rc == 2:
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err.getvalue()
        assert len(lines[0]) < 1000  # no value is quoted whole
        assert warehouse.read_bytes() == before
    else:
        assert "Loaded into" in out.getvalue()
        assert _forbidden_values(warehouse) == 0


_EXTREME_FLOATS = st.sampled_from(
    [np.inf, -np.inf, np.nan, 1e308, -1e16, 1e15, 999999999999999.0, 0.0, -0.0, 5e-324]
)


@st.composite
def typed_frames(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 6))
    date_unit = draw(st.sampled_from(["s", "ms", "us", "ns"]))
    if date_unit == "ns":
        lo, hi = pd.Timestamp("1678-01-01"), pd.Timestamp("2262-01-01")
    else:
        lo, hi = pd.Timestamp("0001-01-01"), pd.Timestamp("9999-12-31")
    date_kind = draw(st.sampled_from(["datetime", "datetime", "serial", "text"]))
    if date_kind == "datetime":
        if not draw(sometimes(4)):  # within the accepted years, mostly
            lo = max(lo, pd.Timestamp("1900-01-01"))
            hi = min(hi, pd.Timestamp("2201-01-01"))
        days = draw(st.lists(st.integers(0, (hi - lo).days - 1), min_size=n, max_size=n))
        dates = pd.Series(
            (lo.to_datetime64().astype(f"M8[{date_unit}]") + np.array(days, "m8[D]")).astype(
                f"M8[{date_unit}]"
            )
        )
    elif date_kind == "serial":
        wild_serial = st.floats(allow_nan=True) | _EXTREME_FLOATS
        serial = st.floats(2, 109_574) if not draw(sometimes(4)) else wild_serial
        dates = pd.Series(draw(st.lists(serial, min_size=n, max_size=n)))
    else:
        dates = pd.Series(draw(st.lists(cell("date", 30), min_size=n, max_size=n)), dtype=object)

    wild = draw(sometimes(4))  # a quarter of the frames: any float at all

    def numbers():
        value = (
            st.floats(allow_nan=True, allow_infinity=True) | _EXTREME_FLOATS
            if wild
            else st.floats(-1e9, 1e9) | st.sampled_from([0.0, -0.0, 5e-324, 999999999999999.0])
        )
        return pd.Series(draw(st.lists(value, min_size=n, max_size=n)))

    frame = pd.DataFrame(
        {
            "date": dates,
            "client_id": draw(st.lists(cell("client", 10) | st.none(), min_size=n, max_size=n)),
            "sku": draw(st.lists(cell("sku", 10), min_size=n, max_size=n)),
            "quantity": numbers(),
            "amount": numbers() if draw(st.booleans()) else numbers().astype(object),
        }
    )
    if draw(st.booleans()):
        frame["price"] = numbers()
    return frame


@SETTINGS
@given(frame=typed_frames())
def test_ingest_of_random_typed_frames_raises_only_kapot_errors(warehouse, frame):
    before = warehouse.read_bytes()
    try:
        ingest(frame, db=warehouse)
    except KapotError as exc:
        event("KapotError: " + exc.message.split("'")[-1][:30])
        assert len(str(exc)) < 1000
        assert warehouse.read_bytes() == before
    else:
        event("loaded")
        assert _forbidden_values(warehouse) == 0
