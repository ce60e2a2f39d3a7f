"""Checking a query against what the scores hold, turning its filters into arrays, and the
values each filter offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kapot.errors import KapotError, nearest
from kapot.faces.calculator.query import Query
from kapot.i18n import catalogue, tr

if TYPE_CHECKING:
    from kapot.server.access import Scope

__all__ = ["Filtering"]


class Filtering:
    """Checking a query against what the scores hold and turning its filters into arrays."""

    def _month(self, peak: str | int) -> int:
        if peak == "current":
            return self.as_of.month
        if peak == "next":
            return self.as_of.month % 12 + 1
        month = int(peak)
        if not 1 <= month <= 12:
            raise KapotError(tr("calculator.bad_month", value=str(peak)))
        return month

    def _prepare_filters(self) -> None:
        """The filter columns of ``clients`` prepared once: a query is then only NumPy
        comparisons."""
        c = self.clients

        def flag(col: str) -> np.ndarray:
            return c[col].astype("boolean").fillna(False).to_numpy(dtype=bool)

        self._pays = flag("pays_on_time")
        self._prospect = flag("is_prospect")
        self._peak = np.where(
            flag("seasonal"), pd.to_numeric(c["peak_month"], errors="coerce").fillna(0), 0
        ).astype(int)
        self._off = (
            pd.to_numeric(c["off_assortment_share"], errors="coerce")
            .fillna(0)
            .to_numpy(dtype=float)
        )
        self._codes = {
            col: pd.Categorical(c[col])
            for col in ("region", "manager", "size_tier", "rfm_segment", "abc", "cluster_code")
        }

    # ------------------------------------------------------------------ the query
    def _item_arrays(self, q: Query) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """(probability of buying any chosen item, expected value, bought before, item names)."""
        n = len(self.clients)
        probs, values, before, names = [], [], [], []
        for cat in q.categories:
            if cat not in self._cat_index:
                raise KapotError(
                    tr("calculator.unknown_category", name=cat, known=nearest(cat, self.categories))
                )
            j = self._cat_index[cat]
            probs.append(self.scores["probability"][:, j])
            values.append(self.scores["expected_value"][:, j])
            before.append(self.scores["has_bought"][:, j] > 0)
            names.append(cat)
        for sku in q.skus:
            a = self.sku_scores(sku)
            probs.append(a["probability"])
            values.append(a["expected_value"])
            before.append(a["has_bought"] > 0)
            names.append(sku)
        if not probs:  # everything we supply
            probs = [self.scores["probability"][:, j] for j in range(len(self.categories))]
            values = [self.scores["expected_value"][:, j] for j in range(len(self.categories))]
            before = [np.zeros(n, dtype=bool)]
        p = 1 - np.prod(1 - np.column_stack(probs), axis=1)
        v = np.sum(np.column_stack(values), axis=1)
        b = (
            np.all(np.column_stack(before), axis=1)
            if q.new_buyers_only
            else np.any(np.column_stack(before), axis=1)
        )
        return p, v, b, names

    def _keep(self, q: Query, v: np.ndarray, before: np.ndarray, seen: np.ndarray) -> np.ndarray:
        """The rows among ``seen`` that pass ``q``'s filters (``v``: their expected value,
        ``before``: bought the chosen items before)."""
        keep = seen.copy()
        if q.regions:
            keep &= self._isin("region", q.regions)
        if q.managers:
            keep &= self._isin("manager", q.managers)
        if q.pays_on_time:
            keep &= self._pays
        if q.peak_month not in (None, "", "any"):
            keep &= self._peak == self._month(q.peak_month)
        if q.exclude_off_assortment:
            keep &= ~(self._off > q.off_assortment_threshold)
        if q.new_buyers_only:
            keep &= ~before
        if q.who == "existing":
            keep &= ~self._prospect
        elif q.who == "prospects":
            keep &= self._prospect
        if q.size_tiers:
            keep &= self._isin("size_tier", q.size_tiers)
        if q.segments:
            keep &= (
                self._isin("rfm_segment", q.segments)
                | self._isin("abc", q.segments)
                | self._isin("cluster_code", q.segments)
            )
        if q.min_expected_value:
            keep &= v >= q.min_expected_value
        return keep

    # ------------------------------------------------------------------ the options
    def regions(self, scope: Scope | None = None) -> list[str]:
        """The regions of the clients ``scope`` sees, sorted.

        Parameters
        ----------
        scope : kapot.server.access.Scope, optional
            The account's scope; None: every client's regions.

        Returns
        -------
        list of str
        """
        return sorted(self.clients.loc[self.visible(scope), "region"].dropna().unique().tolist())

    def managers(self, scope: Scope | None = None) -> list[str]:
        """The managers of the clients ``scope`` sees, sorted.

        Parameters
        ----------
        scope : kapot.server.access.Scope, optional
            The account's scope; None: every client's managers.

        Returns
        -------
        list of str
        """
        return sorted(self.clients.loc[self.visible(scope), "manager"].dropna().unique().tolist())

    def known_values(self) -> dict[str, list[str]]:
        """What each filter accepts.

        Returns
        -------
        dict of str to list of str
            Sorted values under ``region`` and ``manager`` (those in the data), ``size_tier``
            and ``segment`` (RFM segments, ABC classes, cluster codes; in the data or in
            kapot's catalogue).
        """

        def data(*cols: str) -> set[str]:
            return {v for col in cols for v in self._codes[col].categories if isinstance(v, str)}

        keys = catalogue()
        return {
            "region": sorted(data("region")),
            "manager": sorted(data("manager")),
            "size_tier": sorted(data("size_tier") | {k[5:] for k in keys if k.startswith("tier.")}),
            "segment": sorted(
                data("rfm_segment", "abc", "cluster_code")
                | {k[4:] for k in keys if k.startswith("rfm.")}
                | {"A", "B", "C"}
            ),
        }

    def check(self, q: Query) -> None:
        """Refuse a filter value that is not in the data: a typo must not look like an empty
        list.

        Parameters
        ----------
        q : Query
            Its regions, managers, size tiers and segments are checked against
            :meth:`known_values`.

        Raises
        ------
        KapotError
            for the first unknown value, naming the nearest known ones.
        """
        if not (q.regions or q.managers or q.size_tiers or q.segments):
            return
        known = self.known_values()
        for kind, values in (
            ("region", q.regions),
            ("manager", q.managers),
            ("size_tier", q.size_tiers),
            ("segment", q.segments),
        ):
            allowed = set(known[kind])
            for value in values:
                if value not in allowed:
                    raise KapotError(
                        tr(f"filters.unknown_{kind}", name=value, near=nearest(value, allowed))
                    )

    def _isin(self, col: str, values: tuple[str, ...]) -> np.ndarray:
        cat = self._codes[col]
        wanted = [i for i, v in enumerate(cat.categories) if v in set(values)]
        return np.isin(cat.codes, wanted)
