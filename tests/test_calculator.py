"""The calculator as a whole: its ranking (kapot.faces.calculator) and the CLI over it. Its parts
have their own test modules: test_loading, test_cache, test_filtering, test_reasons, test_skus,
test_lookalikes, test_query and test_card."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from kapot.cli import main
from kapot.faces.calculator import Calculator, Query, top_rows
from kapot.models.potential import score_warehouse
from kapot.pipeline.build import build
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    db = tmp_path_factory.mktemp("pot") / "w.duckdb"
    d = generate(SynthConfig(n_clients=600, seed=31, end=END))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    build(AS_OF, db=db)
    score_warehouse(AS_OF, db=db)
    return db, d, Calculator.load(db)


def test_top_rows_by_hand_ties_broken_by_id():
    key = np.array([0.5, 0.9, 0.5, 0.5, 0.1, 0.9])
    ids = np.array(["e", "b", "a", "d", "c", "f"])
    every = np.arange(6)
    # 0.9: b before f; 0.5: a, d, e; then c
    assert top_rows(key, every, ids, 6).tolist() == [1, 5, 2, 3, 0, 4]
    # a shorter list is the head of a longer one, also where the cut falls inside a tie
    for n in range(7):
        assert top_rows(key, every, ids, n).tolist() == [1, 5, 2, 3, 0, 4][:n]
    # only the candidates; none at limit 0
    assert top_rows(key, np.array([0, 3, 4]), ids, 2).tolist() == [3, 0]
    assert top_rows(key, every, ids, 0).tolist() == []


def test_filters_never_change_scores_and_ranking_is_by_score(scored):
    _, _, c = scored
    all_ = c.find(Query(categories=(c.categories[1],), limit=10_000)).set_index("client_id")[
        "score"
    ]
    some = c.find(Query(categories=(c.categories[1],), regions=(c.regions()[1],), limit=10_000))
    assert (some["score"].to_numpy() == all_.loc[some["client_id"]].to_numpy()).all()
    assert (np.diff(some["score"].to_numpy()) <= 0).all()
    assert some["rank"].tolist() == list(range(1, len(some) + 1))
    assert len(c.find(Query(limit=7))) == 7


def test_the_cli_says_an_unknown_filter_value_in_one_line(scored, capsys):
    """A typo in a filter must not look like an empty list (issue 14); the calculator's own
    check is tests/test_filtering.py's."""
    db, _, c = scored
    manager = c.managers()[0]
    # the CLI: one line, exit 2, both languages
    for lang, word in (("en", "unknown region"), ("ru", "неизвестный регион")):
        assert main(["--lang", lang, "find", "--region", "Mosow", "--db", str(db)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and word in err[0] and "Moscow" in err[0]
    assert main(["--lang", "en", "find", "--segment", "lsot", "--db", str(db)]) == 2
    assert "lost" in capsys.readouterr().err
    # worklists only for managers in the data, unless --new-manager
    wl = [
        "--lang",
        "en",
        "worklist",
        "create",
        "--db",
        str(db),
        "--who",
        "prospects",
        "--size",
        "50",
    ]
    assert main([*wl, "--for", manager + "a"]) == 2
    assert f"nearest known: {manager}" in capsys.readouterr().err
    assert main([*wl, "--for", "Novikova", "--new-manager"]) == 0
    assert "Novikova" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["csv", "json", "table", "xlsx"])
def test_cli_find_formats(scored, tmp_path, capsys, fmt):
    db, _, c = scored
    out = tmp_path / f"list.{fmt}"
    args = [
        "find",
        "--category",
        c.categories[0],
        "--limit",
        "12",
        "--format",
        fmt,
        "--db",
        str(db),
    ]
    assert main([*args, "--output", str(out)]) == 0
    if fmt == "csv":
        df = pd.read_csv(out)
    elif fmt == "xlsx":
        df = pd.read_excel(out)
    elif fmt == "json":
        df = pd.DataFrame(json.loads(out.read_text()))
    else:
        text = out.read_text()
        assert text.splitlines()[0].split()[:4] == ["rank", "client_id", "name", "region"]
        return
    assert len(df) == 12
    assert {
        "rank",
        "client_id",
        "name",
        "region",
        "score",
        "expected_value",
        "peak_month",
        "reasons",
    } <= set(df.columns)


def test_cli_similar_and_backtest(scored, capsys):
    db, _, c = scored
    cid = c.clients["client_id"].iloc[0]
    assert main(["similar", cid, "--limit", "3", "--format", "csv", "--db", str(db)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 4
    assert main(["similar", "--db", str(db)]) == 2
    assert main(["backtest", "--cutoff", "2026-07-01", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    rows = {ln.split()[0]: ln.split()[1:] for ln in text.splitlines() if ln[:1].isalpha()}
    assert {"kapot", "peer_industry", "als", "largest"} <= set(rows) and "Served:" in text
    # the engine's list finds more first-time buyers than calling the largest clients first
    assert float(rows["kapot"][0]) > float(rows["largest"][0])
