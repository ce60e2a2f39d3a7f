"""Charts on the served page without plotly.js in the page's first load.

Drawn through the JupyterLab mimetype renderer, every chart needs the ``jupyterlab-plotly``
extension, and Voila loads every extension with the page: 4.8 MB of JavaScript (plotly.js)
fetched, parsed and compiled by each visitor's browser before the table shows, although the
first screen has no chart (issue 12 measured it as half the bytes of a page). ``kapot serve``
therefore leaves that extension out (:data:`DENIED_EXTENSIONS`), and a chart is drawn as a
small HTML document in an ``<iframe srcdoc>`` that loads plotly.js from this server
(:data:`PLOTLY_JS_ROUTE`, behind the login, cached by the browser for a year: the file name
carries plotly's version) only when a chart is opened.

The figure's JSON is made safe by plotly (``<``, ``>``, ``/`` escaped) and the whole document
is escaped once more as the attribute's value, so no text of a client reaches the page as
markup.
"""

from __future__ import annotations

import html
from pathlib import Path

__all__ = [
    "DENIED_EXTENSIONS",
    "PAGE_TEMPLATE",
    "frame_html",
    "PLOTLY_JS_ROUTE",
    "plotly_js_name",
    "plotly_js_path",
    "use_frames",
]

# JupyterLab extensions the served page does not load: plotly's (see above) and the code
# highlighting theme (the page shows no code)
DENIED_EXTENSIONS = ("jupyterlab-plotly", "jupyterlab_pygments")
PLOTLY_JS_ROUTE = "kapot-static"
# the served page's Voila template: lab's without the CDN stylesheets and mermaid
# (kapot/templates/jupyter/voila/templates/kapot_page)
PAGE_TEMPLATE = "kapot_page"


def plotly_js_name() -> str:
    """The file name under which the server offers plotly.js.

    Returns
    -------
    str
        ``plotly-<version>.min.js``: a new plotly is a new URL, so a year's caching never
        serves a stale one.
    """
    # plotly, here and below, not at the top: the server process imports this module (its
    # routes, its template) and serves plotly.js as a file; plotly.io would add 7.4 MB and
    # 155 modules to it (measured after kapot.server.server)
    import plotly

    return f"plotly-{plotly.__version__}.min.js"


def plotly_js_path() -> Path:
    """plotly.js as the plotly package ships it (the same file its offline HTML inlines).

    Returns
    -------
    pathlib.Path
        ``package_data/plotly.min.js`` in the installed plotly.
    """
    import plotly  # as in plotly_js_name: 7.4 MB in the server

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def frame_html(fig_dict: dict, default_height: int = 450) -> str:
    """The iframe drawing ``fig_dict``: its document loads plotly.js from ``PLOTLY_JS_ROUTE``
    (a path relative to the page, so a server under a prefix behind a reverse proxy works).

    Parameters
    ----------
    fig_dict : dict
        A plotly figure as a dict (``data``, ``layout``).
    default_height : int, default 450
        The chart's height in pixels when its layout sets none.

    Returns
    -------
    str
        An ``<iframe srcdoc>`` element, its document escaped as the attribute's value, 8
        pixels taller than the chart.
    """
    import plotly.io as pio  # as in plotly_js_name: 7.4 MB in the server

    layout = fig_dict.get("layout", {}) or {}
    height = int(layout.get("height") or default_height)
    doc = pio.to_html(
        fig_dict,
        include_plotlyjs=f"{PLOTLY_JS_ROUTE}/{plotly_js_name()}",
        full_html=True,
        config={"displaylogo": False, "responsive": True},
        default_height=f"{height}px",
        validate=False,
    )
    doc = doc.replace("<head>", "<head><style>body{margin:0}</style>", 1)
    return (
        f'<iframe class="kapot-chart" title="chart" srcdoc="{html.escape(doc, quote=True)}"'
        f' style="width:100%;height:{height + 8}px;border:0"></iframe>'
    )


def use_frames() -> None:
    """Make the frame renderer plotly's default (in a kernel of ``kapot serve``)."""
    # as in plotly_js_name: 7.4 MB in the server
    import plotly.io as pio
    from plotly.io._base_renderers import MimetypeRenderer

    class FrameRenderer(MimetypeRenderer):
        """plotly's renderer giving ``text/html``: :func:`frame_html`."""

        def to_mimebundle(self, fig_dict: dict) -> dict:
            return {"text/html": frame_html(fig_dict)}

    if "kapot_frame" not in pio.renderers:
        pio.renderers["kapot_frame"] = FrameRenderer()
    pio.renderers.default = "kapot_frame"
