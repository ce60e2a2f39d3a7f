"""kapot.cli.profiles: ``kapot build``, ``seasonality``, ``segments`` and ``who-buys``, and
:func:`run_pipeline`, which build, score and demo share."""

import datetime as dt
import json

import pandas as pd
import pytest

from kapot.cli import main
from kapot.cli.profiles import run_pipeline
from kapot.pipeline.snapshot import Snapshot, published_dates
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate

from .conftest import SCORED_AS_OF as AS_OF


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_cli_seasonality_and_segments_formats(scored_warehouse, scored_data, tmp_path, capsys, fmt):
    db, n = scored_warehouse, len(scored_data.clients)
    out = tmp_path / f"s.{fmt}"
    assert (
        main(
            [
                "seasonality",
                "--as-of",
                AS_OF.isoformat(),
                "--format",
                fmt,
                "--output",
                str(out),
                "--db",
                str(db),
            ]
        )
        == 0
    )
    text = out.read_text()
    if fmt == "csv":
        df = pd.read_csv(out, dtype={"client_id": str})
        assert list(df.columns)[:8] == [
            "client_id",
            "peak_month",
            "seasonal",
            "p_value",
            "strength",
            "months_of_history",
            "cycles",
            "source",
        ]
        assert len(df) == n and df.loc[~df["seasonal"], "peak_month"].isna().all()
    elif fmt == "json":
        rows = json.loads(text)
        assert len(rows) == n and {"client_id", "peak_month", "source"} <= set(rows[0])
    else:
        assert "client_id" in text.splitlines()[0]
    assert main(["segments", "--format", fmt, "--db", str(db)]) == 0
    assert "client_id" in capsys.readouterr().out


def test_cli_who_buys(scored_warehouse, capsys):
    db = scored_warehouse
    assert main(["who-buys", "--category", "Anchors", "--format", "csv", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "dimension,value,buyers,share_of_buyers,share_of_all,lift"
    assert len(out) > 10
    with pytest.raises(SystemExit):  # exactly one of --category / --sku
        main(["who-buys", "--db", str(db)])


def test_build_runs_the_pipeline_and_says_what_it_built(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    end = dt.date(2026, 10, 31)
    d = generate(SynthConfig(n_clients=200, years=2, seed=5, end=end))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    capsys.readouterr()
    as_of = end + dt.timedelta(days=1)
    assert main(["build", "--as-of", as_of.isoformat(), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"Built as of {as_of.isoformat()}: 200 clients" in out
    assert published_dates(db) == {as_of}
    assert Snapshot.open(db, as_of).horizon_days is None  # build stops before the scores
    run_pipeline(as_of, db, score=True, horizon_days=30)  # score: the scores and validation too
    out = capsys.readouterr().out
    assert "Built as of" in out and "30" in out
    assert Snapshot.open(db, as_of, scored=True).horizon_days == 30


def test_the_segments_name_their_clusters_in_the_language(scored_warehouse, capsys):
    for lang in ("en", "ru"):
        assert (
            main(["--lang", lang, "segments", "--format", "json", "--db", str(scored_warehouse)])
            == 0
        )
        rows = json.loads(capsys.readouterr().out)
        names = {r["cluster_name"] for r in rows if r["cluster_name"]}
        assert names and all(isinstance(n, str) for n in names)
        if lang == "ru":
            assert all(any("а" <= ch <= "я" for ch in n.lower()) for n in names)


def test_a_date_not_built_is_one_line(scored_warehouse, capsys):
    assert main(["seasonality", "--as-of", "2020-01-01", "--db", str(scored_warehouse)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no build for 2020-01-01" in err[0]
