"""The potential calculator: filter and rank clients for what we can supply now, with reasons.

The page, the CLI (``kapot find``) and the reports all call :meth:`Calculator.find`. A
:class:`Calculator` loads one scored date into memory once (NumPy arrays, one row per client,
one column per category), so a filter change costs a few vectorised operations: well under
100 ms at 100k clients.

Scores are never changed by filters: filters only decide who is shown. For several chosen
categories a client's probability is that of buying at least one of them, its expected value
the sum. For a SKU, the probability is the category's times the client's share of that SKU
within the category (its own purchases, smoothed toward all clients' share).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kapot.errors import KapotError
from kapot.i18n import fmt_money, fmt_percent, month_name, tr

__all__ = ["Calculator", "Query", "REASON_KEYS", "client_card", "nearest"]

REASON_KEYS = (
    "buys_regularly",
    "same_season",
    "peak_in_horizon",
    "peers_buy",
    "similar_basket",
    "lookalike",
    "pays_on_time",
    "growing",
    "reorder_due",
)


def nearest(name: str, known: Iterable[str], *, n: int = 5) -> str:
    """The known values closest to ``name`` (difflib, ignoring case), for an error message;
    when none is close, the first few known values."""
    values = sorted({str(k) for k in known if isinstance(k, str) and k})
    by_lower: dict[str, str] = {}
    for v in values:
        by_lower.setdefault(v.lower(), v)
    hits = difflib.get_close_matches(str(name).lower(), list(by_lower), n=n, cutoff=0.5)
    if hits:
        return ", ".join(by_lower[h] for h in hits)
    return ", ".join(values[: 2 * n]) + (", …" if len(values) > 2 * n else "") or "-"


@dataclass(frozen=True)
class Query:
    """What a manager asks for. Empty lists mean "any"."""

    categories: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    pays_on_time: bool = False
    peak_month: str | int | None = None  # "current", "next", 1..12 or None
    exclude_off_assortment: bool = False
    off_assortment_threshold: float = 0.5
    new_buyers_only: bool = False
    who: str = "all"  # existing, prospects, all
    size_tiers: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()  # RFM segment names or ABC classes
    managers: tuple[str, ...] = ()
    min_expected_value: float = 0.0
    limit: int = 50
    rank_by: str = "probability"  # or expected_value


_SCORE_COLUMNS = (
    "probability",
    "expected_value",
    "expected_quantity",
    "has_bought",
    "item_months_12m",
    "item_revenue_same_season_ly",
    "adopt_industry",
    "cf_score_pct",
    "svd_score_pct",
)
_REASON_COLUMNS = (
    "peak_month",
    "seasonal",
    "industry",
    "is_prospect",
    "overdue_reorder",
    "median_days_between_orders",
    "trend_12m",
    "pays_on_time",
)


def _snapshot_dir(db: Path, as_of: dt.date, horizon_days: int) -> Path:
    """Where the score matrices of one published warehouse file, date and horizon are shared:
    ``<warehouse>.shared/<date>_h<days>_<mtime>_<size>/`` (a new load publishes a new file, so
    a new key; old snapshots are removed when a new one is written)."""
    st = db.stat()
    return db.with_name(db.name + ".shared") / (
        f"{as_of.isoformat()}_h{int(horizon_days)}_{st.st_mtime_ns}_{st.st_size}"
    )


def _read_snapshot(snap: Path) -> dict | None:
    """A published snapshot: the score matrices memory-mapped read-only (every kernel maps the
    same pages), the clients' and products' tables, and the currency and validation report;
    None if absent."""
    import json
    import pickle

    try:
        if not (snap / "done").exists():
            return None
        categories = json.loads((snap / "categories.json").read_text("utf-8"))
        scores = {c: np.load(snap / f"{c}.npy", mmap_mode="r") for c in _SCORE_COLUMNS}
        # written by kapot itself, beside the warehouse it was computed from (same trust)
        with open(snap / "tables.pkl", "rb") as fh:
            clients, products = pickle.load(fh)
        meta = json.loads((snap / "meta.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError):
        return None
    return {
        "clients": clients,
        "products": products,
        "scores": scores,
        "categories": categories,
        "meta": meta,
    }


def _write_snapshot(snap: Path, calc: Calculator) -> None:
    """Publish one calculator's tables for the other kernels (atomic rename; best effort: a
    read-only folder only means each kernel loads its own copy from the warehouse)."""
    import json
    import pickle
    import shutil

    tmp = snap.with_name(f"{snap.name}.tmp{os.getpid()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        for c in _SCORE_COLUMNS:
            np.save(tmp / f"{c}.npy", np.ascontiguousarray(calc.scores[c]), allow_pickle=False)
        (tmp / "categories.json").write_text(json.dumps(calc.categories), "utf-8")
        with open(tmp / "tables.pkl", "wb") as fh:
            pickle.dump((calc.clients, calc.products), fh, protocol=pickle.HIGHEST_PROTOCOL)
        meta = {"currency": calc.currency, "validation": calc.validation}
        (tmp / "meta.json").write_text(json.dumps(meta, default=str), "utf-8")
        (tmp / "done").write_text("", "utf-8")
        try:
            os.rename(tmp, snap)
        except OSError:  # another kernel published it first
            shutil.rmtree(tmp, ignore_errors=True)
        for old in snap.parent.iterdir():
            if old.name != snap.name and ".tmp" not in old.name:
                shutil.rmtree(old, ignore_errors=True)
    except (OSError, TypeError, ValueError):
        shutil.rmtree(tmp, ignore_errors=True)


class Calculator:
    """One scored date of one warehouse, in memory; the score matrices are memory-mapped from
    a snapshot beside the warehouse, so the page's kernels share one copy."""

    def __init__(
        self,
        clients: pd.DataFrame,
        scores: dict[str, np.ndarray],
        categories: list[str],
        as_of: dt.date,
        horizon_days: int,
        products: pd.DataFrame,
        sku_engine: tuple | None = None,
        currency: str | None = None,
    ) -> None:
        self.clients = clients.reset_index(drop=True)
        self.currency = currency  # the warehouse's (ISO 4217), None: the language's default
        self.scores = scores
        self.categories = categories
        self.as_of = as_of
        self.horizon_days = horizon_days
        self._cat_index = {c: i for i, c in enumerate(categories)}
        self.products = products
        # the served SKU ranker and the snapshot it scores (any SKU is scored on demand), read
        # from the warehouse at the first SKU query: most page visits never type one, and the
        # snapshot is the largest thing a kernel would hold
        self._sku_engine = sku_engine
        self._sku_cache: dict[str, dict[str, np.ndarray]] = {}
        self._db: object = False  # the warehouse to read the SKU engine from (load sets it)
        self.validation: dict = {}
        self._scope_masks: dict = {}
        # plain arrays for the per-row reasons (no pandas row access on the hot path); only the
        # columns the reasons read: at 100k clients each object column costs ~3 MB per kernel
        self._arr = {col: self.clients[col].to_numpy(dtype=object) for col in _REASON_COLUMNS}
        # filter columns prepared once: a query is then only NumPy comparisons
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
            for col in ("region", "manager", "size_tier", "rfm_segment", "abc", "cluster_name")
        }

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls,
        db: str | os.PathLike[str] | None = None,
        as_of: dt.date | None = None,
        horizon_days: int | None = None,
    ) -> Calculator:
        """Read the latest (or the given) scores and profiles from the published snapshot
        (:class:`kapot.snapshot.Snapshot`)."""
        from kapot.snapshot import Snapshot
        from kapot.warehouse import Warehouse

        snapshot = Snapshot.open(db, as_of, horizon_days=horizon_days, scored=True)
        as_of, horizon_days = snapshot.as_of, int(snapshot.horizon_days)
        snap = _snapshot_dir(Warehouse(db).path, as_of, horizon_days)
        shared = _read_snapshot(snap)
        if shared is not None:  # another kernel (or an earlier run) read this already
            calc = cls(
                shared["clients"],
                shared["scores"],
                shared["categories"],
                as_of,
                horizon_days,
                shared["products"],
                currency=shared["meta"]["currency"],
            )
            calc.validation = shared["meta"]["validation"]
            calc._db = db
            return calc
        pot = snapshot.potential()
        if pot.empty:
            raise KapotError(tr("calculator.not_scored_for", as_of=str(as_of)))
        clients = snapshot.client_profile()
        validation = snapshot.validation()
        products = snapshot.products().drop(columns="illiquid")
        currency = snapshot.currency()
        categories = sorted(pot["item"].unique())
        idx = pd.Index(clients["client_id"])
        rows = idx.get_indexer(pot["client_id"])
        cols = pd.Index(categories).get_indexer(pot["item"])
        ok = rows >= 0
        scores = {}
        for col in _SCORE_COLUMNS:
            arr = np.zeros((len(idx), len(categories)))
            arr[rows[ok], cols[ok]] = (
                pd.to_numeric(pot[col], errors="coerce").fillna(0).to_numpy(dtype=float)[ok]
            )
            scores[col] = arr
        del pot
        calc = cls(
            clients, scores, categories, as_of, int(horizon_days), products, currency=currency
        )
        calc.validation = validation
        calc._db = db
        _write_snapshot(snap, calc)
        return calc

    # ------------------------------------------------------------------ access
    def visible(self, scope=None) -> np.ndarray:
        """Rows the account's :class:`kapot.access.Scope` may see (all rows without a scope:
        the CLI and notebooks, whose user holds the warehouse file anyway)."""
        if scope is None:
            return np.ones(len(self.clients), dtype=bool)
        if scope not in self._scope_masks:
            self._scope_masks[scope] = scope.mask(self.clients)
        return self._scope_masks[scope]

    def _check_visible(self, client_id: str, scope) -> np.ndarray:
        ids = self.clients["client_id"].to_numpy()
        hit = np.flatnonzero((ids == client_id) & self.visible(scope))
        if not len(hit):  # the same answer as for an id that does not exist
            raise KapotError(tr("calculator.unknown_client", client=client_id))
        return hit

    # ------------------------------------------------------------------ options
    def regions(self, scope=None) -> list[str]:
        return sorted(self.clients.loc[self.visible(scope), "region"].dropna().unique().tolist())

    def managers(self, scope=None) -> list[str]:
        return sorted(self.clients.loc[self.visible(scope), "manager"].dropna().unique().tolist())

    def slow_movers(self, min_age_days: int = 180) -> list[str]:
        """SKUs we can supply (in assortment, on stock) whose stock arrived ``min_age_days`` or
        more before the scores' date, from the products table already in memory: the same list
        as :func:`kapot.potential.illiquid_skus` on the warehouse, without opening it (the
        served page asks this on every visit)."""
        p = self.products
        in_assortment = p["in_assortment"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        qty = pd.to_numeric(p["stock_qty"], errors="coerce").fillna(0).to_numpy(dtype=float)
        since = pd.to_datetime(p["stock_since"], errors="coerce")
        cutoff = pd.Timestamp(self.as_of) - pd.Timedelta(days=int(min_age_days))
        old = (since <= cutoff).fillna(False).to_numpy(dtype=bool)
        return sorted(p.loc[in_assortment & (qty > 0) & old, "sku"].astype(str).tolist())

    def _month(self, peak: str | int) -> int:
        if peak == "current":
            return self.as_of.month
        if peak == "next":
            return self.as_of.month % 12 + 1
        month = int(peak)
        if not 1 <= month <= 12:
            raise KapotError(tr("calculator.bad_month", value=str(peak)))
        return month

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

    def _sku_state(self):
        """(ranker, snapshot, row of each client in the snapshot) or None if not scored."""
        if self._sku_engine is None and self._db is not False:
            from kapot.snapshot import Snapshot

            snapshot = Snapshot(self._db, self.as_of, self.horizon_days)
            self._sku_engine = snapshot.engine_state("sku")
            self._db = False  # read once
        if self._sku_engine is None:
            return None
        ranker, snap = self._sku_engine
        if not hasattr(self, "_sku_rows"):
            self._sku_rows = pd.Index(snap.client_ids).get_indexer(self.clients["client_id"])
        return ranker, snap, self._sku_rows

    def skus(self) -> list[str]:
        """Every SKU the calculator can score (those sold in the history)."""
        state = self._sku_state()
        return [] if state is None else list(state[1].items)

    def sku_scores(self, sku: str) -> dict[str, np.ndarray]:
        """One SKU scored on demand by the served SKU ranker, aligned with ``self.clients``:
        probability, expected_value, has_bought and the reason inputs. Works with and without
        categories (every SKU its own item)."""
        if sku in self._sku_cache:
            return self._sku_cache[sku]
        state = self._sku_state()
        if state is None:
            raise KapotError(tr("calculator.not_scored"))
        ranker, snap, rows = state
        if sku not in set(snap.items):
            raise KapotError(
                tr("filters.unknown_sku", sku=sku, near=nearest(sku, list(snap.items)))
            )
        from kapot.potential import expected_values

        scored = ranker.score(snap, [sku])
        scored["expected_value"] = expected_values(scored, self.horizon_days)
        out = {}
        for col in (
            "probability",
            "expected_value",
            "has_bought",
            "item_months_12m",
            "item_revenue_same_season_ly",
            "adopt_industry",
            "cf_score_pct",
            "svd_score_pct",
        ):
            v = scored[col].to_numpy(dtype=float)
            out[col] = np.where(rows >= 0, v[np.maximum(rows, 0)], 0.0)
        if len(self._sku_cache) > 64:  # a page session types a few SKUs, not thousands
            self._sku_cache.pop(next(iter(self._sku_cache)))
        self._sku_cache[sku] = out
        return out

    def known_values(self) -> dict[str, list[str]]:
        """What each filter accepts: regions and managers in the data, size tiers and segments
        (RFM segments, ABC classes, cluster names) in the data or in kapot's catalogue."""
        from kapot.i18n import catalogue

        def data(*cols: str) -> set[str]:
            return {v for col in cols for v in self._codes[col].categories if isinstance(v, str)}

        keys = catalogue()
        return {
            "region": sorted(data("region")),
            "manager": sorted(data("manager")),
            "size_tier": sorted(data("size_tier") | {k[5:] for k in keys if k.startswith("tier.")}),
            "segment": sorted(
                data("rfm_segment", "abc", "cluster_name")
                | {k[4:] for k in keys if k.startswith("rfm.")}
                | {"A", "B", "C"}
            ),
        }

    def check(self, q: Query) -> None:
        """Raise :class:`KapotError` for a filter value that is not in the data (a region,
        manager, size tier or segment), naming the nearest known ones: a typo must not look
        like an empty list."""
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

    def find(self, q: Query = Query(), *, lang: str | None = None, scope=None) -> pd.DataFrame:
        """Ranked clients for the query, best first, at most ``q.limit``, with reasons. With
        ``scope`` (a :class:`kapot.access.Scope`), only the clients that account may see.

        Columns: rank, client_id, name, region, manager, score (probability of buying the
        chosen assortment in the horizon), expected_value, peak_month, peak_pm (its ±months),
        size_tier, segment, is_prospect, phone, email, contact_person, reasons.
        """
        c = self.clients
        top, p, v, cand, names = self.rank(q, scope=scope)
        out = c.iloc[top][
            [
                "client_id",
                "name",
                "region",
                "manager",
                "industry",
                "size_tier",
                "rfm_segment",
                "peak_month",
                "peak_pm",
                "is_prospect",
                "phone",
                "email",
                "contact_person",
            ]
        ].copy()
        out.insert(0, "rank", np.arange(1, len(top) + 1))
        out["score"] = p[top]
        out["expected_value"] = v[top]
        out["peak_month"] = out["peak_month"].where(
            c["seasonal"].fillna(False).astype(bool).to_numpy()[top] & (out["peak_month"] > 0)
        )
        out["peak_pm"] = out["peak_pm"].where(out["peak_month"].notna())
        out = out.rename(columns={"rfm_segment": "segment"})
        out["reasons"] = [self._reasons(i, q, names, lang) for i in top]
        out.attrs["matched"] = int(len(cand))
        out.attrs["total_expected_value"] = float(v[cand].sum())
        return out.reset_index(drop=True)

    def rank(
        self, q: Query, *, scope=None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """The ranking :meth:`find` shows, without the table: (row indices of the listed
        clients best first, probability and expected value of every client, rows that pass the
        filters, item names). Backtests call this, so they measure exactly what managers get."""
        c = self.clients
        self.check(q)
        p, v, before, names = self._item_arrays(q)
        keep = self.visible(scope).copy()
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
                | self._isin("cluster_name", q.segments)
            )
        if q.min_expected_value:
            keep &= v >= q.min_expected_value
        key = p if q.rank_by == "probability" else v
        cand = np.flatnonzero(keep)
        limit = max(int(q.limit), 0)
        if len(cand) > limit:
            top = cand[np.argpartition(-key[cand], limit - 1)[:limit]] if limit else cand[:0]
        else:
            top = cand
        top = top[np.lexsort((c["client_id"].to_numpy()[top], -key[top]))]
        return top, p, v, cand, names

    # ------------------------------------------------------------------ reasons
    def reason_codes(self, i: int, q: Query) -> list[tuple[str, dict]]:
        """Why client row ``i`` is on the list: (catalogue key, parameters), strongest first."""
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
        if s["item_revenue_same_season_ly"][j] > 0:
            out.append(("same_season", {"item": item}))
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

    def _reasons(self, i: int, q: Query, names: list[str], lang: str | None, most: int = 4) -> str:
        parts = []
        for key, params in self.reason_codes(i, q)[:most]:
            shown = dict(params)
            if "month" in shown:
                shown["month"] = month_name(shown["month"], lang)
            if "share" in shown:
                shown["share"] = fmt_percent(shown["share"], lang)
            parts.append(tr(f"reason.{key}", lang, **shown))
        return "; ".join(parts)

    # ------------------------------------------------------------------ lookalikes
    def _profile_matrix(self) -> np.ndarray:
        """Unit-length rows describing each client: what it buys (categories, how regularly),
        how big it is, its industry and size tier. Prospects have only the latter two."""
        if getattr(self, "_profiles_", None) is None:
            c = self.clients
            basket = np.hstack([self.scores["has_bought"], self.scores["item_months_12m"] / 12.0])
            size = np.log1p(c["revenue_12m"].fillna(0).clip(lower=0).to_numpy(dtype=float))
            size = (size - size.mean()) / (size.std() or 1.0)
            industry = pd.get_dummies(c["industry"].fillna("?")).to_numpy(dtype=float)
            tier = pd.get_dummies(c["size_tier"].fillna("?")).to_numpy(dtype=float) * 0.5
            x = np.hstack([basket, size[:, None] * 0.5, industry, tier])
            self._profiles_ = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        return self._profiles_

    def _lookalike_frame(self, sim: np.ndarray, exclude: np.ndarray, limit: int) -> pd.DataFrame:
        sim = np.where(exclude, -np.inf, sim)
        top = np.argsort(-sim, kind="stable")[:limit]
        top = top[np.isfinite(sim[top])]
        out = self.clients.iloc[top][
            [
                "client_id",
                "name",
                "region",
                "industry",
                "size_tier",
                "rfm_segment",
                "is_prospect",
                "manager",
                "phone",
            ]
        ].copy()
        out.insert(0, "rank", np.arange(1, len(top) + 1))
        out["similarity"] = sim[top]
        return out.rename(columns={"rfm_segment": "segment"}).reset_index(drop=True)

    def similar(self, client_id: str, *, limit: int = 20, scope=None) -> pd.DataFrame:
        """Clients most like ``client_id`` (cosine similarity of their profiles), across all
        regions, prospects included (within ``scope``, if given)."""
        ids = self.clients["client_id"].to_numpy()
        hit = self._check_visible(client_id, scope)
        x = self._profile_matrix()
        sim = x @ x[hit[0]]
        return self._lookalike_frame(sim, (ids == client_id) | ~self.visible(scope), limit)

    def similar_to_segment(self, segment: str, *, limit: int = 50, scope=None) -> pd.DataFrame:
        """ "More like my best clients": clients outside ``segment`` (an RFM segment, an ABC
        class or a cluster name) closest to the segment's average profile."""
        c = self.clients
        seen = self.visible(scope)
        members = (
            c["rfm_segment"].eq(segment) | c["abc"].eq(segment) | c["cluster_name"].eq(segment)
        ).to_numpy() & seen
        if not members.any():
            known = self.known_values()["segment"]
            if segment not in known:
                raise KapotError(
                    tr("filters.unknown_segment", name=segment, near=nearest(segment, known))
                )
            raise KapotError(tr("calculator.unknown_segment", segment=segment))
        x = self._profile_matrix()
        centre = x[members].mean(axis=0)
        sim = x @ (centre / max(np.linalg.norm(centre), 1e-12))
        return self._lookalike_frame(sim, members | ~seen, limit)

    # ------------------------------------------------------------------ illiquid stock
    def illiquid(
        self, sku: str, *, limit: int = 50, lang: str | None = None, scope=None
    ) -> pd.DataFrame:
        """The clients across all regions most likely to buy ``sku``, with their expected
        quantity against the stock on hand."""
        res = self.find(Query(skus=(sku,), limit=limit), lang=lang, scope=scope)
        prods = self.products.set_index("sku")
        prod = (
            prods.loc[sku]
            if sku in prods.index
            else pd.Series({"price": np.nan, "stock_qty": np.nan})
        )
        price = float(prod["price"]) if pd.notna(prod["price"]) and prod["price"] else np.nan
        res["expected_quantity"] = res["expected_value"] / price if price == price else np.nan
        res["stock_qty"] = float(prod["stock_qty"]) if pd.notna(prod["stock_qty"]) else np.nan
        res["cumulative_quantity"] = res["expected_quantity"].cumsum()
        return res

    def summary(self, result: pd.DataFrame, lang: str | None = None) -> str:
        """'312 clients found, expected value $1.2M' in the chosen language."""
        return tr(
            "calculator.summary",
            lang,
            found=result.attrs.get("matched", len(result)),
            shown=len(result),
            value=fmt_money(
                result.attrs.get("total_expected_value", 0.0), lang, currency=self.currency
            ),
        )


def client_card(
    client_id: str,
    *,
    db: str | os.PathLike[str] | None = None,
    as_of: dt.date,
    scope=None,
) -> dict[str, pd.DataFrame]:
    """What a manager sees on a client's card, from data before ``as_of``: see
    :meth:`kapot.snapshot.Snapshot.card`."""
    from kapot.snapshot import Snapshot

    return Snapshot(db, as_of).card(client_id, scope=scope)
