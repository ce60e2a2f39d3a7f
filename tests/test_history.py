"""kapot.models.engine.history: the History's arrays, a Snapshot's matrices by hand on the
hand-made history (tests/engine_data.py), the as-of rule, the detached copy for serving."""

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from kapot.models.engine import EngineConfig, History
from kapot.models.engine.history import days, item_clusters
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate
from kapot.store.warehouse import Warehouse

from .engine_data import CUT, END, TINY_CLIENTS, history_of, tiny_history, tiny_lines


@pytest.fixture(scope="module")
def world():
    return generate(SynthConfig(n_clients=700, seed=41, end=END))


@pytest.fixture(scope="module")
def snap():
    return tiny_history().snapshot(CUT, "category", 90, 60.0)


def test_days_counts_from_1970_for_every_kind_of_date():
    want = [1, (dt.date(2026, 6, 1) - dt.date(1970, 1, 1)).days]
    assert days(["1970-01-02", "2026-06-01"]).tolist() == want
    assert days([dt.date(1970, 1, 2), pd.Timestamp("2026-06-01")]).tolist() == want
    assert days(np.array(["1970-01-02"], dtype="datetime64[D]")).dtype == np.int64


def test_history_holds_every_client_and_both_item_axes():
    lines = pd.concat(
        [tiny_lines(), tiny_lines().iloc[:1].assign(client_id="z", category=None)],
        ignore_index=True,
    )
    h = History(lines, TINY_CLIENTS)
    # clients of the list and of the lines (z), prospects included, sorted
    assert list(h.client_ids) == ["a", "b", "c", "d", "e", "z"] and h.n_clients == 6
    assert list(h.items("category")) == ["?", "X", "Y"]  # z's line has no category
    assert list(h.items("sku")) == ["s1", "s2", "s3"]
    assert h.has_categories
    assert (np.diff(h.day) >= 0).all()  # sorted by day
    # z is not in the client list: its attributes are unknown, a group of their own
    z = list(h.client_ids).index("z")
    assert h.industry[z] not in h.industry[:5] and h.region[z] not in h.region[:5]
    # each line's code indexes its level's items
    skus = h.items("sku")[h.codes("sku")]
    assert sorted(skus) == sorted(lines["sku"])
    assert h.first_day == days(["2024-07-01"])[0] and h.last_day == days(["2026-09-15"])[0]


def test_no_category_anywhere_and_no_line_at_all():
    h = History(tiny_lines().assign(category=None), TINY_CLIENTS)
    assert not h.has_categories and list(h.items("category")) == ["?"]
    empty = History(tiny_lines().iloc[:0], TINY_CLIENTS)
    assert empty.n_clients == 5 and empty.first_day is None and empty.last_day is None


def test_item_groups_a_skus_category_or_one_group():
    h = tiny_history()
    # s1 is in X; s2 and s3 in Y (categories sorted: X = 0, Y = 1)
    assert h.item_groups("sku").tolist() == [0, 1, 1]
    assert h.item_groups("category").tolist() == [0, 0]  # the category level: one group
    # a SKU whose lines name two categories belongs to the one most of them name
    lines = pd.concat([tiny_lines(), tiny_lines().iloc[[4]].assign(category="X")])
    assert History(lines, TINY_CLIENTS).item_groups("sku").tolist() == [0, 1, 1]
    lines = pd.concat([lines, tiny_lines().iloc[[4, 4]].assign(category="X")])
    assert History(lines, TINY_CLIENTS).item_groups("sku").tolist() == [0, 1, 0]
    # no categories: one group
    assert History(tiny_lines().assign(category=None), TINY_CLIENTS).item_groups(
        "sku"
    ).tolist() == [0, 0, 0]


