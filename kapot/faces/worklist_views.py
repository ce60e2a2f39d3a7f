"""What the worklist store shows: a manager's working list at a time, a client's history of moves, the funnel of states."""

from __future__ import annotations

import datetime as dt

import pandas as pd

__all__ = ["WorklistViews"]


class WorklistViews:
    """What the worklist store shows: a manager's working list at a time, a client's history of moves, the funnel of states."""

    # ------------------------------------------------------------------ views
    def show(self, manager: str | None = None, *, at: dt.datetime) -> pd.DataFrame:
        """The work by client: overdue first, then by state (in the pipeline's order), longest
        in work first.

        Parameters
        ----------
        manager : str, optional
            Only this manager's clients; None: everyone's.
        at : datetime.datetime
            Now: days in work are counted to it.

        Returns
        -------
        pandas.DataFrame
            Columns client_id, manager, state, reason, recall_date, list_id, assigned_at,
            state_since (ISO texts as stored), days_in_work, overdue (open longer than the
            configuration's ``max_deal_days``).
        """
        # the states are the store's; its module imports this one
        from kapot.faces.worklists import OPEN_STATES, STATES

        with self._connect() as con:
            q = "SELECT client_id, manager, state, reason, recall_date, list_id, assigned_at, state_since FROM work"
            df = pd.read_sql_query(
                q + (" WHERE manager = ?" if manager else ""),
                con,
                params=(manager,) if manager else (),
            )
        if df.empty:
            return df.assign(days_in_work=pd.Series(dtype=int), overdue=pd.Series(dtype=bool))
        df["days_in_work"] = (pd.Timestamp(at) - pd.to_datetime(df["assigned_at"])).dt.days
        df["overdue"] = df["state"].isin(OPEN_STATES) & (
            df["days_in_work"] > self.config.max_deal_days
        )
        df["state_order"] = df["state"].map({s: i for i, s in enumerate(STATES)})
        df = df.sort_values(
            ["overdue", "state_order", "days_in_work", "client_id"],
            ascending=[False, True, False, True],
        )
        return df.drop(columns="state_order").reset_index(drop=True)

    def history(self, client_id: str | None = None) -> pd.DataFrame:
        """Every stored transition, oldest first.

        Parameters
        ----------
        client_id : str, optional
            Only this client's; None: all.

        Returns
        -------
        pandas.DataFrame
            Columns id, client_id, manager, from_state (None for a first assignment), to_state,
            reason, recall_date, at, author.
        """
        with self._connect() as con:
            q = (
                "SELECT * FROM transitions"
                + (" WHERE client_id = ?" if client_id else "")
                + " ORDER BY id"
            )
            return pd.read_sql_query(q, con, params=(client_id,) if client_id else ())

    def funnel(self, manager: str | None = None, *, at: dt.datetime) -> pd.DataFrame:
        """Clients per state, with how many are overdue.

        Parameters
        ----------
        manager : str, optional
            Only this manager's clients; None: everyone's.
        at : datetime.datetime
            Now, as for :meth:`show`.

        Returns
        -------
        pandas.DataFrame
            Columns state (every state, in the pipeline's order), clients, overdue.
        """
        # the states are the store's; its module imports this one
        from kapot.faces.worklists import STATES

        df = self.show(manager, at=at)
        counts = df.groupby("state").agg(clients=("client_id", "size"), overdue=("overdue", "sum"))
        return counts.reindex(list(STATES), fill_value=0).reset_index()
