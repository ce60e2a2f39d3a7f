"""Working lists and the pipeline: rules, transitions, overdue flags, concurrent writers."""

import datetime as dt
import subprocess
import sys
import textwrap

import pytest

from kapot import KapotError
from kapot.faces.worklists import PipelineConfig, WorklistStore

T0 = dt.datetime(2026, 11, 2, 9, 0)


@pytest.fixture
def store(tmp_path):
    return WorklistStore(
        tmp_path / "wl.sqlite", config=PipelineConfig(max_open=50, max_deal_days=14)
    )


def ids(n, prefix="C"):
    return [f"{prefix}{i:03d}" for i in range(n)]


def test_list_is_capped_and_skips_clients_in_work(store):
    added = store.create_list("Petrova", ids(80), author="boss", at=T0)
    assert added == ids(50)  # the best 50: the cap
    # a second manager gets the next ones, never a client already in work
    other = store.create_list("Sidorov", ids(80), author="boss", at=T0, size=20)
    assert other == ids(80)[50:70]
    # topping up: only as many as closed since
    store.move("C000", "contact_1", author="Petrova", at=T0)
    store.move("C000", "deal", author="Petrova", at=T0)
    store.move("C000", "client", author="Petrova", at=T0)
    assert store.create_list("Petrova", ids(100), author="boss", at=T0) == ["C070"]
    with pytest.raises(KapotError, match="1 to 90"):
        store.create_list("Petrova", ids(3), author="boss", at=T0, size=91)
    with pytest.raises(KapotError):
        PipelineConfig(max_open=40)


def test_refusals_hard_and_soft(store):
    store.create_list("Petrova", ["A", "B", "C"], author="boss", at=T0)
    with pytest.raises(KapotError, match="needs a reason"):
        store.move("A", "refusal", author="Petrova", at=T0)
    with pytest.raises(KapotError, match="re-call date"):
        store.move("B", "refusal", reason="no_money", author="Petrova", at=T0)
    store.move("A", "refusal", reason="non_profile", author="Petrova", at=T0)
    store.move(
        "B", "refusal", reason="no_money", recall_date=dt.date(2026, 12, 1), author="Petrova", at=T0
    )
    # before the re-call date neither comes back; after it only the soft refusal does
    assert store.create_list("Sidorov", ["A", "B", "D"], author="boss", at=T0) == ["D"]
    later = dt.datetime(2026, 12, 2, 9, 0)
    assert store.create_list("Sidorov", ["A", "B", "E"], author="boss", at=later) == ["B", "E"]
    assert store.show("Sidorov", at=later).set_index("client_id").loc["B", "state"] == "new"


def test_transitions_are_validated_and_stored(store):
    store.create_list("Petrova", ["A"], author="boss", at=T0)
    with pytest.raises(KapotError, match="cannot go from 'new' to 'client'"):
        store.move("A", "client", author="Petrova", at=T0)
    with pytest.raises(KapotError, match="unknown state"):
        store.move("A", "maybe", author="Petrova", at=T0)
    with pytest.raises(KapotError, match="in no working list"):
        store.move("Z", "contact_1", author="Petrova", at=T0)
    for i, state in enumerate(
        ["contact_1", "contact_2", "contact_3", "deal", "deal_support", "client"]
    ):
        store.move("A", state, author="Petrova", at=T0 + dt.timedelta(days=i))
    hist = store.history("A")
    assert hist["to_state"].tolist() == [
        "new",
        "contact_1",
        "contact_2",
        "contact_3",
        "deal",
        "deal_support",
        "client",
    ]
    assert hist["author"].tolist() == ["boss"] + ["Petrova"] * 6
    assert hist["at"].iloc[-1] == "2026-11-07 09:00:00"


