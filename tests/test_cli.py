"""The kapot command as a user runs it: a real subprocess, one-line errors, two languages."""

import json
import re
import subprocess
import sys

import pytest

from kapot.cli import main
from kapot.store.warehouse import Warehouse

from .conftest import write


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "kapot.cli", *args], capture_output=True, text=True, env=env
    )


def test_the_command_line_starts_without_the_library():
    # kapot --help and a one-line error wait for none of these (kapot.cli's docstring: 0.08 s
    # of CPU and 12 MB against 2.2 s and 211 MB with the commands' imports at the top)
    heavy = ("pandas", "duckdb", "numpy", "sklearn", "scipy", "voila", "papermill", "plotly")
    code = f"import sys, kapot.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_bad_input_is_one_line_exit_2_no_traceback(tmp_path):
    bad = write(tmp_path / "s.csv", "date,client,sku,qty,amount\n2024-13-45,C1,A,1,2\n")
    for lang, word in (("en", "cannot read"), ("ru", "не удаётся")):
        res = run("--lang", lang, "ingest", "--sales", str(bad), "--db", str(tmp_path / "w.duckdb"))
        assert res.returncode == 2
        assert "Traceback" not in res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and word in lines[0]
        assert "s.csv, row 2, column 'date'" in lines[0]
    assert not (tmp_path / "w.duckdb").exists()


def test_ingest_report_and_status(tmp_path, capsys):
    src = write(
        tmp_path / "s.csv",
        "date,client,sku,qty,amount\n2024-01-02,C1,A,1,1234.5\n2024-01-03,,A,1,2\n",
    )
    db = str(tmp_path / "w.duckdb")
    assert main(["ingest", "--sales", str(src), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "2 rows read, 1 new" in out and "no client id: 1" in out
    assert main(["--lang", "ru", "status", "--db", db]) == 0
    out = capsys.readouterr().out.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Продажи с 2 янв. 2024 г. по 2 янв. 2024 г., всего 1 234,50 ₽" in out


def test_demo_small(tmp_path, capsys):
    db = str(tmp_path / "demo.duckdb")
    assert (
        main(["demo", "--clients", "300", "--years", "2", "--end", "2026-10-31", "--db", db]) == 0
    )
    out = capsys.readouterr().out
    assert "Generated" in out and "Clients:" in out and "prospects without sales" in out
    counts = Warehouse(db).table_counts()
    assert counts["sales"] > 10_000 and counts["clients"] == 300
    # a head-of-sales login for the demo page, printed with its password
    from kapot.server.auth import AccountStore, default_accounts_path

    login, password = re.search(r"login '(\w+)', password '([^']+)'", out).groups()
    assert AccountStore(default_accounts_path(db)).verify(login, password).role == "head"
    # running it again rebuilds the same warehouse, it does not double it
    assert (
        main(["demo", "--clients", "300", "--years", "2", "--end", "2026-10-31", "--db", db]) == 0
    )
    again = Warehouse(db).table_counts()
    assert {k: v for k, v in again.items() if k != "loads"} == {
        k: v for k, v in counts.items() if k != "loads"
    }
    # clusters are stored as codes: the same warehouse names them in the language asked for,
    # and a cluster's name in either language finds the same clients
    capsys.readouterr()
    names = {}
    for lang in ("en", "ru"):
        assert main(["--lang", lang, "segments", "--db", db, "--format", "json"]) == 0
        seg = json.loads(capsys.readouterr().out)
        names[lang] = sorted({r["cluster_name"] for r in seg if r["cluster_name"]})
    assert names["en"] and len(names["en"]) == len(names["ru"]) and names["en"] != names["ru"]
    assert re.search("[а-я]", names["ru"][0]) and not re.search("[а-я]", names["en"][0])
    found = {}
    for lang, name in (("en", names["en"][0]), ("ru", None)):
        if name is None:  # the Russian name of the same cluster
            name = dict(zip(_codes(db), _codes(db, "ru"), strict=True))[names["en"][0]]
        assert (
            main(["--lang", lang, "find", "--db", db, "--segment", name, "--format", "json"]) == 0
        )
        found[lang] = [r["client_id"] for r in json.loads(capsys.readouterr().out)]
    assert found["en"] and found["en"] == found["ru"]


def _codes(db, lang="en"):
    """The clusters' names in ``lang``, in the order of their codes."""
    from kapot.faces.wording import cluster_label
    from kapot.pipeline.snapshot import Snapshot

    codes = sorted(set(Snapshot.open(db).table("segments")["cluster_code"].dropna()))
    return [cluster_label(c, lang) for c in codes]


def test_missing_warehouse_message(tmp_path, capsys):
    assert main(["status", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no warehouse" in capsys.readouterr().err


def test_ingest_needs_an_input(capsys):
    assert main(["ingest"]) == 2
    assert "nothing to load" in capsys.readouterr().err
