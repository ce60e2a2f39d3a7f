"""Why a client is on the list: reason codes with their figures (the faces word them)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kapot.faces.calculator.query import Query

__all__ = ["Reasons"]


class Reasons:
    """Why a client is on the list: reason codes with their figures (the faces word them)."""

    # ------------------------------------------------------------------ reasons
    def reason_codes(self, i: int, q: Query) -> list[tuple[str, dict]]:
        """Why a client is on the list for a query.

        Parameters
        ----------
        i : int
            The client's row in ``clients``.
        q : Query
            The query whose categories and SKUs the reasons are about (all categories when it
            names none); the reasons speak of the item the client most likely buys.

        Returns
        -------
        list of tuple of (str, dict)
            (key in :data:`~kapot.faces.calculator.query.REASON_KEYS`, its figures), strongest
            first; :func:`kapot.faces.wording.reason_text` words them.
        """
        a = self._arr

        def yes(col: str) -> bool:
            v = a[col][i]
            return (
                v is not None
                and not (isinstance(v, float) and np.isnan(v))
                and v is not pd.NA
                and bool(v)
            )

        def num(col: str) -> float:
            v = a[col][i]
            return float(v) if v is not None and v is not pd.NA and pd.notna(v) else float("nan")

        views = [
            (x, {k: v[:, self._cat_index[x]] for k, v in self.scores.items()})
            for x in q.categories
            if x in self._cat_index
        ] + [(x, self.sku_scores(x)) for x in q.skus]
        if not views:
            views = [
                (x, {k: v[:, j] for k, v in self.scores.items()})
                for j, x in enumerate(self.categories)
            ]
        out: list[tuple[str, dict]] = []
        item, s = max(views, key=lambda kv: kv[1]["probability"][i])
        j = i  # the item's arrays are per client
        if s["item_months_12m"][j] >= 6:
            out.append(("buys_regularly", {"item": item, "months": int(s["item_months_12m"][j])}))
        # "bought in this season last year" only where the pair's own season is significant
        # and the horizon is in it: a purchase a year ago in a pair without a season is no
        # reason to expect one now
        if s["item_revenue_same_season_ly"][j] > 0 and s["in_season"][j] > 0:
            peak = {"peak_month": int(s["pair_peak_month"][j]), "peak_pm": s["pair_peak_pm"][j]}
            out.append(("same_season", {"item": item, **peak}))
        peak = num("peak_month")
        if yes("seasonal") and peak > 0:
            months = {
                (self.as_of + dt.timedelta(days=d)).month for d in range(0, self.horizon_days, 7)
            }
            if int(peak) in months:
                out.append(("peak_in_horizon", {"month": int(peak)}))
        industry = a["industry"][i] if isinstance(a["industry"][i], str) else None
        if industry is None:
            pass  # peers by industry say nothing where the industry is unknown
        elif yes("is_prospect"):
            out.append(
                (
                    "lookalike",
                    {"item": item, "industry": industry, "share": s["adopt_industry"][j]},
                )
            )
        elif s["has_bought"][j] == 0 and s["adopt_industry"][j] >= 0.2:
            out.append(
                (
                    "peers_buy",
                    {"item": item, "industry": industry, "share": s["adopt_industry"][j]},
                )
            )
        if s["has_bought"][j] == 0 and max(s["cf_score_pct"][j], s["svd_score_pct"][j]) >= 0.9:
            out.append(("similar_basket", {"item": item}))
        if yes("overdue_reorder"):
            out.append(("reorder_due", {"days": int(num("median_days_between_orders"))}))
        trend = num("trend_12m")
        if trend > 0.2:
            out.append(("growing", {"share": trend}))
        if yes("pays_on_time"):
            out.append(("pays_on_time", {}))
        return out
