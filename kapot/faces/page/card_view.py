"""The page's client card: who the client is, its purchases, category mix, payments and the
clients most like it."""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING

import ipywidgets as w
import pandas as pd
from IPython.display import display

from kapot.faces.calculator import Calculator
from kapot.faces.display import Column, table_html
from kapot.faces.page.list_view import voila_plots
from kapot.faces.page.state import PageText, card_data
from kapot.i18n import tr

if TYPE_CHECKING:
    from kapot.server.access import Scope

__all__ = ["CardView", "similar_html"]


def _text(value: object) -> str:
    """A profile's field as shown: empty for a missing one (None, NaN, pd.NA), which would
    otherwise read "nan"."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def similar_html(sim: pd.DataFrame, lang: str) -> str:
    """The similar clients as an HTML table.

    Parameters
    ----------
    sim : DataFrame
        Columns ``client_id``, ``name``, ``region``, ``industry``, ``similarity``
        (:meth:`Calculator.similar`, similarity 0-1), most similar first.
    lang : str
        ``en`` or ``ru``.

    Returns
    -------
    str
        A bold title and the table (a client without a name shown by its id).
    """

    cols = [
        Column("label", "page.col_name"),
        Column("region", "page.col_region"),
        Column("industry", "page.col_industry"),
        Column("similarity", "page.col_similarity", "percent"),
    ]
    shown = sim.assign(
        label=sim["name"].where(sim["name"].notna() & (sim["name"] != ""), sim["client_id"])
    )
    title = html.escape(tr("page.similar_clients", lang))
    return f"<b>{title}</b>" + table_html(shown, cols, lang, css="kapot-similar")


class CardView(PageText):
    """The card tab: a client picker (``pick``, filled from the list) and the card (``out``).

    Parameters
    ----------
    calc : Calculator
        The loaded scores: the client's profile and the similar clients.
    lang : str
        ``en`` or ``ru``.
    db : str or os.PathLike or None
        The warehouse the card's published tables are read from; None for the default.
    scope : kapot.server.access.Scope
        The visitor's: the card and the similar clients show only clients it may see.
    """

    def __init__(
        self, calc: Calculator, lang: str, *, db: str | os.PathLike[str] | None, scope: Scope | None
    ) -> None:
        self.calc, self.lang, self.db, self.scope = calc, lang, db, scope
        self.pick = w.Dropdown(
            options=[(self.t("pick_client"), "")],
            value="",
            description=self.t("client_card"),
            layout=w.Layout(width="520px"),
            style={"description_width": "initial"},
        )
        self.pick.add_class("kapot-card-pick")
        self.out = w.Output()
        self.box = w.VBox([self.pick, self.out])

    def offer(self, res: pd.DataFrame) -> None:
        """The picker's choices: the clients of the list shown.

        Parameters
        ----------
        res : pandas.DataFrame
            The list (:meth:`Calculator.find`), in its order; columns ``rank``,
            ``client_id``, ``name``.
        """
        self.pick.options = [(self.t("pick_client"), "")] + [
            (f"{r.rank}. {_text(r.name) or r.client_id} ({r.client_id})", r.client_id)
            for r in res.itertuples()
        ]

    def show(self, change: dict | None = None) -> None:
        """Draw the card of the client picked (nothing when none is): profile, months, categories
        and payments from the published read tables, and the similar clients.

        Parameters
        ----------
        change : dict, optional
            The picker's change event (ipywidgets' ``observe``); unused, the picker's value
            is read.
        """
        cid = self.pick.value
        plots = voila_plots()
        with self.out:
            self.out.clear_output(wait=True)
            if not cid:
                return
            data = card_data(cid, db=self.db, as_of=self.calc.as_of, scope=self.scope)
            row = self.calc.clients.set_index("client_id").loc[cid]
            info = [_text(row.get("name")) or cid] + [
                _text(row.get(col))
                for col in ("region", "industry", "contact_person", "phone", "email")
            ]
            display(
                w.HTML(
                    f'<div class="kapot-card-head"><b>{html.escape(str(info[0]))}</b> · '
                    + " · ".join(html.escape(str(x)) for x in info[1:] if x)
                    + "</div>"
                )
            )
            display(plots.monthly_purchases(data["monthly"], self.lang))
            display(plots.category_mix(data["categories"], self.lang))
            display(plots.payment_history(data["payments"], self.lang))
            sim = self.calc.similar(cid, limit=8, scope=self.scope)
            display(w.HTML(similar_html(sim, self.lang)))
