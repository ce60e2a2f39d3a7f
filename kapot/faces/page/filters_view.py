"""The page's filters: categories, SKU, illiquid stock, regions, payment, peak month, who,
size tiers, segments and the list's size. Their values are read as plain
:class:`~kapot.faces.page.state.FilterValues`."""

from __future__ import annotations

import ipywidgets as w

from kapot.faces.calculator import Calculator
from kapot.faces.page.state import FilterValues, PageText
from kapot.i18n import month_name, tr

__all__ = ["FilterView", "TIERS", "SEGMENTS"]

TIERS = ("large", "medium", "small", "non_profile", "prospect")
SEGMENTS = (
    "champions",
    "loyal",
    "promising",
    "new",
    "need_attention",
    "at_risk",
    "hibernating",
    "lost",
    "prospect",
)


class FilterView(PageText):
    """The filter widgets (``box``).

    Parameters
    ----------
    calc : Calculator
        The loaded scores: the categories, the date (current and next month) and horizon.
    lang : str
        ``en`` or ``ru``.
    region_options : list of str
        The regions the visitor may see (:meth:`Calculator.regions`).
    illiquid : list of str
        The SKUs offered in the illiquid-stock picker (the first 200).
    regions, categories : list of str, optional
        Presets (the URL's); values not among the options are dropped, and chosen regions
        untick "all regions".
    """

    def __init__(
        self,
        calc: Calculator,
        lang: str,
        *,
        region_options: list[str],
        illiquid: list[str],
        regions: list[str] | None = None,
        categories: list[str] | None = None,
    ) -> None:
        t, L = self.t, lang
        self.lang = lang
        wide = {"description_width": "initial"}
        self.categories = w.SelectMultiple(
            options=calc.categories,
            value=tuple(c for c in (categories or []) if c in calc.categories),
            rows=7,
            description=t("categories"),
            layout=w.Layout(width="320px"),
            style=wide,
        )
        self.sku = w.Text(
            placeholder=t("sku_placeholder"),
            description=t("sku"),
            layout=w.Layout(width="320px"),
            style=wide,
        )
        chosen = tuple(r for r in (regions or []) if r in region_options)
        self.all_regions = w.Checkbox(
            value=not chosen,
            description=t("all_regions"),
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.regions = w.SelectMultiple(
            options=region_options,
            value=chosen,
            rows=6,
            description=t("regions"),
            layout=w.Layout(width="300px"),
            disabled=not chosen,
            style=wide,
        )
        self.pays = w.Checkbox(
            description=t("pays_on_time"), indent=False, layout=w.Layout(width="auto")
        )
        months = [
            (t("peak_any"), "any"),
            (t("peak_current", month=month_name(calc.as_of.month, L)), "current"),
            (t("peak_next", month=month_name(calc.as_of.month % 12 + 1, L)), "next"),
        ]
        months += [(month_name(m, L), m) for m in range(1, 13)]
        self.peak = w.Dropdown(
            options=months,
            value="any",
            description=t("peak_month"),
            layout=w.Layout(width="300px"),
            style=wide,
        )
        self.off = w.Checkbox(
            description=t("exclude_off"), indent=False, layout=w.Layout(width="auto")
        )
        self.new_only = w.Checkbox(
            description=t("new_buyers"), indent=False, layout=w.Layout(width="auto")
        )
        self.who = w.ToggleButtons(
            options=[
                (t("who_all"), "all"),
                (t("who_existing"), "existing"),
                (t("who_prospects"), "prospects"),
            ],
            value="all",
            style={"button_width": "110px"},
        )
        self.tiers = w.SelectMultiple(
            options=[(tr(f"tier.{x}", L), x) for x in TIERS],
            rows=5,
            description=t("size_tier"),
            layout=w.Layout(width="300px"),
            style=wide,
        )
        self.segments = w.SelectMultiple(
            options=[(tr(f"rfm.{x}", L), x) for x in SEGMENTS],
            rows=5,
            description=t("segment"),
            layout=w.Layout(width="300px"),
            style=wide,
        )
        self.limit = w.IntSlider(
            value=50,
            min=10,
            max=90,
            step=5,
            description=t("list_size"),
            continuous_update=False,
            style=wide,
        )
        self.horizon = w.HTML(t("horizon", days=calc.horizon_days))
        self.illiquid = w.Dropdown(
            options=[(t("illiquid_off"), "")] + [(s, s) for s in illiquid[:200]],
            value="",
            description=t("illiquid"),
            layout=w.Layout(width="320px"),
            style=wide,
        )
        for widget, cls in (
            (self.pays, "kapot-pays"),
            (self.all_regions, "kapot-all-regions"),
            (self.regions, "kapot-regions"),
            (self.categories, "kapot-categories"),
            (self.new_only, "kapot-new-only"),
        ):
            widget.add_class(cls)
        self.box = w.HBox(
            [
                w.VBox([self.categories, self.sku, self.illiquid]),
                w.VBox([self.all_regions, self.regions, self.peak]),
                w.VBox([self.pays, self.off, self.new_only, self.who, self.limit, self.horizon]),
                w.VBox([self.tiers, self.segments]),
            ],
            layout=w.Layout(flex_flow="row wrap"),
        )

    def watched(self) -> tuple[w.Widget, ...]:
        """The widgets whose change redraws the list (all regions toggles the regions first).

        Returns
        -------
        tuple of ipywidgets.Widget
            Every filter but ``all_regions``, whose change the page handles itself.
        """
        return (
            self.categories,
            self.regions,
            self.pays,
            self.peak,
            self.off,
            self.new_only,
            self.who,
            self.tiers,
            self.segments,
            self.limit,
            self.illiquid,
            self.sku,
        )

    def values(self) -> FilterValues:
        """The filters' values as they stand.

        Returns
        -------
        kapot.faces.page.state.FilterValues
        """
        return FilterValues(
            categories=tuple(self.categories.value),
            sku_text=self.sku.value,
            illiquid=self.illiquid.value,
            all_regions=self.all_regions.value,
            regions=tuple(self.regions.value),
            pays_on_time=self.pays.value,
            peak_month=self.peak.value,
            exclude_off_assortment=self.off.value,
            new_buyers_only=self.new_only.value,
            who=self.who.value,
            size_tiers=tuple(self.tiers.value),
            segments=tuple(self.segments.value),
            limit=self.limit.value,
        )
