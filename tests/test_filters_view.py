"""kapot.faces.page.filters_view: the page's filter widgets without a browser: their options
from the calculator, the URL's presets, and their values read as FilterValues."""

import pytest

from kapot.faces.page.filters_view import SEGMENTS, TIERS, FilterView
from kapot.faces.page.state import FilterValues
from kapot.i18n import has_message, tr

from .small_calculator import small_calculator


def _view(lang="en", **kwargs):
    kwargs.setdefault("region_options", ["Kazan", "Moscow"])
    kwargs.setdefault("illiquid", ["B-1"])
    return FilterView(small_calculator(), lang, **kwargs)


def test_the_options_come_from_the_calculator():
    v = _view()
    assert v.categories.options == ("Bolts", "Nuts") and v.categories.value == ()
    assert v.regions.options == ("Kazan", "Moscow")
    # scored on 1 November: the current peak month is November, the next December
    peaks = dict((value, label) for label, value in v.peak.options)
    assert peaks["current"] == tr("page.peak_current", "en", month="November")
    assert peaks["next"] == tr("page.peak_next", "en", month="December")
    assert peaks[7] == "July" and len(peaks) == 15
    assert [value for _, value in v.illiquid.options] == ["", "B-1"]
    assert [value for _, value in v.tiers.options] == list(TIERS)
    assert [value for _, value in v.segments.options] == list(SEGMENTS)
    assert "90" in v.horizon.value  # the scores' horizon, in days
    assert (v.limit.min, v.limit.max, v.limit.value) == (10, 90, 50)


def test_every_tier_and_segment_is_worded():
    for x in TIERS:
        assert has_message(f"tier.{x}"), x
    for x in SEGMENTS:
        assert has_message(f"rfm.{x}"), x
    ru = _view("ru")
    assert ru.tiers.options[0] == (tr("tier.large", "ru"), "large")


def test_the_illiquid_picker_offers_at_most_200():
    v = _view(illiquid=[f"S{i:03d}" for i in range(250)])
    assert len(v.illiquid.options) == 201 and v.illiquid.options[-1] == ("S199", "S199")


def test_presets_keep_only_known_values():
    v = _view(regions=["Moscow", "Atlantis"], categories=["Nuts", "Marshmallows"])
    assert v.categories.value == ("Nuts",)
    # a region chosen unticks "all regions" and enables the list
    assert v.regions.value == ("Moscow",) and not v.all_regions.value and not v.regions.disabled
    none = _view(regions=["Atlantis"])
    assert none.all_regions.value and none.regions.disabled and none.regions.value == ()


def test_the_values_are_what_the_widgets_hold():
    v = _view()
    assert v.values() == FilterValues()
    v.categories.value = ("Bolts",)
    v.sku.value = "N-1; X-1"
    v.illiquid.value = "B-1"
    v.all_regions.value = False
    v.regions.value = ("Kazan",)
    v.pays.value = v.off.value = v.new_only.value = True
    v.peak.value = "next"
    v.who.value = "prospects"
    v.tiers.value = ("small",)
    v.segments.value = ("lost",)
    v.limit.value = 30
    assert v.values() == FilterValues(
        categories=("Bolts",),
        sku_text="N-1; X-1",
        illiquid="B-1",
        all_regions=False,
        regions=("Kazan",),
        pays_on_time=True,
        peak_month="next",
        exclude_off_assortment=True,
        new_buyers_only=True,
        who="prospects",
        size_tiers=("small",),
        segments=("lost",),
        limit=30,
    )
    q = v.values().query()
    assert q.skus == ("N-1", "X-1", "B-1") and q.regions == ("Kazan",) and q.limit == 30


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_filter_but_all_regions_is_watched(lang):
    v = _view(lang)
    watched = v.watched()
    assert v.all_regions not in watched and len(set(map(id, watched))) == 12
    for w in (v.categories, v.sku, v.illiquid, v.regions, v.peak, v.limit, v.segments):
        assert w in watched
    # the box shows every filter
    shown = [c for col in v.box.children for c in col.children]
    assert all(w in shown for w in watched) and v.all_regions in shown
