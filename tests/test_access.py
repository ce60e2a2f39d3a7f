"""Row-level access in the library: lists, cards, lookalikes, exports and pipeline moves hold
only what the account may see, whatever the caller passes."""

import datetime as dt
import io
import sys

import numpy as np
import pandas as pd
import pytest
import traitlets

from kapot import KapotError
from kapot.cli import main
from kapot.faces.calculator import Calculator, Query, client_card
from kapot.faces.page import CalculatorPage
from kapot.faces.worklists import WorklistStore, default_store_path
from kapot.models.potential import score_warehouse
from kapot.pipeline.build import build
from kapot.server import access as acc
from kapot.server.access import Scope
from kapot.server.auth import AccountStore, default_accounts_path, os_user
from kapot.store.ingest import ingest
from kapot.store.synth import SynthConfig, generate

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)
T0 = dt.datetime(2026, 11, 2, 10, 0)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("access") / "w.duckdb"
    d = generate(SynthConfig(n_clients=400, seed=21, end=END))
    ingest(d.sales, clients=d.clients, products=d.products, invoices=d.invoices, db=db)
    build(AS_OF, db=db)
    score_warehouse(AS_OF, db=db)
    return db


@pytest.fixture(scope="module")
def calc(warehouse):
    return Calculator.load(warehouse)


def _two_managers(calc):
    a, b = calc.managers()[:2]
    return Scope("anna", "manager", a), Scope("boris", "manager", b)


def test_mask_own_clients_and_unassigned_prospects_in_the_regions():
    clients = pd.DataFrame(
        {
            "client_id": ["a", "b", "c", "d", "e"],
            "manager": ["Petrova", "Sidorov", None, None, ""],
            "region": ["Moscow", "Moscow", "Moscow", "Kazan", "Moscow"],
            "is_prospect": [False, False, True, True, False],
        }
    )
    mine = Scope("p", "manager", "Petrova")
    assert mine.mask(clients).tolist() == [True, False, True, False, False]
    kazan = Scope("p", "manager", "Petrova", ("Kazan",))
    assert kazan.mask(clients).tolist() == [True, False, False, True, False]
    assert Scope("h", "head").mask(clients).all() and Scope("x", "analyst").mask(clients).all()
    assert not Scope("m", "manager", None).mask(clients).any()


def test_find_similar_and_card_hold_only_the_managers_clients(calc, warehouse):
    a, b = _two_managers(calc)
    res = calc.find(Query(limit=5000), scope=a)
    assert len(res) and set(res["manager"]) == {a.manager}
    # a query naming the other manager finds nothing: filters only narrow the scope
    assert calc.find(Query(managers=(b.manager,), limit=5000), scope=a).empty
    theirs = calc.find(Query(limit=1), scope=b)["client_id"].iloc[0]
    with pytest.raises(KapotError, match="unknown client|not found|no client"):
        calc.similar(theirs, scope=a)
    with pytest.raises(KapotError):
        client_card(theirs, db=warehouse, as_of=calc.as_of, scope=a)
    own = res["client_id"].iloc[0]
    sim = calc.similar(own, limit=50, scope=a)
    assert len(sim) and set(sim["manager"]) == {a.manager}
    assert len(client_card(own, db=warehouse, as_of=calc.as_of, scope=a)["monthly"]) == 24
    seg = calc.find(Query(limit=1), scope=a)["segment"].iloc[0]
    assert set(calc.similar_to_segment(seg, scope=a)["manager"]) <= {a.manager}
    assert calc.regions(a) == sorted(res["region"].unique())
    # a head sees everyone
    assert len(calc.find(Query(limit=5000), scope=Scope("h", "head"))) == len(calc.clients)


def test_pipeline_moves_are_refused_outside_the_scope(calc, tmp_path):
    a, b = _two_managers(calc)
    store = WorklistStore(tmp_path / "wl.sqlite")
    mine = acc.give_list(store, a, calc, a.manager, Query(), at=T0, size=10)
    theirs = acc.give_list(store, b, calc, b.manager, Query(), at=T0, size=10)
    assert len(mine) == 10 and len(theirs) == 10
    managers = calc.clients.set_index("client_id")["manager"]
    assert set(managers[mine]) == {a.manager} and set(managers[theirs]) == {b.manager}
    # a manager gives no list to someone else, and sees no one else's pipeline
    with pytest.raises(KapotError, match="not allowed"):
        acc.give_list(store, a, calc, b.manager, Query(), at=T0, size=10)
    with pytest.raises(KapotError, match="not allowed"):
        acc.show_pipeline(store, a, b.manager, at=T0)
    assert set(acc.show_pipeline(store, a, None, at=T0)["client_id"]) == set(mine)
    # moving the other manager's prospect: refused, nothing stored
    with pytest.raises(KapotError, match="not in your work"):
        acc.move(store, a, theirs[0], "contact_1", at=T0)
    assert store.show(b.manager, at=T0).set_index("client_id").loc[theirs[0], "state"] == "new"
    acc.move(store, a, mine[0], "contact_1", at=T0)
    assert store.history(mine[0])["author"].tolist() == ["anna", "anna"]
    # an analyst moves nothing; a head moves anyone's; only an admin writes for someone else
    with pytest.raises(KapotError, match="not allowed"):
        acc.move(store, Scope("x", "analyst"), mine[1], "contact_1", at=T0)
    acc.move(store, Scope("hd", "head"), theirs[0], "contact_1", at=T0)
    with pytest.raises(KapotError, match="admin"):
        acc.move(store, Scope("hd", "head"), theirs[1], "contact_1", at=T0, on_behalf_of="boris")
    acc.move(store, Scope("root", "admin"), theirs[1], "contact_1", at=T0, on_behalf_of="boris")
    assert store.history(theirs[1])["author"].iloc[-1] == "boris (by admin root)"