def test_item_clusters_keep_apart_items_bought_by_other_clients():
    # clients 0-9 buy items 0-3, clients 10-19 items 4-7; nobody buys item 8
    rows = np.r_[np.repeat(np.arange(10), 4), np.repeat(np.arange(10, 20), 4)]
    cols = np.r_[np.tile(np.arange(4), 10), np.tile(np.arange(4, 8), 10)]
    basket = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(20, 9))
    g = item_clusters(basket)
    # two kinds of basket: two groups (not round(sqrt(8)) = 3: no more than distinct items)
    assert len(set(g[:4])) == 1 and len(set(g[4:8])) == 1 and g[0] != g[4]
    rng = np.random.default_rng(0)  # a few stray lines: three groups, still never mixed
    stray = rng.random((20, 9)) < 0.05
    stray[:, 8] = False
    noisy = basket + sparse.csr_matrix(stray.astype(float))
    g = item_clusters(noisy)
    assert len(np.unique(g[:8])) == 3 and not set(g[:4]) & set(g[4:8])
    assert g[8] == 0 and 0 not in g[:8]  # an item nobody bought is a group of its own
    assert (item_clusters(basket[:, [0, 4, 8]]) == 0).all()  # two bought items: one group
    # a SKU snapshot without categories groups the SKUs by these clusters
    sn = History(tiny_lines().assign(category=None), TINY_CLIENTS).snapshot(CUT, "sku", 90, 60.0)
    assert sn.item_group.tolist() == item_clusters(sn.n24).tolist()


def test_span_and_top_items_by_hand():
    h = tiny_history()
    sl = h.span(*days(["2026-05-20", "2026-06-10"]))
    assert sl.stop - sl.start == 2  # the two lines of 2026-05-20; 06-10 is the end, left out
    # before CUT: s1 3 lines (a twice, b), s2 and s3 one each (ties in the items' order)
    assert h.top_items(CUT, 10, "sku") == ["s1", "s2", "s3"]
    assert h.top_items(CUT, 1, "sku") == ["s1"]
    assert h.top_items(dt.date(2025, 1, 1), 10, "sku") == ["s1"]  # items without a line go
    assert h.top_items(CUT, 10, "category") == ["X", "Y"]


def test_snapshot_matrices_by_hand(snap):
    assert list(snap.items) == ["X", "Y"] and list(snap.client_ids) == list("abcde")

    def m(mat):
        return mat.toarray().tolist()

    assert m(snap.ever) == [[2, 1], [1, 0], [0, 1], [0, 0], [0, 0]]
    assert m(snap.n24) == [[2, 1], [1, 0], [0, 1], [0, 0], [0, 0]]
    assert m(snap.n12) == [[2, 1], [0, 0], [0, 1], [0, 0], [0, 0]]  # b's line is 700 days old
    assert m(snap.n3) == [[1, 1], [0, 0], [0, 1], [0, 0], [0, 0]]
    assert m(snap.spend12) == [[30, 5], [0, 0], [0, 30], [0, 0], [0, 0]]
    assert m(snap.months12)[0] == [2, 1]  # a bought X in two months
    assert m(snap.same_season_ly) == [[10, 0], [0, 0], [0, 0], [0, 0], [0, 0]]
    assert snap.revenue12.tolist() == [35, 0, 30, 0, 0]
    assert snap.revenue_prev12.tolist() == [0, 7, 0, 0, 0]
    assert snap.orders12.tolist() == [2, 0, 1, 0, 0]  # a's two lines of 2026-05-20: one order
    assert snap.prospect.tolist() == [False, False, False, True, True]  # d buys after CUT only
    assert snap.recency.tolist() == [12, 700, 61, 9999, 9999]
    assert snap.tenure.tolist() == [335, 700, 61, 0, 0]
    assert snap.breadth.tolist() == [2, 0, 1, 0, 0]
    # size tiers: buyers' median 32.5 and 85th percentile 34.25 of (35, 30)
    assert snap.size_tier.tolist() == [3, 0, 1, 0, 0]
    cols = np.array([0, 1])
    assert snap.days_since(cols).tolist() == [[12, 12], [700, 9999], [9999, 61]] + [[9999] * 2] * 2
    np.testing.assert_allclose(snap.dense(snap.spend12, np.array([1])).ravel(), [5, 0, 30, 0, 0])


