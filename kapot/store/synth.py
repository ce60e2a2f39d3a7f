"""A seeded, vectorised generator of a B2B distributor's history, with its ground truth.

The world: regions and managers; production and trade clients in several industries; three
size tiers; fastener, tool and building-supply categories with SKUs of Zipf popularity. Each
client has a category mix that grows over time (adoption dates are truth), an order rate with
a trend, for some a purchase peak month (a von Mises month profile, truth), churn or a late
start, payment terms and, for some, chronic lateness. Some clients buy mostly items we no
longer supply (non-profile); a share are prospects with no sales at all. A few lines are
returned. Everything is drawn with NumPy in arrays; no loop runs over clients or lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kapot.i18n import get_lang, tr
from kapot.store.demo_pipeline import simulate_pipeline
from kapot.store.worlds import HELD_OUT_WORLD, SEASONALITY_WORLDS, SynthConfig

__all__ = [
    "SynthConfig",
    "SynthData",
    "generate",
    "simulate_pipeline",
    "SEASONALITY_WORLDS",
    "HELD_OUT_WORLD",
    "SEASON_BUILDING",
]

REGIONS = ("moscow", "spb", "ekb", "nsk", "kazan", "nnov", "samara", "krasnodar")
_REGION_P = np.array([0.28, 0.16, 0.11, 0.09, 0.1, 0.09, 0.09, 0.08])
INDUSTRIES = (
    "construction",
    "furniture",
    "metalwork",
    "machinery",
    "hardware_retail",
    "building_trade",
    "facility",
    "agro",
)
_INDUSTRY_P = np.array([0.22, 0.1, 0.12, 0.1, 0.14, 0.16, 0.09, 0.07])
CATEGORIES = (
    "bolts",
    "nuts",
    "screws",
    "self_tapping",
    "anchors",
    "washers",
    "hand_tools",
    "power_tools",
    "abrasives",
    "hardware",
    "dry_mixes",
    "paints",
    "electrical",
    "plumbing",
)
_CAT_PREFIX = (
    "BLT",
    "NUT",
    "SCR",
    "STS",
    "ANC",
    "WSH",
    "HTL",
    "PTL",
    "ABR",
    "HDW",
    "DRY",
    "PNT",
    "ELC",
    "PLB",
)
# typical units per line (log-mean) and unit price (log-mean) per category
_CAT_QTY = np.log([400, 400, 300, 500, 120, 600, 4, 1.5, 30, 40, 25, 12, 20, 8])
_CAT_PRICE = np.log([9, 3, 4, 1.5, 35, 1, 450, 6500, 90, 380, 420, 900, 260, 700])
# how much each industry uses each category (rows: industries, columns: categories)
_AFFINITY = np.array(
    [
        # blt nut scr sts anc wsh htl ptl abr hdw dry pnt elc plb
        [3.0, 2.5, 1.5, 3.0, 3.0, 2.0, 1.5, 1.0, 0.8, 0.6, 3.0, 1.5, 1.2, 1.5],  # construction
        [0.6, 0.5, 2.5, 3.0, 0.4, 1.0, 1.0, 1.0, 1.5, 3.0, 0.1, 2.0, 0.3, 0.1],  # furniture
        [3.0, 3.0, 2.0, 0.8, 0.5, 3.0, 1.5, 1.0, 3.0, 0.3, 0.1, 0.8, 0.5, 0.2],  # metalworking
        [3.0, 3.0, 2.5, 0.6, 0.6, 3.0, 1.2, 1.2, 2.0, 0.4, 0.1, 0.6, 1.5, 0.3],  # machine building
        [1.5, 1.5, 1.5, 2.0, 1.2, 1.2, 3.0, 2.5, 1.5, 2.0, 1.0, 2.0, 2.0, 1.5],  # hardware retail
        [2.0, 1.5, 1.2, 2.5, 2.5, 1.2, 1.2, 0.8, 0.8, 1.5, 3.0, 2.5, 1.5, 2.5],  # building trade
        [0.8, 0.8, 1.2, 1.5, 1.2, 0.8, 1.5, 0.8, 0.5, 2.0, 0.8, 2.0, 3.0, 3.0],  # facility
        [2.0, 2.0, 1.0, 1.0, 0.6, 1.5, 1.5, 0.8, 1.0, 0.3, 0.3, 0.8, 0.8, 1.2],  # agriculture
    ]
)
# seasonal clients in these industries peak in the building season (April-September); the
# bench's oracle knows it
SEASON_BUILDING = {"construction", "building_trade", "agro"}
TIERS = ("large", "medium", "small")
_TIER_P = np.array([0.1, 0.3, 0.6])
_TIER_ORDERS = np.array([7.0, 2.6, 0.9])  # orders per month at the start
_TIER_LINES = np.array([6.0, 3.5, 2.0])  # extra lines per order (Poisson mean)
_TIER_QTY = np.log([3.0, 1.4, 0.7])


@dataclass
class SynthData:
    """Generated tables in kapot's canonical columns, plus the truth behind them.

    Parameters
    ----------
    sales : pandas.DataFrame
        Columns ``date``, ``invoice_id``, ``client_id``, ``sku``, ``quantity``, ``amount``
        (returns: negative quantity and amount, invoice ``RET-...``).
    clients : pandas.DataFrame
        Columns ``client_id``, ``name``, ``inn``, ``region``, ``city``, ``industry``,
        ``manager``, ``payment_terms_days``, ``contact_person``, ``phone``, ``email``; the
        prospects too.
    products : pandas.DataFrame
        Columns ``sku``, ``name``, ``category``, ``price``, ``in_assortment``, ``stock_qty``,
        ``stock_since``.
    invoices : pandas.DataFrame
        Columns ``invoice_id``, ``client_id``, ``issued``, ``due``, ``paid`` (NaT: unpaid
        at the end), ``amount``.
    truth : pandas.DataFrame
        One row per client: ``client_id``, ``prospect``, ``size_tier``, ``industry``,
        ``region`` (codes), ``seasonal``, ``peak_month`` (0: none), ``kappa``, ``growth``
        (log per year), ``late_payer``, ``non_profile``, ``start``, ``churned`` (NaT: never),
        ``orders_per_month``.
    adoption : pandas.DataFrame
        Columns ``client_id``, ``category``, ``adopted`` (the month the client starts buying
        it), for the adoptions inside the history.
    config : SynthConfig
        What was generated.
    """

    sales: pd.DataFrame
    clients: pd.DataFrame
    products: pd.DataFrame
    invoices: pd.DataFrame
    truth: pd.DataFrame
    adoption: pd.DataFrame
    config: SynthConfig = field(default_factory=SynthConfig)


def _words(key: str, lang: str) -> np.ndarray:
    return np.array(tr(f"synth.words.{key}", lang).split("|"))


def _inn(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ten-digit Russian tax ids with a valid check digit."""
    digits = rng.integers(0, 10, size=(n, 9))
    digits[:, 0] = rng.integers(1, 10, size=n)
    weights = np.array([2, 4, 10, 3, 5, 9, 4, 6, 8])
    check = (digits @ weights) % 11 % 10
    full = np.concatenate([digits, check[:, None]], axis=1)
    return (full * (10 ** np.arange(9, -1, -1))).sum(axis=1).astype(np.int64).astype(str)


