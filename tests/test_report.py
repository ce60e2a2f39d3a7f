"""kapot.faces.report as a whole: what it exports, what its figures read (published facts
only), and the order-mix facts it reads against a line-by-line count. Each module's
own tests are in tests/report/ (and tests/test_weeks.py)."""

import datetime as dt

import pandas as pd

import kapot.faces.report as R
from kapot.pipeline.pipeline import report_facts
from kapot.store.ingest import ingest
from kapot.store.warehouse import Warehouse


def test_the_package_names_its_modules_figures():
    from kapot.faces.report import changes, clients, funnel, weeks, work

    own = {n for m in (changes, clients, funnel, weeks, work) for n in m.__all__}
    # every name it exports is one of its modules'; the helpers of the sections stay inside
    assert set(R.__all__) <= own
    assert own - set(R.__all__) == {"same_week_last_year", "next_month"}
    assert all(getattr(R, n) is not None for n in R.__all__)


def test_the_report_reads_published_facts_never_sales_or_invoices():
    import re
    from importlib import resources

    folder = resources.files("kapot").joinpath("sql/report")
    names = [f.name for f in folder.iterdir() if f.name.endswith(".sql")]
    assert len(names) > 5
    for name in names:
        text = re.sub(r"--[^\n]*", "", folder.joinpath(name).read_text("utf-8"))
        assert not re.search(r"\b(sales|invoices)\b", text), name


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