def test_the_windows_edges_by_hand():
    """One client's lines 1, 91, 92, 365, 366, 730 and 731 days before the cutoff: the 3-month
    window holds 91 days, the 12-month 365, the 24-month 730."""
    ago = [1, 91, 92, 365, 366, 730, 731]
    lines = pd.DataFrame(
        {
            "client_id": "a",
            "sku": "s1",
            "category": "X",
            "date": [pd.Timestamp(CUT - dt.timedelta(days=n)) for n in ago],
            "amount": 1.0,
            "order": [str(n) for n in ago],
        }
    )
    sn = History(lines, TINY_CLIENTS).snapshot(CUT, "category", 90, 60.0)
    assert [sn.n3[0, 0], sn.n12[0, 0], sn.n24[0, 0], sn.ever[0, 0]] == [2, 4, 6, 7]
    assert sn.revenue12[0] == 4 and sn.revenue_prev12[0] == 2 and sn.orders12[0] == 4


def test_labels_are_the_horizon_only(snap):
    # a buys X and d buys Y in the horizon; b's Y comes after it
    assert snap.labelled
    assert snap.labels(np.array([0, 1])).reshape(5, 2).tolist() == [
        [True, False],
        [False, False],
        [False, False],
        [False, True],
        [False, False],
    ]
    assert snap.labels(np.array([1])).tolist() == [False, False, False, True, False]
    # a snapshot whose horizon has not passed is not labelled
    late = tiny_history().snapshot(dt.date(2026, 9, 1), "category", 90, 60.0)
    assert not late.labelled


def test_snapshot_obeys_the_as_of_rule(world):
    cut = dt.date(2026, 6, 1)
    early = world.sales[world.sales["date"] < pd.Timestamp(cut)]

    def frame(sales):
        d = type(world)(**{**world.__dict__, "sales": sales})
        snap = history_of(d).snapshot(cut, "category", 90, 60.0)
        return snap, snap.pair_frame(np.arange(len(snap.items)), EngineConfig())

    (a, fa), (b, fb) = frame(early), frame(world.sales)
    for key in fa:
        if key == "cand_als":  # a factorisation is defined up to rotation: compare ranks
            continue
        np.testing.assert_allclose(fa[key], fb[key], err_msg=key)
    assert a.label.nnz == 0 and b.label.nnz > 0


def test_detached_serves_without_the_history():
    h = tiny_history()
    snap = h.snapshot(CUT, "sku", 90, 60.0)  # 3 SKUs: ALS can be fitted
    cfg = EngineConfig(als_factors=2, als_iterations=2)
    d = snap.detached(cfg)
    assert d.history is None and d.label is None
    assert snap.history is h and snap.label is not None  # the original is left as it was
    for name in ("ever", "n12", "spend12", "decayed", "since"):
        mat = getattr(d, name)
        assert sparse.issparse(mat) and mat.format == "csc" and mat.dtype == np.float32
    uf, itf = d._cache["als"]
    assert uf.shape == (5, 2) and itf.shape == (3, 2)
    cols = np.arange(3)
    again = pickle.loads(pickle.dumps(d))
    for key, v in snap.candidates(cols, cfg).items():
        np.testing.assert_allclose(again.candidates(cols, cfg)[key], v, rtol=1e-5, err_msg=key)


def test_from_con_reads_sales_without_returns_and_every_client(db):
    sales = pd.DataFrame(
        {
            "date": ["2026-01-05", "2026-01-05", "2026-02-01", "2026-02-03"],
            "invoice_id": ["I1", "I1", None, "I2"],
            "client_id": ["a", "a", "b", "a"],
            "sku": ["s1", "s2", "s1", "s1"],
            "quantity": [1, 2, 1, -1],  # the last line is a return
            "amount": [10.0, 4.0, 6.0, -10.0],
        }
    )
    clients = pd.DataFrame({"client_id": ["a", "b", "p"], "region": ["r", "s", "r"]})
    products = pd.DataFrame({"sku": ["s1", "s2"], "category": ["Bolts", "Nuts"]})
    ingest(sales, clients=clients, products=products, db=db)
    with Warehouse(db).read() as con:
        h = History.from_con(con)
    assert list(h.client_ids) == ["a", "b", "p"]  # the prospect p too
    assert len(h.day) == 3 and (h.amount > 0).all()  # the return left out
    assert list(h.items("category")) == ["Bolts", "Nuts"]
    # the invoice is a's order; b's line without one is its client-day
    assert len(np.unique(h.order)) == 2
