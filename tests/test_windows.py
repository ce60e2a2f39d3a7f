"""kapot.models.engine.windows: line counts over a window of days and each client's first and
last day before a cutoff, by hand on the hand-made history, and against np.minimum.at /
maximum.at on a synthetic world."""

import datetime as dt

import numpy as np

from kapot.models.engine.history import History, days
from kapot.models.engine.windows import first_last, line_counts
from kapot.store.synth import SynthConfig, generate

from .engine_data import CUT, END, TINY_CLIENTS, history_of, tiny_history, tiny_lines


def day(text: str) -> int:
    return int(days([dt.date.fromisoformat(text)])[0])


def test_line_counts_by_hand():
    h = tiny_history()  # clients a-e; SKUs s1, s2, s3
    c = day(str(CUT))
    got = line_counts(h, c - 730, c, "sku").toarray()
    # a: s1 twice (2025-07-01, 2026-05-20), s2 once; b: s1 once (2024-07-01); c: s3 once
    assert got.tolist() == [[2, 1, 0], [1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]
    # categories X, Y over the 91 days before CUT: a's two 2026-05-20 lines, c's 2026-04-01
    assert line_counts(h, c - 91, c, "category").toarray().tolist() == [
        [1, 1],
        [0, 0],
        [0, 1],
        [0, 0],
        [0, 0],
    ]


def test_first_and_last_day_before_a_cutoff_by_hand():
    h = tiny_history()
    first, last = first_last(h, day(str(CUT)))
    want_first = [day("2025-07-01"), day("2024-07-01"), day("2026-04-01"), 10**9, 10**9]
    want_last = [day("2026-05-20"), day("2024-07-01"), day("2026-04-01"), -(10**6), -(10**6)]
    assert first.tolist() == want_first and last.tolist() == want_last
    # after every line: d's one line counts too; e still has none
    first, last = first_last(h, day("2027-01-01"))
    assert last.tolist()[:4] == [
        day("2026-07-01"),
        day("2026-09-15"),
        day("2026-04-01"),
        day("2026-06-10"),
    ]
    assert first[4] == 10**9 and last[4] == -(10**6)
    empty = History(tiny_lines().iloc[:0], TINY_CLIENTS)
    assert first_last(empty, day(str(CUT)))[0].tolist() == [10**9] * 5


def test_first_last_is_the_ufunc_at_reduction():
    h = history_of(generate(SynthConfig(n_clients=300, seed=41, end=END)))
    for c in (h.first_day, h.first_day + 200, h.last_day - 100, h.last_day + 1):
        past = h.span(-(10**9), c)
        lo = np.full(h.n_clients, 10**9, dtype=np.int64)
        hi = np.full(h.n_clients, -(10**6), dtype=np.int64)
        np.minimum.at(lo, h.client[past], h.day[past])
        np.maximum.at(hi, h.client[past], h.day[past])
        first, last = first_last(h, c)
        assert np.array_equal(first, lo) and np.array_equal(last, hi)
