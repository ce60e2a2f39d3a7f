"""kapot.server.charts: a chart as a small document in an iframe that loads plotly.js from the
server, only when it is drawn."""

import html
import re

import plotly
import plotly.graph_objects as go
import plotly.io as pio

from kapot.server import charts

from .conftest import ROOT

TEMPLATES = ROOT / "kapot" / "templates" / "jupyter" / "voila" / "templates"


def _doc(frame: str) -> str:
    """The document an iframe's ``srcdoc`` holds, unescaped."""
    m = re.fullmatch(
        r'<iframe class="kapot-chart" title="chart" srcdoc="([^"]*)" style="[^"]*"></iframe>', frame
    )
    assert m, frame[:200]
    return html.unescape(m.group(1))


def test_plotly_js_is_offered_under_a_name_with_plotly_s_version():
    assert charts.plotly_js_name() == f"plotly-{plotly.__version__}.min.js"
    path = charts.plotly_js_path()
    assert path.is_file() and path.name == "plotly.min.js"
    assert path.stat().st_size > 1_000_000  # the whole library, not a stub


def test_a_frame_loads_plotly_js_from_the_server_relative_to_the_page():
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]), layout={"height": 300})
    frame = charts.frame_html(fig.to_dict())
    doc = _doc(frame)
    src = f"{charts.PLOTLY_JS_ROUTE}/{charts.plotly_js_name()}"
    assert f'src="{src}"' in doc  # relative: a server under a prefix works
    assert "cdn.plot.ly" not in doc and "Plotly.newPlot" in doc
    assert "height:308px" in frame  # the figure's height and a little room
    assert "height:450px" in charts.frame_html(go.Figure().to_dict())  # the default


def test_no_text_of_a_client_reaches_the_page_as_markup():
    evil = '<script>alert("x")</script>'
    frame = charts.frame_html(go.Figure(go.Bar(x=[evil], y=[1])).to_dict())
    outside = frame.split('srcdoc="', 1)[1].rsplit('" style=', 1)[0]
    assert "<" not in outside and '"' not in outside  # all escaped as the attribute's value
    assert "<script>alert" not in _doc(frame)  # and inside the document, plotly's JSON escapes it


def test_use_frames_makes_the_frame_renderer_the_default():
    before = pio.renderers.default
    try:
        charts.use_frames()
        charts.use_frames()  # twice is harmless
        assert pio.renderers.default == "kapot_frame"
        bundle = pio.renderers["kapot_frame"].to_mimebundle(go.Figure().to_dict())
        assert list(bundle) == ["text/html"] and bundle["text/html"].startswith("<iframe")
    finally:
        pio.renderers.default = before


def test_the_served_page_leaves_out_plotly_s_and_the_code_theme_s_extensions():
    assert set(charts.DENIED_EXTENSIONS) == {"jupyterlab-plotly", "jupyterlab_pygments"}
    # and its template is kapot's own, shipped in the package
    assert (TEMPLATES / charts.PAGE_TEMPLATE / "index.html.j2").is_file()