def test_reopening_a_hard_refusal_needs_a_reason_kept_in_the_history(store):
    store.create_list("Petrova", ["A", "B"], author="boss", at=T0)
    store.move("A", "refusal", reason="non_profile", author="Petrova", at=T0)
    store.move(
        "B", "refusal", reason="no_money", recall_date=dt.date(2027, 1, 1), author="Petrova", at=T0
    )
    later = T0 + dt.timedelta(days=3)
    for target in ("new", "recall"):
        with pytest.raises(KapotError, match="hard refusal.*needs a reason"):
            store.move("A", target, author="Petrova", at=later, recall_date=dt.date(2027, 1, 1))
        with pytest.raises(KapotError, match="needs a reason"):
            store.move(
                "A",
                target,
                reason="  ",
                author="Petrova",
                at=later,
                recall_date=dt.date(2027, 1, 1),
            )
    assert store.show(at=later).set_index("client_id").loc["A", "state"] == "refusal"
    # only the documented transitions: a refusal cannot jump to a deal
    with pytest.raises(KapotError, match="cannot go from 'refusal' to 'deal'"):
        store.move("A", "deal", reason="changed their mind", author="Petrova", at=later)
    store.move("A", "new", reason="opened a fastener line in 2027", author="Ivanov", at=later)
    last = store.history("A").iloc[-1]
    assert (last["from_state"], last["to_state"], last["reason"], last["author"]) == (
        "refusal",
        "new",
        "opened a fastener line in 2027",
        "Ivanov",
    )
    # a soft refusal goes back without one
    store.move("B", "new", author="Petrova", at=later)
    assert store.show(at=later).set_index("client_id").loc["B", "state"] == "new"


def test_lists_only_for_managers_in_the_data(store):
    known = ["Petrova", "Sidorov"]
    with pytest.raises(KapotError, match=r"unknown manager 'Petrva'; nearest known: Petrova"):
        store.create_list("Petrva", ["A"], author="boss", at=T0, known_managers=known)
    assert store.show(at=T0).empty and store.history().empty
    assert store.create_list("Petrova", ["A"], author="boss", at=T0, known_managers=known) == ["A"]
    # without the check (a new hire: kapot worklist create --new-manager)
    assert store.create_list("Novikova", ["B"], author="boss", at=T0) == ["B"]


def test_conflicting_moves_are_refused(store):
    store.create_list("Petrova", ["A"], author="boss", at=T0)
    store.move("A", "contact_1", author="Petrova", at=T0, expected_state="new")
    with pytest.raises(KapotError, match="moved by someone else"):
        store.move(
            "A",
            "refusal",
            reason="crisis",
            recall_date=dt.date(2027, 1, 1),
            author="Sidorov",
            at=T0,
            expected_state="new",
        )


@pytest.mark.slow
def test_concurrent_writers_lose_nothing(tmp_path):
    """Four processes (four managers' pages) write at once: every list and every move lands,
    and no client ends up in two lists."""
    path = tmp_path / "wl.sqlite"
    WorklistStore(path)
    script = textwrap.dedent(f"""
        import datetime as dt, sys
        from kapot.faces.worklists import WorklistStore
        me = sys.argv[1]
        s = WorklistStore({str(path)!r})
        at = dt.datetime(2026, 11, 2, 9, 0)
        cands = [f"C{{i:04d}}" for i in range(400)]  # everyone wants the same best clients
        mine = s.create_list(me, cands, author=me, at=at, size=80)
        for cid in mine:
            s.move(cid, "contact_1", author=me, at=at, expected_state="new")
            s.move(cid, "contact_2", author=me, at=at, expected_state="contact_1")
        print(len(mine))
    """)
    procs = [
        subprocess.Popen([sys.executable, "-c", script, m], stdout=subprocess.PIPE, text=True)
        for m in ("Petrova", "Sidorov", "Orlova", "Belov")
    ]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    assert [int(o) for o in outs] == [80, 80, 80, 80]
    store = WorklistStore(path)
    work = store.show(at=T0)
    assert len(work) == 320 and work["client_id"].is_unique and (work["state"] == "contact_2").all()
    hist = store.history()
    assert len(hist) == 320 * 3
