"""kapot.faces.explorer_widgets: who buys a category and a client's lookalikes, as tables,
figures and the widgets that redraw them, on a small scored warehouse."""

import plotly.io as pio
import pytest

from kapot.errors import KapotError
from kapot.faces.explorer import Explorer, use_renderer


@pytest.fixture(scope="module")
def explorer(scored_warehouse):
    before = pio.renderers.default
    use_renderer("plotly_mimetype")  # as the notebook does: figures carry plotly's JSON
    yield Explorer.load(scored_warehouse, lang="ru")
    pio.renderers.default = before


def _shown(out) -> str:
    """What an Output widget shows, as text: a stream, or the types of a display's data."""
    (item,) = out.outputs
    return item.get("text") or " ".join(item["data"])


def test_categories_are_the_profiled_ones_sorted(explorer):
    cats = explorer.categories()
    assert cats == sorted(cats) and len(cats) > 3
    assert set(cats) <= set(explorer.category_seasonality["category"])


def test_who_buys_a_category_along_each_dimension(explorer):
    cat = explorer.categories()[0]
    table = explorer.who_buys(category=cat)
    assert {"dimension", "value", "buyers", "share_of_buyers", "share_of_all", "lift"} <= set(
        table.columns
    )
    assert set(table["dimension"]) >= {"industry", "region"}
    fig = explorer.who_buys_figure(cat, "region")
    assert fig.data and cat in fig.layout.title.text
    with pytest.raises(KapotError):
        explorer.who_buys(category="no such category")


def test_the_who_buys_widget_redraws_for_another_category(explorer):
    cats = explorer.categories()
    box = explorer.who_buys_widget(cats[1])
    pick, dims, out = box.children[0].children[0], box.children[1], box.children[2]
    assert pick.value == cats[1] and dims.value == "industry"
    first = out.outputs
    assert _shown(out) == "application/vnd.plotly.v1+json"
    pick.value = cats[2]
    assert out.outputs != first  # redrawn for the new category
    assert explorer.who_buys_widget("no such category").children[0].children[0].value == cats[0]


def test_lookalikes_and_their_widget(explorer):
    best = explorer.features.nlargest(1, "revenue_12m")["client_id"].iloc[0]
    like = explorer.lookalikes(best, limit=5)
    assert len(like) == 5 and best not in set(like["client_id"])
    assert like["similarity"].is_monotonic_decreasing
    box = explorer.lookalikes_widget(limit=3)
    picker, out = box.children
    assert best in picker.value  # the largest client first
    picker.value = "no-such-client"  # typed: an error shows in place of the table
    assert _shown(out).strip() and "text/html" not in _shown(out)
