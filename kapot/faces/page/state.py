"""The page's state without widgets: the query from the filters' values, the list sorted and
with stock, why a list is empty, the call list to export, the URL's presets.

Everything here takes and returns plain values and frames, so it is tested without ipywidgets
or a browser. The page's own data calls (illiquid stock, the client card) are in one place at
the end, :func:`illiquid_stock` and :func:`card_data`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import pandas as pd

from kapot.faces.calculator import Calculator, Query, client_card
from kapot.faces.filters import build_query, split_skus
from kapot.i18n import currency_for, month_name, tr

if TYPE_CHECKING:
    from kapot.server.access import Scope

__all__ = [
    "PageText",
    "FilterValues",
    "WHY_EMPTY",
    "page_params",
    "why_empty",
    "with_stock",
    "sort_result",
    "export_frame",
    "illiquid_stock",
    "card_data",
]

# the filters a manager may have narrowed, in the order they are tried when a list is empty:
# the reason code (page.<code> in the catalogue) and the query field that, reset, removes it
WHY_EMPTY = (
    ("why_regions", {"regions": ()}),
    ("why_pays", {"pays_on_time": False}),
    ("why_peak", {"peak_month": None}),
    ("why_new", {"new_buyers_only": False}),
    ("why_who", {"who": "all"}),
    ("why_tiers", {"size_tiers": ()}),
    ("why_segments", {"segments": ()}),
    ("why_off", {"exclude_off_assortment": False}),
)


class PageText:
    """What the page and each of its views share: their texts, ``page.<key>`` of the
    catalogue in their ``lang`` (an attribute: ``en`` or ``ru``)."""

    lang: str

    def t(self, key: str, **params: object) -> str:
        """The page's text ``page.<key>`` in this view's language.

        Parameters
        ----------
        key : str
            The catalogue key after ``page.`` (``"title"``, ``"col_score"``).
        **params
            The values of the text's ``{placeholders}``.

        Returns
        -------
        str
        """
        return tr(f"page.{key}", self.lang, **params)


def page_params(defaults: dict, query_string: str | None) -> dict:
    """Parameters of the page: the notebook's ``parameters`` cell, overridden by the URL's query
    string (``?manager=Petrova&region=Moscow&lang=ru``). Only presets are taken from the URL:
    as_of, manager, region(s), category(ies), lang; never the warehouse path.

    Parameters
    ----------
    defaults : dict
        The notebook's parameters (``db``, ``as_of``, ``lang``, ``manager``, ``regions``,
        ``categories``).
    query_string : str or None
        The URL's query string, with or without its ``?``; ``region`` and ``regions`` (and
        ``category``/``categories``) may repeat or hold comma-separated values.

    Returns
    -------
    dict
        ``defaults`` with the URL's values in place (text: ``as_of`` an ISO date string,
        ``regions`` and ``categories`` lists).
    """
    params = dict(defaults)
    q = parse_qs((query_string or "").lstrip("?"))
    if "lang" in q:
        params["lang"] = q["lang"][-1]
    if "manager" in q:
        params["manager"] = q["manager"][-1]
    if "as_of" in q:
        params["as_of"] = q["as_of"][-1]
    for key, plural in (("region", "regions"), ("category", "categories")):
        values = q.get(key, []) + q.get(plural, [])
        if values:
            params[plural] = [v for item in values for v in item.split(",") if v]
    return params


@dataclass(frozen=True)
class FilterValues:
    """What the page's filters hold, as plain values (the widgets' ``value``\\ s).

    Parameters
    ----------
    categories : tuple of str
        The categories chosen; empty for none.
    sku_text : str
        The SKUs as typed, separated by ``,`` or ``;``.
    illiquid : str
        The illiquid SKU chosen; empty for none.
    all_regions : bool
        Every region the visitor sees; ``regions`` is then ignored.
    regions, size_tiers, segments : tuple of str
        The values chosen; empty means any.
    pays_on_time, exclude_off_assortment, new_buyers_only : bool
        The check boxes.
    peak_month : str or int
        ``"any"``, ``"current"``, ``"next"`` or a month 1-12.
    who : str
        ``"all"``, ``"existing"`` or ``"prospects"``.
    limit : int
        How many clients the list holds (the slider: 10-90).
    """

    categories: tuple[str, ...] = ()
    sku_text: str = ""
    illiquid: str = ""
    all_regions: bool = True
    regions: tuple[str, ...] = ()
    pays_on_time: bool = False
    peak_month: str | int = "any"
    exclude_off_assortment: bool = False
    new_buyers_only: bool = False
    who: str = "all"
    size_tiers: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    limit: int = 50

    def query(self) -> Query:
        """The calculator query: typed SKUs and the illiquid SKU chosen, regions unless all.

        Returns
        -------
        kapot.faces.calculator.Query
            From :func:`kapot.faces.filters.build_query`.

        Raises
        ------
        KapotError
            For a peak month that is neither a number nor ``current``/``next``.
        """
        skus = split_skus(self.sku_text)
        if self.illiquid:
            skus = (*skus, self.illiquid)
        return build_query(
            categories=self.categories,
            skus=skus,
            regions=() if self.all_regions else self.regions,
            pays_on_time=self.pays_on_time,
            peak_month=self.peak_month,
            exclude_off_assortment=self.exclude_off_assortment,
            new_buyers_only=self.new_buyers_only,
            who=self.who,
            size_tiers=self.size_tiers,
            segments=self.segments,
            limit=self.limit,
        )


def why_empty(calc: Calculator, q: Query, scope: Scope | None = None) -> str:
    """Which filter emptied the list: the reason code of the first one that, removed alone,
    brings clients back (``WHY_EMPTY``), or ``"why_all"``.

    Parameters
    ----------
    calc : Calculator
        The loaded scores.
    q : Query
        The query whose list came back empty.
    scope : kapot.server.access.Scope, optional
        Whose clients may be shown.

    Returns
    -------
    str
        A reason code; the page shows ``page.<code>`` from the catalogue.
    """
    for key, change in WHY_EMPTY:
        field, reset = next(iter(change.items()))
        if getattr(q, field) != reset:
            if len(calc.find(replace(q, **change, limit=1), scope=scope)):
                return key
    return "why_all"


def with_stock(products: pd.DataFrame, res: pd.DataFrame, sku: str) -> pd.DataFrame:
    """The list for an illiquid SKU with the quantities it would move and the stock held.

    Parameters
    ----------
    products : DataFrame
        Columns ``sku``, ``price``, ``stock_qty`` (the calculator's ``products``).
    res : DataFrame
        The calculator's list, with column ``expected_value``.
    sku : str
        The SKU chosen.

    Returns
    -------
    DataFrame
        ``res`` with ``expected_quantity`` (expected value / price) and ``stock_qty``; NaN
        where the SKU has no price or stock.
    """
    prods = products.set_index("sku")
    prod = (
        prods.loc[sku]
        if sku in prods.index
        else pd.Series({"price": float("nan"), "stock_qty": float("nan")})
    )
    price = float(prod["price"]) if pd.notna(prod["price"]) and prod["price"] else float("nan")
    res = res.copy()
    res["expected_quantity"] = res["expected_value"] / price
    res["stock_qty"] = float(prod["stock_qty"]) if pd.notna(prod["stock_qty"]) else float("nan")
    return res


def sort_result(res: pd.DataFrame, key: str, descending: bool) -> pd.DataFrame:
    """The list sorted on column ``key`` (stable, empty values last).

    Parameters
    ----------
    res : pandas.DataFrame
        The calculator's list; it must have the column ``key``.
    key : str
        The column to sort on: ``score``, ``expected_value``, ``region``, ``segment``,
        ``peak_month`` or ``name`` (the page's sort menu).
    descending : bool
        Largest first.

    Returns
    -------
    pandas.DataFrame
        ``res``'s rows in the new order, index kept.
    """
    return res.sort_values(key, ascending=not descending, kind="stable", na_position="last")


def export_frame(res: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The call list with headers in ``lang``: client, contacts, region, reasons, score, peak
    month, manager.

    Parameters
    ----------
    res : DataFrame
        The calculator's list: columns ``client_id``, ``name``, ``contact_person``, ``phone``,
        ``email``, ``region``, ``manager``, ``score``, ``expected_value``, ``peak_month``,
        ``reasons``.
    lang : str
        ``en`` or ``ru``.

    Returns
    -------
    pandas.DataFrame
        One row per client, the columns in that order; score rounded to 4 places, the
        expected value (header with the currency code) to 2, the peak month as its name.
    """

    def t(key: str) -> str:
        return tr(f"page.{key}", lang)

    return pd.DataFrame(
        {
            t("col_client_id"): res["client_id"],
            t("col_name"): res["name"],
            t("col_contact"): res["contact_person"],
            t("col_phone"): res["phone"],
            t("col_email"): res["email"],
            t("col_region"): res["region"],
            t("col_manager"): res["manager"],
            t("col_score"): res["score"].round(4),
            tr("currency.money_header", lang, label=t("col_value"), code=currency_for(lang)): res[
                "expected_value"
            ].round(2),
            t("col_peak"): [
                month_name(int(v), lang) if pd.notna(v) and v else "" for v in res["peak_month"]
            ],
            t("col_reasons"): res["reasons"],
        }
    )


# ---------------------------------------------------------------- the page's data calls
def illiquid_stock(calc: Calculator) -> list[str]:
    """The SKUs in stock that have not sold for a long while (the illiquid-stock picker), from
    the calculator's products in memory: no warehouse connection, no engine import
    (:meth:`Calculator.slow_movers`).

    Parameters
    ----------
    calc : Calculator
        The loaded scores and products.

    Returns
    -------
    list of str
        The SKUs in assortment, on stock, whose stock arrived 180 days or more before the
        scores' date, sorted.
    """
    return calc.slow_movers()


def card_data(
    cid: str, *, db: str | os.PathLike[str] | None, as_of: dt.date, scope: Scope | None = None
) -> dict[str, pd.DataFrame]:
    """A client's card: frames ``monthly``, ``categories`` and ``payments``
    (:func:`kapot.faces.calculator.client_card`).

    Parameters
    ----------
    cid : str
        The client's id.
    db : str or os.PathLike or None
        The warehouse; None for ``KAPOT_DB``, else ``data/kapot.duckdb``.
    as_of : datetime.date
        The scores' date; the card shows data before it.
    scope : kapot.server.access.Scope, optional
        The visitor's; a client it may not see is refused as unknown.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``monthly`` (month, revenue, orders: the 24 months before the date), ``categories``
        (category, revenue, share) and ``payments`` (invoice_id, issued, due, paid, amount,
        days_late; oldest first) (:meth:`kapot.pipeline.snapshot.Snapshot.card`).

    Raises
    ------
    KapotError
        For a client the scope may not see.
    """
    return client_card(cid, db=db, as_of=as_of, scope=scope)
