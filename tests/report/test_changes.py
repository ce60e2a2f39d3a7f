"""kapot.faces.report.changes: clients won and lost, segment movements between two builds and
each manager's order mix, on the hand-made warehouse (tests/conftest.py)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kapot.faces.report.changes import (
    ORDER_MIX_WEEKS,
    new_and_lost,
    order_taker_vs_hunter,
    previous_build,
    segment_movements,
    transition_matrix,
)
from kapot.faces.report.weeks import Scope

from ..conftest import REPORT_AS_OF as AS_OF
from ..conftest import REPORT_WEEK as W47
from ..conftest import write_tables


def test_new_and_lost(report_warehouse):
    with report_warehouse.read() as con:
        nl = new_and_lost(con, W47, lost_after_days=365)
        default = new_and_lost(con, W47)
        moscow = new_and_lost(con, W47, Scope(region="Moscow"), lost_after_days=365)
    # N bought first in W47; L's last purchase (2025-11-19) turned 365 days old during W47
    assert nl.set_index("client_id")["status"].to_dict() == {"N": "new", "L": "lost"}
    assert nl["client_id"].tolist() == ["N", "L"]  # new first
    assert nl.set_index("client_id").loc["L", "last_purchase"] == pd.Timestamp("2025-11-19")
    # after 180 days L was lost long ago, not this week; N is new either way
    assert default.set_index("client_id")["status"].to_dict() == {"N": "new"}
    assert moscow["client_id"].tolist() == ["L"]  # N is in Kazan


def test_order_taker_vs_hunter(report_warehouse):
    with report_warehouse.read() as con:
        oh = order_taker_vs_hunter(con, AS_OF, weeks=1).set_index("manager")
        two = order_taker_vs_hunter(con, AS_OF, weeks=2)
        for bad in (0, ORDER_MIX_WEEKS + 1):
            with pytest.raises(ValueError, match="weeks"):
                order_taker_vs_hunter(con, AS_OF, weeks=bad)
    p = oh.loc["Petrova"]
    # A's bolts: routine (bought in W46); A's nuts: a new category; N: a new client
    assert (p["routine"], p["new_category"], p["new_client"]) == (100.0, 50.0, 30.0)
    assert p["routine_share"] == pytest.approx(100 / 180)
    assert p["new_client_share"] == pytest.approx(30 / 180)
    assert "Sidorov" not in oh.index or np.isnan(oh.loc["Sidorov", "routine_share"])
    # over W46 and W47, A's W46 bolts are routine too (bought 2025-11-18, within 12 months)
    assert two.set_index("manager").loc["Petrova", "routine"] == 300.0


def _segments(db, before, now):
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
    write_tables(db, segments=seg, client_features=feats)


def test_previous_build_is_at_least_four_weeks_before(report_warehouse, db):
    _segments(db, pd.Timestamp("2026-10-23"), pd.Timestamp(AS_OF))
    with report_warehouse.read() as con:
        assert previous_build(con, AS_OF) == dt.date(2026, 10, 23)
        assert previous_build(con, dt.date(2026, 11, 20)) == dt.date(2026, 10, 23)  # 28 days
        assert previous_build(con, dt.date(2026, 11, 19)) is None  # 27 days: not a month


def test_segment_movements_by_hand(report_warehouse, db):
    before, now = pd.Timestamp("2026-10-23"), pd.Timestamp(AS_OF)
    _segments(db, before, now)
    with report_warehouse.read() as con:
        m = segment_movements(con, AS_OF, before.date()).set_index("client_id")
        sidorov = segment_movements(con, AS_OF, before.date(), Scope(manager="Sidorov"))
    # A fell from A to B; L slid into at risk; N rose from B to A
    assert m["direction"].to_dict() == {"A": "down", "L": "down", "N": "up"}
    assert m.index.tolist() == ["L", "A", "N"]  # downs first, larger revenue first
    assert "abc_from" not in m.columns and m.loc["L", "rfm_to"] == "at_risk"
    assert sidorov["client_id"].tolist() == ["L"]
    abc = transition_matrix(m.reset_index(), "abc_xyz")
    assert abc.loc["AX", "BX"] == 1 and abc.loc["BY", "AY"] == 1 and "CZ" not in abc.index


def test_transition_matrix_counts_only_changes():
    moves = pd.DataFrame(
        {
            "rfm_from": ["loyal", "loyal", "loyal", None, "lost"],
            "rfm_to": ["at_risk", "at_risk", "loyal", "new", "lost"],
        }
    )
    m = transition_matrix(moves, "rfm")
    # two loyal -> at risk; a client without a label before shows as '-'; unchanged rows drop
    assert m.to_dict() == {"at_risk": {"-": 0, "loyal": 2}, "new": {"-": 1, "loyal": 0}}
    same = transition_matrix(moves.iloc[[2, 4]], "rfm")
    assert same.empty and list(same.columns) == [] and list(same.index) == []
