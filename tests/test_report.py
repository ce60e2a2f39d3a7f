"""The weekly report's computations, on a hand-made warehouse with hand-computed answers."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kapot import KapotError
from kapot.faces.report import (
    Scope,
    at_risk,
    default_week,
    kpis,
    new_and_lost,
    order_taker_vs_hunter,
    peak_next_month,
    pipeline_at,
    segment_movements,
    top_potential,
    transition_matrix,
    week_bounds,
    weekly_revenue,
)
from kapot.faces.worklists import PipelineConfig, WorklistStore
from kapot.pipeline.pipeline import publish, report_facts
from kapot.pipeline.plan import sales_span
from kapot.store.ingest import ingest
from kapot.store.warehouse import Warehouse

W47 = dt.date(2026, 11, 16)  # Monday of 2026-W47


@pytest.fixture
def wh(db):
    sales = pd.DataFrame(
        [
            # this week (W47): A reorders bolts (bought them in W46), A tries nuts (new category),
            # N buys for the first time; A's return does not count as an order
            ("2026-11-16", "I1", "A", "B1", 1, 100.0),
            ("2026-11-17", "I2", "A", "N1", 1, 50.0),
            ("2026-11-18", "I3", "N", "B1", 1, 30.0),
            ("2026-11-19", "R1", "A", "B1", -1, -10.0),
            # previous week (W46)
            ("2026-11-10", "I0", "A", "B1", 2, 200.0),
            # same ISO week last year (2025-W47 starts 2025-11-17)
            ("2025-11-18", "L1", "A", "B1", 1, 80.0),
            ("2025-11-19", "L2", "L", "B1", 1, 20.0),
        ],
        columns=["date", "invoice_id", "client_id", "sku", "quantity", "amount"],
    )
    clients = pd.DataFrame(
        {
            "client_id": ["A", "N", "L"],
            "manager": ["Petrova", "Petrova", "Sidorov"],
            "region": ["Moscow", "Kazan", "Moscow"],
        }
    )
    products = pd.DataFrame({"sku": ["B1", "N1"], "category": ["Bolts", "Nuts"]})
    ingest(sales, clients=clients, products=products, db=db)
    # the report reads the facts the pipeline publishes for the Monday after W47, never sales
    with Warehouse(db).write() as con:
        for name, frame in report_facts(con, W47 + dt.timedelta(days=7)).items():
            publish(con, name, frame, W47 + dt.timedelta(days=7))
    return Warehouse(db)


def test_week_bounds():
    assert week_bounds("2026-W47") == (W47, W47 + dt.timedelta(days=7))
    with pytest.raises(KapotError, match="ISO week"):
        week_bounds("2026-47")


def test_kpis_by_hand(wh):
    with wh.read() as con:
        k = kpis(con, W47)
    # this week: 100 + 50 + 30 - 10 = 170 revenue, 3 orders, 2 clients, AOV 170/3
    assert k.loc["revenue"].tolist()[:3] == [170.0, 200.0, 100.0]
    assert k.loc["orders"].tolist()[:3] == [3, 1, 2]
    assert k.loc["active_clients"].tolist()[:3] == [2, 1, 2]
    assert k.loc["avg_order_value", "this_week"] == pytest.approx(170 / 3)
    assert k.loc["revenue", "vs_previous"] == pytest.approx(170 / 200 - 1)
    assert k.loc["revenue", "vs_last_year"] == pytest.approx(0.7)


def test_new_and_lost(wh):
    with wh.read() as con:
        nl = new_and_lost(con, W47, lost_after_days=365)
    # N bought first in W47; L's last purchase (2025-11-19) turned 365 days old during W47
    assert nl.set_index("client_id")["status"].to_dict() == {"N": "new", "L": "lost"}


def test_order_taker_vs_hunter(wh):
    with wh.read() as con:
        oh = order_taker_vs_hunter(con, W47 + dt.timedelta(days=7), weeks=1).set_index("manager")
    p = oh.loc["Petrova"]
    # A's bolts: routine (bought in W46); A's nuts: a new category; N: a new client
    assert (p["routine"], p["new_category"], p["new_client"]) == (100.0, 50.0, 30.0)
    assert p["routine_share"] == pytest.approx(100 / 180)
    assert "Sidorov" not in oh.index or np.isnan(oh.loc["Sidorov", "routine_share"])

    with wh.read() as con:
        two = order_taker_vs_hunter(con, W47 + dt.timedelta(days=7), weeks=2)
        with pytest.raises(ValueError, match="weeks"):
            order_taker_vs_hunter(con, W47 + dt.timedelta(days=7), weeks=14)
    # over W46 and W47, A's W46 bolts are routine too (bought 2025-11-18, within 12 months)
    assert two.set_index("manager").loc["Petrova", "routine"] == 300.0


def test_the_report_reads_published_facts_never_sales_or_invoices():
    import re
    from importlib import resources

    folder = resources.files("kapot").joinpath("sql/report")
    names = [f.name for f in folder.iterdir() if f.name.endswith(".sql")]
    assert len(names) > 5
    for name in names:
        text = re.sub(r"--[^\n]*", "", folder.joinpath(name).read_text("utf-8"))
        assert not re.search(r"\b(sales|invoices)\b", text), name


def test_scope_restricts_every_figure_to_its_clients(wh):
    with wh.read() as con:
        moscow = kpis(con, W47, Scope(region="Moscow"))
        kazan = kpis(con, W47, Scope(region="Kazan"))
        sidorov = kpis(con, W47, Scope(manager="Sidorov"))
        nl = new_and_lost(con, W47, Scope(region="Moscow"), lost_after_days=365)
    # Moscow this week is A alone: 100 + 50 - 10; Kazan is N's 30
    assert moscow.loc["revenue", "this_week"] == 140.0
    assert kazan.loc["revenue", "this_week"] == 30.0
    assert sidorov.loc["revenue", "this_week"] == 0.0
    assert sidorov.loc["revenue", "last_year"] == 20.0  # L, last year
    assert nl["client_id"].tolist() == ["L"]  # N (new) is in Kazan


def test_weekly_revenue_by_hand(wh):
    with wh.read() as con:
        w = weekly_revenue(con, W47, weeks=3)
    assert w["week"].tolist() == ["2026-W45", "2026-W46", "2026-W47"]
    assert w["revenue"].tolist() == [0.0, 200.0, 170.0]
    # the data begin on 2025-11-18: last year's W45 and W46 are unknown, not zero
    assert np.isnan(w["revenue_last_year"][:2]).all() and w["revenue_last_year"][2] == 100.0


def test_default_week_is_the_last_complete_week(wh):
    first, last = sales_span(wh.path)
    # the last sale is Thursday 2026-11-19, so W47 is not complete yet: W46
    assert (first, last) == (dt.date(2025, 11, 18), dt.date(2026, 11, 19))
    assert default_week(last) == "2026-W46"
    assert default_week(dt.date(2026, 11, 22)) == "2026-W47"  # a Sunday ends its week
    with pytest.raises(KapotError):
        default_week(None)


def _results(db, **frames):
    """Hand-made result tables (as if built) written into the warehouse."""
    with Warehouse(db).write() as con:
        for name, frame in frames.items():
            con.register("_f", frame)
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _f")
            con.unregister("_f")


AS_OF = W47 + dt.timedelta(days=7)  # the report for W47 is as of Monday 2026-11-23


def test_peak_next_month_by_hand(wh, db):
    months = {f"m{i:02d}": [0.05] * 4 for i in range(1, 13)}
    months["m12"] = [0.4, 0.3, 0.4, 0.2]
    seas = pd.DataFrame(
        {
            "client_id": ["A", "N", "L", "X"],
            "as_of": pd.Timestamp(AS_OF),
            "peak_month": [12, 12, 12, 11],
            "seasonal": [True, True, False, True],
            "source": ["own", "segment", "own", "own"],
            **months,
        }
    )
    feats = pd.DataFrame(
        {
            "client_id": ["A", "N", "L", "X"],
            "as_of": pd.Timestamp(AS_OF),
            "revenue_12m": [100.0, 300.0, 50.0, 10.0],
            "recency_days": [4, 5, 300, 9],
            "pays_on_time": [True, False, True, True],
        }
    )
    _results(db, seasonality=seas, client_features=feats)
    with wh.read() as con:
        got = peak_next_month(con, AS_OF)
        moscow = peak_next_month(con, AS_OF, Scope(region="Moscow"))
    # December follows a week ending in November; L's peak is not significant, X peaks in Nov
    assert got.attrs["month"] == 12
    assert got["client_id"].tolist() == ["N", "A"]  # larger revenue first
    assert got["peak_share"].tolist() == [0.3, 0.4]
    assert got.loc[1, "last_purchase"] == pd.Timestamp("2026-11-19")
    assert moscow["client_id"].tolist() == ["A"]


def test_at_risk_by_hand(wh, db):
    feats = pd.DataFrame(
        {
            "client_id": ["A", "N", "L", "P"],
            "as_of": pd.Timestamp(AS_OF),
            "is_prospect": [False, False, False, True],
            "revenue_12m": [1000.0, 500.0, 50.0, 0.0],
            "revenue_24m": [2000.0, 600.0, 80.0, 0.0],
            "trend_12m": [0.1, -0.5, -0.3, None],
            "overdue_reorder": [True, True, False, None],
            "expected_next_order": pd.to_datetime(["2026-11-01", "2026-10-01", None, None]),
            "overdue_amount": [0.0, 20.0, 0.0, 0.0],
        }
    )
    _results(db, client_features=feats)
    with wh.read() as con:
        r = at_risk(con, AS_OF)
    # N has three signs, L one (trend -30 %), A one (overdue reorder); more signs first
    assert r["client_id"].tolist() == ["N", "A", "L"]
    assert r["reasons"].tolist() == [3, 1, 1]
    assert r.attrs["counts"] == {"falling_trend": 2, "overdue_reorder": 2, "overdue_invoices": 1}
    assert r.attrs["revenue_at_stake"] == 1550.0


def test_segment_movements_by_hand(wh, db):
    before, now = pd.Timestamp("2026-10-23"), pd.Timestamp(AS_OF)
    seg = pd.DataFrame(
        {
            "client_id": ["A", "N", "L"] * 2,
            "as_of": [before] * 3 + [now] * 3,
            "abc": ["A", "B", "C", "B", "A", "C"],
            "abc_xyz": ["AX", "BY", "CZ", "BX", "AY", "CZ"],
            "rfm_segment": ["champions", "loyal", "loyal", "champions", "loyal", "at_risk"],
        }
    )
    feats = pd.DataFrame(
        {"client_id": ["A", "N", "L"], "as_of": now, "revenue_12m": [10.0, 20.0, 30.0]}
    )
    _results(db, segments=seg, client_features=feats)
    with wh.read() as con:
        m = segment_movements(con, AS_OF, before.date()).set_index("client_id")
    # A fell from A to B; L slid into at risk; N rose from B to A
    assert m["direction"].to_dict() == {"A": "down", "L": "down", "N": "up"}
    assert m.index.tolist() == ["L", "A", "N"]  # downs first, larger revenue first
    abc = transition_matrix(m.reset_index(), "abc_xyz")
    assert abc.loc["AX", "BX"] == 1 and abc.loc["BY", "AY"] == 1 and "CZ" not in abc.index


def test_pipeline_at_rebuilds_a_past_week(tmp_path):
    store = WorklistStore(tmp_path / "w.sqlite", config=PipelineConfig(max_deal_days=14))
    t0 = dt.datetime(2026, 11, 2, 9)
    store.create_list("Petrova", ["A", "B", "C"], author="t", at=t0)
    store.move("A", "contact_1", author="t", at=t0 + dt.timedelta(days=1))
    store.move("A", "deal", author="t", at=t0 + dt.timedelta(days=3))
    store.move("B", "contact_1", author="t", at=t0 + dt.timedelta(days=2))
    store.move("B", "refusal", author="t", at=t0 + dt.timedelta(days=20), reason="non_profile")
    store.move("A", "client", author="t", at=t0 + dt.timedelta(days=21))
    # as it stood on 2026-11-20 (18 days in): A in deal, B in contact 1, C new; all open > 14 days
    p = pipeline_at(store, dt.datetime(2026, 11, 20), week_start=dt.date(2026, 11, 16))
    f = p["funnel"].set_index("state")
    assert f.loc[["new", "contact_1", "deal", "client"], "clients"].tolist() == [1, 1, 1, 0]
    assert f["overdue"].sum() == 3
    assert p["overdue"]["days_in_work"].tolist() == [17, 17, 17]
    conv = p["conversion"].set_index("stage")
    assert conv.loc["contact_1", "reached"] == 2 and conv.loc["contact_1", "rate"] == pytest.approx(
        2 / 3
    )
    assert conv.loc["deal", "reached"] == 1 and np.isnan(conv.loc["deal", "rate"])  # no contact 2
    assert p["lists"].to_dict("records") == [{"manager": "Petrova", "open": 3, "status": "under"}]
    assert p["moves_this_week"] == 0
    # and today: A is a client, B refused
    now = pipeline_at(store, dt.datetime(2026, 12, 1), week_start=dt.date(2026, 11, 16))
    assert now["funnel"].set_index("state").loc[
        ["client", "refusal", "new"], "clients"
    ].tolist() == [1, 1, 1]
    assert now["moves_this_week"] == 2
    # restricted to some clients
    only_c = pipeline_at(store, dt.datetime(2026, 12, 1), pd.DataFrame({"client_id": ["C"]}))
    assert only_c["funnel"]["clients"].sum() == 1


class _Scores:
    """The data a loaded Calculator holds, made by hand (two clients, two categories)."""

    categories = ["Bolts", "Nuts"]
    clients = pd.DataFrame(
        {
            "client_id": ["A", "P"],
            "name": ["Alpha", "Prospect"],
            "region": ["Moscow", "Kazan"],
            "manager": ["Petrova", "Petrova"],
            "is_prospect": [False, True],
        }
    )
    scores = {
        "has_bought": np.array([[1.0, 0.0], [0.0, 0.0]]),
        "expected_value": np.array([[900.0, 40.0], [30.0, 20.0]]),
        "probability": np.array([[0.99, 0.2], [0.5, 0.5]]),
    }


def test_top_potential_counts_only_what_is_new():
    top, by_manager, by_region = top_potential(_Scores(), per=5)
    # A's bolts are a routine reorder (900, left out); A's new potential is the nuts (40)
    assert top["client_id"].tolist() == ["P", "A"]
    assert top["untapped_value"].tolist() == [50.0, 40.0]
    assert top["offer"].tolist() == ["Bolts, Nuts", "Nuts"]
    assert top["probability"].tolist() == pytest.approx([0.75, 0.2])
    assert by_manager.to_dict("records") == [
        {"manager": "Petrova", "clients": 2, "expected_value": 90.0}
    ]
    moscow, _, _ = top_potential(_Scores(), Scope(region="Moscow"))
    assert moscow["client_id"].tolist() == ["A"]


def test_order_mix_facts_match_a_line_by_line_count(db):
    """The published order mix (one window over client x category days) against the rule
    applied line by line: a line is routine when the client bought its category on an earlier
    day within the 12 months before; new client when its first purchase ever is that recent."""
    from kapot.store.synth import SynthConfig, generate

    end = dt.date(2026, 10, 31)
    d = generate(SynthConfig(n_clients=150, seed=8, end=end))
    ingest(d.sales, clients=d.clients, products=d.products, db=db)
    as_of, weeks = end + dt.timedelta(days=1), 13
    with Warehouse(db).read() as con:
        got = report_facts(con, as_of)["report_order_mix"]
        lines = con.execute(
            "SELECT s.client_id, s.date, s.amount, coalesce(p.category, '?') AS category,"
            " c.region, c.manager FROM sales s LEFT JOIN products p USING (sku)"
            " LEFT JOIN clients c USING (client_id) WHERE NOT s.is_return AND s.date < $a",
            {"a": as_of},
        ).df()
    lines["date"] = pd.to_datetime(lines["date"])
    day = pd.Timestamp(as_of)
    first = lines.groupby("client_id")["date"].min()
    recent = lines[lines["date"] >= day - pd.Timedelta(days=7 * weeks)].copy()
    days = lines.groupby(["client_id", "category"])["date"].unique()
    keys = list(zip(recent["client_id"], recent["category"], strict=True))
    recent["routine"] = [
        bool(((h < t) & (h >= t - pd.DateOffset(months=12))).any())
        for h, t in zip(days.loc[keys], recent["date"], strict=True)
    ]
    recent["weeks_ago"] = (day - recent["date"]).dt.days.sub(1) // 7
    recent["first_weeks_ago"] = (
        (day - recent["client_id"].map(first)).dt.days.sub(1).floordiv(7).clip(upper=weeks)
    )
    keys = ["weeks_ago", "first_weeks_ago", "region", "manager", "routine"]
    want = recent.groupby(keys, dropna=False)["amount"].sum().rename("revenue").reset_index()
    assert recent["routine"].any() and not recent["routine"].all()
    pd.testing.assert_frame_equal(
        got.sort_values(keys).reset_index(drop=True)[[*keys, "revenue"]],
        want.sort_values(keys).reset_index(drop=True),
        check_dtype=False,
    )