def test_the_page_of_a_manager(calc, warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("KAPOT_WORKLISTS", str(tmp_path / "wl.sqlite"))
    a, b = _two_managers(calc)
    page = CalculatorPage(calc, db=warehouse, scope=a, now=lambda: T0)
    assert list(page.manager.options) == [a.manager]
    assert set(page.result["manager"]) == {a.manager}
    page.limit.value = 90
    exported = page.export_frame()
    assert set(exported["Manager"]) == {a.manager}
    # a crafted widget message cannot pick the other manager or the other manager's client
    theirs = calc.find(Query(limit=1), scope=b)["client_id"].iloc[0]
    with pytest.raises(traitlets.TraitError):
        page.manager.value = b.manager
    with pytest.raises(traitlets.TraitError):
        page.card_pick.value = theirs
    page.give_list()
    ids = [v for _, v in page.move_client.options]
    assert ids and set(calc.clients.set_index("client_id").loc[ids, "manager"]) == {a.manager}
    page.move_state.value = "contact_1"
    page.move()
    assert WorklistStore(tmp_path / "wl.sqlite").history(ids[0])["author"].iloc[-1] == "anna"
    # an analyst's page reads everything and cannot move
    view = CalculatorPage(calc, db=warehouse, scope=Scope("an", "analyst"), now=lambda: T0)
    assert view.give.disabled and view.move_button.disabled
    assert len(view.manager.options) == len(calc.managers())


def test_page_errors_show_one_line_and_an_id(calc, warehouse, capfd):
    page = CalculatorPage(calc, db=warehouse, scope=Scope("h", "head"))

    def boom():
        raise RuntimeError("secret internals")

    page._safe(boom)()
    shown = page.message.value
    assert "error id" in shown and "secret internals" not in shown and "Traceback" not in shown
    assert "secret internals" in capfd.readouterr().err


def test_cli_records_the_os_user_and_needs_admin_to_write_as_someone_else(
    warehouse, calc, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("KAPOT_WORKLISTS", str(tmp_path / "wl.sqlite"))
    monkeypatch.setenv("KAPOT_ACCOUNTS", str(tmp_path / "acc.sqlite"))
    manager = calc.managers()[0]
    db = str(warehouse)
    args = ["worklist", "create", "--for", manager, "--size", "5", "--db", db]
    assert main([*args, "--author", "someone-else"]) == 2
    assert "admin" in capsys.readouterr().err
    assert main(args) == 0
    store = WorklistStore(default_store_path(warehouse))
    first = store.show(manager, at=T0)["client_id"].iloc[0]
    assert store.history(first)["author"].tolist() == [os_user()]
    monkeypatch.setattr(sys, "stdin", io.StringIO("long enough\n"))
    assert main(["users", "add", os_user(), "--role", "admin", "--db", db, "--password-stdin"]) == 0
    assert AccountStore(default_accounts_path(warehouse)).get(os_user()).role == "admin"
    move = ["worklist", "move", first, "--to", "contact_1", "--db", db]
    assert main([*move, "--author", "boris"]) == 0
    assert store.history(first)["author"].iloc[-1] == f"boris (by admin {os_user()})"
    assert np.all(store.history(first)["author"].notna())


def test_kernels_share_the_score_matrices(warehouse, calc):
    """Calculator.load maps the scores from one snapshot beside the warehouse: a second load
    (another kernel) gets the same numbers from the same file, read-only."""
    again = Calculator.load(warehouse)
    assert isinstance(again.scores["probability"], np.memmap)
    assert not again.scores["probability"].flags.writeable
    snaps = list(warehouse.with_name(warehouse.name + ".shared").iterdir())
    assert len(snaps) == 1 and (snaps[0] / "done").exists()
    assert again.categories == calc.categories
    for col in calc.scores:
        assert np.array_equal(
            np.asarray(again.scores[col]), np.asarray(calc.scores[col]), equal_nan=True
        )  # the pairs' peak months are NaN where a pair has no season
    q = Query(categories=(calc.categories[0],), limit=40)
    pd.testing.assert_frame_equal(again.find(q), calc.find(q))