def generate(config: SynthConfig = SynthConfig()) -> SynthData:  # noqa: B008 (frozen)
    """Generate a distributor's history. Same config, same data.

    Parameters
    ----------
    config : SynthConfig, optional
        What to generate; the defaults give 3000 clients over three years to 2026-10-31.

    Returns
    -------
    SynthData
        ``sales``, ``clients``, ``products``, ``invoices`` in the canonical columns (ready
        for :func:`kapot.ingest`), and the ``truth`` and ``adoption`` frames behind them.
    """
    cfg = config
    lang = get_lang(cfg.lang)
    rng = np.random.default_rng(cfg.seed)
    end = pd.Timestamp(cfg.end)
    first_month = (end - pd.DateOffset(years=cfg.years) + pd.Timedelta(days=1)).to_period("M")
    months = pd.period_range(first_month, end.to_period("M"), freq="M")
    n_m = len(months)
    cal_month = months.month.to_numpy()
    month_start = months.to_timestamp(how="start").to_numpy()
    month_days = months.days_in_month.to_numpy()
    n = cfg.n_clients
    n_cat = len(CATEGORIES)

    # ---- clients
    region = rng.choice(len(REGIONS), size=n, p=_REGION_P)
    industry = rng.choice(len(INDUSTRIES), size=n, p=_INDUSTRY_P)
    tier = rng.choice(3, size=n, p=_TIER_P)
    prospect = rng.random(n) < cfg.prospect_share
    buyer = ~prospect
    start_m = np.where(
        rng.random(n) < cfg.new_client_share, rng.integers(1, max(2, n_m - 3), size=n), 0
    )
    churn_m = np.where(
        (rng.random(n) < cfg.churn_share) & (start_m + 8 < n_m),
        start_m + 6 + (rng.random(n) * np.maximum(n_m - start_m - 6, 1)).astype(int),
        n_m,
    )
    seasonal = buyer & (rng.random(n) < cfg.seasonal_share)
    building = np.isin(np.array(INDUSTRIES)[industry], list(SEASON_BUILDING))
    peak = np.where(
        building & (rng.random(n) < 0.7), rng.integers(4, 10, size=n), rng.integers(1, 13, size=n)
    )
    extra = np.random.default_rng([cfg.seed, 13])  # the worlds' own stream (see SynthConfig)
    if cfg.industry_peaks:
        # building industries peak in the building season, the others anywhere
        ind_peak = np.where(
            np.isin(np.array(INDUSTRIES), list(SEASON_BUILDING)),
            extra.integers(4, 10, size=len(INDUSTRIES)),
            extra.integers(1, 13, size=len(INDUSTRIES)),
        )
        shift = np.round(extra.normal(0.0, cfg.peak_jitter, size=n)).astype(int)
        peak = (ind_peak[industry] - 1 + shift) % 12 + 1
    peak = np.where(seasonal, peak, 0)
    kappa = np.where(seasonal, rng.uniform(*cfg.season_kappa, size=n), 0.0)
    growth = rng.normal(cfg.growth_mean, cfg.growth_sd, size=n)  # log growth per year
    non_profile = buyer & (rng.random(n) < cfg.non_profile_share)
    late_payer = rng.random(n) < cfg.late_payer_share
    terms = rng.choice([0, 14, 30, 45, 60], size=n, p=[0.15, 0.25, 0.35, 0.15, 0.1])
    rate = _TIER_ORDERS[tier] * rng.lognormal(0.0, 0.35, size=n)

    # ---- category mix and adoption (truth for the potential engine)
    shape = cfg.mix_noise_shape
    weights = _AFFINITY[industry] ** cfg.affinity_power * rng.gamma(shape, 1 / shape, (n, n_cat))
    n_initial = np.clip(rng.poisson([4, 3, 2])[tier] + 1, 1, n_cat)
    # initial categories: the client's heaviest ones (Gumbel top-k on log weights)
    keys = np.log(weights) + rng.gumbel(size=(n, n_cat))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    initial = rank < n_initial[:, None]
    # the others are adopted later at a rate rising with affinity (peers in the industry buy them)
    hazard = 0.012 * weights / weights.mean(axis=1, keepdims=True)
    wait = rng.exponential(1.0 / hazard)
    adopt_m = np.where(initial, start_m[:, None], start_m[:, None] + 3 + wait.astype(int))
    adopt_m = np.where(adopt_m >= n_m, n_m + 1000, adopt_m)  # never within the window

    # ---- expected orders per client-month
    t = np.arange(n_m)
    active = (t[None, :] >= start_m[:, None]) & (t[None, :] < churn_m[:, None]) & buyer[:, None]
    angle = 2 * np.pi * (cal_month[None, :] - peak[:, None]) / 12.0
    season = np.exp(kappa[:, None] * np.cos(angle)) / np.i0(kappa)[:, None]
    lam = rate[:, None] * season * np.exp(growth[:, None] * t[None, :] / 12.0) * active
    mean_lines = 1.0 + _TIER_LINES[tier]
    if cfg.order_dispersion > 0:  # lumpy orders: negative binomial counts
        d = cfg.order_dispersion
        lam = lam * extra.gamma(1.0 / d, d, size=lam.shape)
    if cfg.quiet_spells > 0:  # long quiet gaps: spells of months without any order
        starts = extra.random(lam.shape) < cfg.quiet_spells
        length = extra.geometric(1.0 / max(cfg.quiet_months, 1.0), size=lam.shape)
        until = np.where(starts, t[None, :] + length, -1)
        lam = np.where(np.maximum.accumulate(until, axis=1) > t[None, :], 0.0, lam)
    if cfg.target_lines:
        expected = float((lam * mean_lines[:, None]).sum())
        lam *= cfg.target_lines / max(expected, 1.0)
    counts = rng.poisson(lam)

    # ---- orders
    o_client, o_month = np.nonzero(counts)
    reps = counts[o_client, o_month]
    o_client = np.repeat(o_client, reps)
    o_month = np.repeat(o_month, reps)
    o_day = (rng.random(len(o_client)) * month_days[o_month]).astype(int)
    o_date = month_start[o_month] + o_day.astype("timedelta64[D]")
    order = np.argsort(o_date, kind="stable")
    o_client, o_month, o_date = o_client[order], o_month[order], o_date[order]
    n_orders = len(o_client)
    o_lines = 1 + rng.poisson(_TIER_LINES[tier][o_client])

    # ---- lines
    l_order = np.repeat(np.arange(n_orders), o_lines)
    l_client = o_client[l_order]
    l_month = o_month[l_order]
    n_lines = len(l_order)
    l_cat = np.empty(n_lines, dtype=np.int16)
    chunk = 1_000_000
    for s in range(0, n_lines, chunk):  # chunks bound memory; each is fully vectorised
        c, m = l_client[s : s + chunk], l_month[s : s + chunk]
        w = weights[c] * (adopt_m[c] <= m[:, None])
        cum = np.cumsum(w, axis=1)
        u = rng.random(len(c)) * cum[:, -1]
        l_cat[s : s + chunk] = (u[:, None] > cum).sum(axis=1)

    # ---- products
    spc = cfg.skus_per_category
    n_sku = n_cat * spc
    sku_cat = np.repeat(np.arange(n_cat), spc)
    within = np.tile(np.arange(spc), n_cat)
    popularity = 1.0 / (within + 1.0) ** 0.9
    off = rng.random(n_sku) < cfg.off_assortment_share
    off[within == 0] = False  # every category keeps its best seller
    off_any = np.zeros(n_cat, dtype=bool)
    np.logical_or.at(off_any, sku_cat, off)
    price = np.round(np.exp(_CAT_PRICE[sku_cat] + rng.normal(0, 0.4, n_sku)), 2)

    def draw_sku(cats: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        # SKUs of a category are contiguous: cumulative shares run from k to k+1 in category k
        # a category with no allowed SKU is never drawn, but its shares must still run from k
        # to k+1 (NaN there would unsort the array searchsorted reads)
        p = (popularity * allowed).reshape(n_cat, spc)
        total = p.sum(axis=1, keepdims=True)
        even = np.broadcast_to((np.arange(spc) + 1.0) / spc, p.shape)
        share = np.where(total > 0, np.cumsum(p, axis=1) / np.where(total > 0, total, 1.0), even)
        cum = (share + np.arange(n_cat)[:, None]).ravel()
        u = cats + rng.random(len(cats)) * (1 - 1e-9)
        idx = np.searchsorted(cum, u, side="right")
        return np.minimum(idx, (cats + 1) * spc - 1)

    l_sku = draw_sku(l_cat.astype(np.int64), np.ones(n_sku))
    np_lines = non_profile[l_client] & off_any[l_cat] & (rng.random(n_lines) < 0.85)
    if np_lines.any():
        l_sku[np_lines] = draw_sku(l_cat[np_lines].astype(np.int64), off.astype(float))
    qty = np.ceil(np.exp(_CAT_QTY[l_cat] + _TIER_QTY[tier][l_client] + rng.normal(0, 0.6, n_lines)))
    discount = np.array([0.08, 0.04, 0.0])[tier][l_client]
    amount = np.round(qty * price[l_sku] * (1 - discount), 2)
    l_date = o_date[l_order]

    # ---- returns: a few lines come back a few days later
    ret = np.flatnonzero(rng.random(n_lines) < cfg.return_share)
    r_date = np.minimum(
        l_date[ret] + rng.integers(3, 21, len(ret)).astype("timedelta64[D]"),
        np.datetime64(end.date()),
    )
    r_qty = -np.ceil(qty[ret] * rng.uniform(0.1, 1.0, len(ret)))

    client_ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 6))
    sku_ids = np.char.add(
        np.char.add(np.array(_CAT_PREFIX)[sku_cat], "-"), np.char.zfill((within + 1).astype(str), 4)
    )
    inv_cat = pd.Categorical.from_codes(
        np.r_[l_order, n_orders + np.arange(len(ret))],
        categories=np.r_[
            np.char.add("INV-", np.char.zfill(np.arange(1, n_orders + 1).astype(str), 8)),
            np.char.add("RET-", np.char.zfill(np.arange(1, len(ret) + 1).astype(str), 8)),
        ],
    )
    sales = pd.DataFrame(
        {
            "date": np.r_[l_date, r_date].astype("datetime64[ns]"),
            "invoice_id": inv_cat,
            "client_id": pd.Categorical.from_codes(
                np.r_[l_client, l_client[ret]], categories=client_ids
            ),
            "sku": pd.Categorical.from_codes(np.r_[l_sku, l_sku[ret]], categories=sku_ids),
            "quantity": np.r_[qty, r_qty],
            "amount": np.r_[amount, np.round(r_qty * price[l_sku[ret]] * (1 - discount[ret]), 2)],
        }
    )

    # ---- invoices: one per order, paid on terms, late for chronic late payers
    o_amount = np.bincount(l_order, weights=amount, minlength=n_orders)
    o_terms = terms[o_client]
    late = np.where(
        late_payer[o_client],
        np.where(rng.random(n_orders) < 0.75, rng.exponential(25, n_orders), 0),
        np.where(rng.random(n_orders) < 0.08, rng.exponential(4, n_orders), 0),
    ).astype(int)
    early = (rng.random(n_orders) * np.maximum(o_terms, 1) * 0.8).astype(int)
    due = o_date + o_terms.astype("timedelta64[D]")
    paid = np.where(
        late > 0,
        due + late.astype("timedelta64[D]"),
        o_date + np.minimum(early, o_terms).astype("timedelta64[D]"),
    )
    paid = pd.Series(paid.astype("datetime64[ns]"))
    paid[paid > end] = pd.NaT
    invoices = pd.DataFrame(
        {
            "invoice_id": pd.Categorical.from_codes(
                np.arange(n_orders), categories=inv_cat.categories[:n_orders]
            ),
            "client_id": pd.Categorical.from_codes(o_client, categories=client_ids),
            "issued": o_date.astype("datetime64[ns]"),
            "due": due.astype("datetime64[ns]"),
            "paid": paid,
            "amount": np.round(o_amount, 2),
        }
    )

    # ---- client attributes
    forms, roots, suffixes = (
        _words("company_forms", lang),
        _words("company_roots", lang),
        _words("company_suffixes", lang),
    )
    brand = np.char.add(rng.choice(roots, n), rng.choice(suffixes, n))
    form = rng.choice(forms, n)
    if lang == "ru":
        name = np.char.add(np.char.add(np.char.add(form, " «"), brand), "»")
    else:
        name = np.char.add(np.char.add(brand, " "), form)
    managers = _words("managers", lang)
    mgr = managers[(region * 2 + rng.integers(0, 2, n)) % len(managers)]
    phone = np.array(
        [
            f"+7 ({a}) {b:03d}-{c:02d}-{d:02d}"
            for a, b, c, d in zip(
                rng.integers(900, 1000, n),
                rng.integers(0, 1000, n),
                rng.integers(0, 100, n),
                rng.integers(0, 100, n),
                strict=True,
            )
        ]
    )
    phone = np.where(rng.random(n) < 0.05, None, phone)
    latin = np.array(tr("synth.words.company_roots", "en").lower().split("|"))
    email = np.char.add(
        np.char.add(np.char.add("sales@", rng.choice(latin, n)), np.arange(1, n + 1).astype(str)),
        ".ru",
    )
    contact = np.char.add(
        np.char.add(rng.choice(_words("first_names", lang), n), " "),
        rng.choice(_words("last_names", lang), n),
    )
    region_names = np.array([tr(f"synth.region.{r}", lang) for r in REGIONS])
    industry_names = np.array([tr(f"synth.industry.{i}", lang) for i in INDUSTRIES])
    clients = pd.DataFrame(
        {
            "client_id": client_ids,
            "name": name,
            "inn": _inn(rng, n),
            "region": region_names[region],
            "city": region_names[region],
            "industry": industry_names[industry],
            "manager": mgr,
            "payment_terms_days": terms,
            "contact_person": contact,
            "phone": phone,
            "email": email,
        }
    )

    # ---- products: price, assortment, stock (some slow movers sit on old stock)
    cat_names = np.array([tr(f"synth.category.{c}", lang) for c in CATEGORIES])
    sold_recently = np.bincount(
        sales["sku"].cat.codes[sales["date"] > end - pd.Timedelta(days=90)], minlength=n_sku
    )
    stock_days = np.where(
        sold_recently < np.quantile(sold_recently, 0.2),
        rng.integers(180, 420, n_sku),
        rng.integers(3, 60, n_sku),
    )
    products = pd.DataFrame(
        {
            "sku": sku_ids,
            "name": np.char.add(np.char.add(cat_names[sku_cat], " "), sku_ids),
            "category": cat_names[sku_cat],
            "price": price,
            "in_assortment": ~off,
            "stock_qty": np.where(
                off, 0.0, np.round(np.exp(_CAT_QTY[sku_cat] + 2.5 + rng.normal(0, 0.5, n_sku)))
            ),
            "stock_since": (end - pd.to_timedelta(stock_days, unit="D")).normalize(),
        }
    )

    first_active = np.where(buyer, start_m, -1)
    truth = pd.DataFrame(
        {
            "client_id": client_ids,
            "prospect": prospect,
            "size_tier": np.array(TIERS)[tier],
            "industry": np.array(INDUSTRIES)[industry],
            "region": np.array(REGIONS)[region],
            "seasonal": seasonal,
            "peak_month": np.where(seasonal, peak, 0),
            "kappa": kappa,
            "growth": growth,
            "late_payer": late_payer,
            "non_profile": non_profile,
            "start": np.where(
                first_active >= 0, month_start[np.maximum(first_active, 0)], np.datetime64("NaT")
            ),
            "churned": np.where(
                churn_m < n_m, month_start[np.minimum(churn_m, n_m - 1)], np.datetime64("NaT")
            ),
            "orders_per_month": rate,
        }
    )
    ci, ki = np.nonzero((adopt_m < n_m) & buyer[:, None])
    adoption = pd.DataFrame(
        {
            "client_id": client_ids[ci],
            "category": cat_names[ki],
            "adopted": month_start[adopt_m[ci, ki]],
        }
    )
    return SynthData(sales, clients, products, invoices, truth, adoption, cfg)
