"""The calculator: scores for everyone, filters, reasons, SKUs on demand, lookalikes, CLI."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from kapot import KapotError
from kapot.cli import main
from kapot.faces.calculator import Calculator, Query
from kapot.faces.wording import peak_label, reason_text, with_reasons
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


def test_scores_are_probabilities_for_everyone(scored):
    _, d, calc = scored
    p = calc.scores["probability"]
    assert p.shape == (600, calc.scores["probability"].shape[1]) and ((p >= 0) & (p <= 1)).all()
    assert (calc.scores["expected_value"] >= 0).all()
    # prospects are scored too, from lookalikes
    prospects = calc.clients["is_prospect"].to_numpy().astype(bool)
    assert prospects.any() and p[prospects].max() > 0


def _check(calc, q, predicate):
    res = calc.find(q)
    rows = calc.clients.set_index("client_id").loc[res["client_id"]]
    assert predicate(res, rows), q
    return res


def test_each_filter_only_lets_through_what_it_should(scored):
    _, _, c = scored
    cats = c.categories
    region = c.regions()[0]
    manager = c.managers()[0]
    n = 10_000
    _check(
        c,
        Query(regions=(region,), limit=n),
        lambda r, x: (x["region"] == region).all() and len(r) > 0,
    )
    _check(c, Query(managers=(manager,), limit=n), lambda r, x: (x["manager"] == manager).all())
    _check(c, Query(pays_on_time=True, limit=n), lambda r, x: (x["pays_on_time"] == True).all())  # noqa: E712
    for peak, month in (("current", 11), ("next", 12), (7, 7)):
        _check(
            c,
            Query(peak_month=peak, limit=n),
            lambda r, x, m=month: ((x["peak_month"] == m) & x["seasonal"].astype(bool)).all(),
        )
    _check(
        c,
        Query(exclude_off_assortment=True, limit=n),
        lambda r, x: (x["off_assortment_share"] <= 0.5).all(),
    )
    _check(
        c,
        Query(who="prospects", limit=n),
        lambda r, x: x["is_prospect"].astype(bool).all() and len(r) > 0,
    )
    _check(c, Query(who="existing", limit=n), lambda r, x: (~x["is_prospect"].astype(bool)).all())
    _check(c, Query(size_tiers=("large",), limit=n), lambda r, x: (x["size_tier"] == "large").all())
    _check(
        c,
        Query(segments=("champions",), limit=n),
        lambda r, x: (x["rfm_segment"] == "champions").all(),
    )
    _check(
        c,
        Query(min_expected_value=1000.0, limit=n),
        lambda r, x: (r["expected_value"] >= 1000).all(),
    )
    j = c.categories.index(cats[0])
    bought = dict(zip(c.clients["client_id"], c.scores["has_bought"][:, j] > 0, strict=True))
    _check(
        c,
        Query(categories=(cats[0],), new_buyers_only=True, limit=n),
        lambda r, x: not any(bought[k] for k in r["client_id"]) and len(r) > 0,
    )


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


def test_reasons_match_the_data(scored):
    _, _, c = scored
    res = c.find(Query(limit=600))
    idx = {k: i for i, k in enumerate(c.clients["client_id"])}
    horizon = {(AS_OF + dt.timedelta(days=d)).month for d in range(0, 90, 7)}
    seen = set()
    for cid in res["client_id"]:
        i = idx[cid]
        row = c.clients.iloc[i]
        for key, params in c.reason_codes(i, Query()):
            seen.add(key)
            j = c.categories.index(params["item"]) if "item" in params else None
            if key == "buys_regularly":
                assert c.scores["item_months_12m"][i, j] >= 6
            elif key == "pays_on_time":
                assert row["pays_on_time"] == True  # noqa: E712
            elif key == "peak_in_horizon":
                assert row["seasonal"] and int(row["peak_month"]) in horizon
            elif key == "lookalike":
                assert row["is_prospect"]
            elif key == "peers_buy":
                assert c.scores["has_bought"][i, j] == 0 and params["share"] >= 0.2
            elif key == "same_season":
                # bought a year ago, and the pair's own season is significant and now
                assert c.scores["item_revenue_same_season_ly"][i, j] > 0
                assert c.scores["in_season"][i, j] == 1
                assert params["peak_month"] == c.scores["pair_peak_month"][i, j] > 0
    assert {"buys_regularly", "pays_on_time", "lookalike", "same_season"} <= seen
    # the calculator returns the codes; the faces word them in their language
    res = c.find(Query(limit=5))
    assert "reasons" not in res and res["reason_codes"].map(len).gt(0).all()
    ru = with_reasons(res, "ru")["reasons"]
    assert ru.str.len().gt(0).all() and ru.str.contains("[а-я]", regex=True).all()
    en = with_reasons(res, "en")["reasons"]
    assert not en.str.contains("[а-я]", regex=True).any() and (en != ru).all()


def test_same_season_fires_only_for_a_pair_in_season(scored):
    # the gate bites: clients who bought a category in this season last year without that
    # pair being in season get no "same season" reason for it; those in season get it, with
    # the pair's peak ("peak in June, ±1 month")
    _, _, c = scored
    bought = c.scores["item_revenue_same_season_ly"] > 0
    inseason = c.scores["in_season"] > 0
    assert (bought & ~inseason).sum() > 10 and (bought & inseason).sum() > 0
    assert not (inseason & np.isnan(c.scores["pair_peak_month"])).any()
    hits = misses = 0
    for i, j in zip(*np.nonzero(bought), strict=True):
        q = Query(categories=(c.categories[j],))
        keys = [k for k, _ in c.reason_codes(i, q)]
        assert ("same_season" in keys) == bool(inseason[i, j])
        hits, misses = hits + inseason[i, j], misses + (not inseason[i, j])
        if hits > 30 and misses > 30:
            break
    i, j = (x[0] for x in np.nonzero(bought & inseason))
    text = reason_text(c.reason_codes(i, Query(categories=(c.categories[j],))), "en")
    label = peak_label(c.scores["pair_peak_month"][i, j], c.scores["pair_peak_pm"][i, j], "en")
    assert label.startswith("peak in ") and f"in this season last year ({label})" in text
    # a SKU's reasons use its category's pair: a SKU of the category just seen, for that client
    prods = c.products
    sku = prods.loc[prods["category"] == c.categories[j], "sku"].astype(str)
    sku = next(x for x in sku if x in set(c.skus()))
    s = c.sku_scores(sku)
    assert np.array_equal(s["in_season"], c.scores["in_season"][:, j])
    assert np.array_equal(s["pair_peak_month"], c.scores["pair_peak_month"][:, j], equal_nan=True)
    for i in np.flatnonzero(s["item_revenue_same_season_ly"] > 0)[:60]:
        keys = [k for k, _ in c.reason_codes(i, Query(skus=(sku,)))]
        assert ("same_season" in keys) == bool(s["in_season"][i])


def test_bad_queries(scored):
    _, _, c = scored
    with pytest.raises(KapotError, match="unknown category"):
        c.find(Query(categories=("Marshmallows",)))
    with pytest.raises(KapotError, match="not a month"):
        c.find(Query(peak_month=13))
    with pytest.raises(KapotError, match="unknown SKU"):
        c.find(Query(skus=("NOPE",)))


def test_unknown_filter_values_are_errors_with_the_nearest(scored, tmp_path, capsys):
    """A typo in a filter must not look like an empty list (issue 14)."""
    db, d, c = scored
    region = c.regions()[0]
    manager = c.managers()[0]
    cases = [
        (Query(regions=(region[:-1] + "x",)), "unknown region", region),
        (Query(managers=(manager.lower(),)), "unknown manager", manager),
        (Query(size_tiers=("larg",)), "unknown size tier", "large"),
        (Query(segments=("champion",)), "unknown segment", "champions"),
        (Query(categories=(c.categories[0].upper() + "s",)), "unknown category", c.categories[0]),
    ]
    for q, message, near in cases:
        with pytest.raises(KapotError, match=message) as err:
            c.find(q)
        assert near in str(err.value).split(":", 1)[1], str(err.value)
    sku = d.products["sku"].iloc[0]
    with pytest.raises(KapotError, match=f"unknown SKU '{sku}9'; nearest known: .*{sku}"):
        c.find(Query(skus=(sku + "9",)))
    # known values with no match still give an empty list, not an error
    want = int((c.clients["size_tier"].eq("non_profile") & c.clients["region"].eq(region)).sum())
    got = c.find(Query(size_tiers=("non_profile",), regions=(region,)))
    assert got.attrs["matched"] == want and len(got) == min(want, Query().limit)
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


def test_sku_illiquid_and_lookalikes(scored):
    _, d, c = scored
    sku = d.products.loc[d.products["in_assortment"], "sku"].iloc[0]
    res = c.illiquid(sku, limit=10)
    assert len(res) == 10 and (res["expected_quantity"] >= 0).all()
    assert (np.diff(res["cumulative_quantity"]) >= 0).all() and res["stock_qty"].notna().all()
    cid = c.clients.loc[~c.clients["is_prospect"].astype(bool), "client_id"].iloc[0]
    sim = c.similar(cid, limit=10)
    assert cid not in set(sim["client_id"]) and len(sim) == 10
    assert (np.diff(sim["similarity"]) <= 1e-12).all() and sim["region"].nunique() > 1
    seg = c.similar_to_segment("champions", limit=10)
    assert not set(seg["client_id"]) & set(
        c.clients.loc[c.clients["rfm_segment"] == "champions", "client_id"]
    )


def test_slow_movers_from_memory_are_the_warehouses_illiquid_skus(scored):
    """The page lists slow movers from the products table in memory; it must be the list the
    warehouse query gives, also for products with unknown assortment, stock or arrival date."""
    import copy

    from kapot.models.potential import illiquid_skus
    from kapot.store.warehouse import Warehouse

    db, _, c = scored
    with Warehouse(db).read() as con:
        expected = illiquid_skus(con, c.as_of)
    assert expected and c.slow_movers() == expected
    with Warehouse(db).read() as con:
        assert c.slow_movers(30) == illiquid_skus(con, c.as_of, min_age_days=30)
    p = c.products.copy()
    slow = expected[0]
    odd = p["sku"] == slow
    hostile = copy.copy(c)
    for col, value, stays in (
        ("in_assortment", None, True),  # unknown assortment counts as supplied, as in SQL
        ("in_assortment", False, False),
        ("stock_qty", None, False),
        ("stock_qty", 0, False),
        ("stock_since", None, False),
    ):
        q = p.copy()
        q[col] = q[col].astype(object)
        q.loc[odd, col] = value
        hostile.products = q
        assert (slow in hostile.slow_movers()) is stays, (col, value)


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
