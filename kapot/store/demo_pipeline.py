"""Demo pipeline activity for the synthetic distributor: managers' working lists, contacts, refusals and deals, made through the worklist store's API."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from kapot.faces.calculator import Query

if TYPE_CHECKING:
    from kapot.faces.calculator import Calculator
    from kapot.faces.worklists import WorklistStore

__all__ = ["simulate_pipeline"]


def simulate_pipeline(
    store: WorklistStore,
    calc: Calculator,
    as_of: dt.date,
    *,
    weeks: tuple[int, ...] = (8, 3, 1),
    list_size: int = 60,
    seed: int = 0,
) -> int:
    """Demo pipeline activity: working lists, and managers working through them.

    Each manager gets a working list of their best prospects ``weeks[0]`` weeks before
    ``as_of`` and top-ups the other ``weeks`` before, and works through it with plausible odds
    (contacts every few days; some refusals, hard or soft with a re-call date; some deals that
    become clients; some prospects left hanging past the maximum deal length). Moves go
    through the store's API, so every rule of the pipeline holds. Only for demo data: real
    pipelines come from managers' pages.

    Parameters
    ----------
    store : kapot.faces.worklists.WorklistStore
        The pipeline store the lists and moves are written to (author ``demo``).
    calc : kapot.faces.calculator.Calculator
        The scores the lists are drawn from (each manager's best 400 prospects).
    as_of : datetime.date
        The day the activity runs up to; no move is made on or after it.
    weeks : tuple of int, default (8, 3, 1)
        How many weeks before ``as_of`` each list (the first) and top-up (the others) is made.
    list_size : int, default 60
        The open prospects each manager is topped up to.
    seed : int, default 0
        The random seed; the same seed and scores give the same moves.

    Returns
    -------
    int
        The number of moves made (the lists' assignments not counted).
    """
    rng = np.random.default_rng(seed)
    lists = [dt.datetime.combine(as_of, dt.time(9)) - dt.timedelta(weeks=w) for w in weeks]
    end = dt.datetime.combine(as_of, dt.time())
    # (time, client, to_state, reason, recall_date) for every move, drawn per client path
    next_step = {
        "new": (("contact_1", 0.9), ("strategic_reserve", 0.1)),
        "contact_1": (("contact_2", 0.5), ("refusal", 0.3), ("deal", 0.1), ("recall", 0.1)),
        "contact_2": (("contact_3", 0.4), ("refusal", 0.3), ("deal", 0.3)),
        "contact_3": (("deal", 0.4), ("refusal", 0.6)),
        "recall": (("contact_2", 0.7), ("refusal", 0.3)),
        "deal": (("client", 0.6), ("deal_support", 0.2), ("refusal", 0.2)),
        "deal_support": (("client", 1.0),),
    }
    moves = 0

    def path(client_id: str, t: dt.datetime) -> list[tuple]:
        out, state = [], "new"
        while state in next_step:
            if rng.random() < 0.15:  # left hanging: nobody called back
                break
            t = t + dt.timedelta(
                days=float(rng.exponential(6.0)) + 1, hours=float(rng.uniform(0, 8))
            )
            if t >= end:
                break
            options, p = zip(*next_step[state], strict=True)
            state = options[rng.choice(len(options), p=np.array(p) / sum(p))]
            reason = recall = None
            if state == "refusal":
                reason = str(rng.choice(["non_profile", "no_money", "crisis", "other"]))
                if reason != "non_profile":
                    recall = (t + dt.timedelta(days=int(rng.integers(30, 120)))).date()
            elif state == "recall":
                recall = (t + dt.timedelta(days=int(rng.integers(7, 30)))).date()
            out.append((t, client_id, state, reason, recall))
            if state in ("refusal", "strategic_reserve", "client"):
                break
        return out

    pending: list[tuple] = []
    for when in lists:
        for t, cid, state, reason, recall in sorted(p for p in pending if p[0] < when):
            store.move(cid, state, author="demo", at=t, reason=reason, recall_date=recall)
            moves += 1
        pending = [p for p in pending if p[0] >= when]
        for manager in calc.managers():
            best = calc.find(Query(managers=(manager,), who="prospects", limit=400))
            added = store.create_list(
                manager, best["client_id"], author="demo", at=when, size=list_size
            )
            for cid in added:
                pending.extend(path(cid, when))
    for t, cid, state, reason, recall in sorted(pending):
        store.move(cid, state, author="demo", at=t, reason=reason, recall_date=recall)
        moves += 1
    return moves
