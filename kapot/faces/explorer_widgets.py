"""The explorer's views of who buys a category and of a client's lookalikes, each as a table
(or figure) and as an interactive view with its picker for JupyterLab."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go
from IPython import get_ipython
from IPython.core.formatters import DisplayFormatter

from kapot.errors import KapotError
from kapot.faces import plots
from kapot.faces.calculator import Calculator
from kapot.i18n import tr
from kapot.pipeline.snapshot import Snapshot

__all__ = ["ExplorerWidgets"]


def _show(out, obj) -> None:
    """Replace what the ``Output`` widget ``out`` shows with ``obj``, by setting its ``outputs``
    in the kernel, not by ``with out: display(obj)``. Under nbclient (papermill, Voila) a
    capture makes the client send each captured output back to the kernel as a comm message
    on the shell socket it is polling for the cell's execute_reply; when the reply comes at
    that moment the client can miss it and wait forever with the kernel idle (seen as
    test_explorer's papermill run hanging in the widget cells after test_views had left the
    calculator's snapshot cache, so those cells ran fast). Setting ``outputs`` sends the state
    one way only, kernel to client."""
    if isinstance(obj, str):
        out.outputs = ({"output_type": "stream", "name": "stdout", "text": obj + "\n"},)
        return
    if hasattr(obj, "to_plotly_json"):  # a figure: its bundle for the current renderer
        data, meta = obj._repr_mimebundle_(), {}
    else:
        ip = get_ipython()
        data, meta = (ip.display_formatter if ip else DisplayFormatter()).format(obj)
    out.outputs = ({"output_type": "display_data", "data": data, "metadata": meta},)


class ExplorerWidgets:
    """The explorer's views of who buys a category and of a client's lookalikes, each as a
    table (or figure) and as an interactive view with its picker for JupyterLab; they read the
    explorer's ``db``, ``as_of``, ``lang``, ``features`` (name, client_id, revenue_12m) and
    ``category_seasonality`` (category)."""

    # ------------------------------------------------------------------ who buys
    def who_buys(self, category: str | None = None, sku: str | None = None) -> pd.DataFrame:
        """Who buys a category or a SKU, as of the explorer's date.

        Parameters
        ----------
        category, sku : str, optional
            The item: give one of them.

        Returns
        -------
        pandas.DataFrame
            Columns dimension, value, buyers, share_of_buyers, share_of_all, lift
            (:meth:`kapot.pipeline.snapshot.Snapshot.who_buys`).
        """
        return Snapshot(self.db, self.as_of).who_buys(category=category, sku=sku)

    def who_buys_figure(self, category: str, dimension: str = "industry") -> go.Figure:
        """Buyers of a category against all clients along one dimension.

        Parameters
        ----------
        category : str
            One of :meth:`categories`.
        dimension : {"industry", "region", "size_tier", "peak_month"}
            What the bars compare.

        Returns
        -------
        plotly.graph_objects.Figure
            Two bars per value (:func:`kapot.faces.plots.who_buys`).
        """
        return plots.who_buys(self.who_buys(category=category), dimension, category, self.lang)

    def categories(self) -> list[str]:
        """The categories with a seasonality profile.

        Returns
        -------
        list of str
            Sorted.
        """
        return sorted(self.category_seasonality["category"].dropna().astype(str).unique())

    def who_buys_widget(self, category: str | None = None) -> w.VBox:
        """Pick a category and a dimension; the chart shows its buyers against all clients.

        Parameters
        ----------
        category : str, optional
            The category shown first; None (or one without a profile): the first of
            :meth:`categories`.

        Returns
        -------
        ipywidgets.VBox
            The category picker, the dimension buttons and the chart; an error (an unbuilt
            date, say) is shown in place of the chart.

        Raises
        ------
        KapotError
            if no category has a seasonality profile.
        """
        cats = self.categories()
        if not cats:
            raise KapotError(tr("explorer.no_categories", self.lang))
        pick = w.Dropdown(
            options=cats,
            value=category if category in cats else cats[0],
            description=tr("report.col_category", self.lang),
        )
        dims = ["industry", "region", "size_tier", "peak_month"]
        dim = w.ToggleButtons(
            options=[(tr(f"plot.dim_{d}", self.lang), d) for d in dims], value="industry"
        )
        out = w.Output()

        def draw(*_):
            try:
                _show(out, self.who_buys_figure(pick.value, dim.value))
            except KapotError as exc:
                _show(out, str(exc))

        pick.observe(draw, "value")
        dim.observe(draw, "value")
        draw()
        return w.VBox([w.HBox([pick]), dim, out])

    # ------------------------------------------------------------------ lookalikes
    def lookalikes(self, client_id: str, limit: int = 15) -> pd.DataFrame:
        """Clients most like a client, across regions, prospects included.

        Needs potential scores (``kapot score``); the calculator is loaded once.

        Parameters
        ----------
        client_id : str
            The client to match.
        limit : int, default 15
            How many clients at most.

        Returns
        -------
        pandas.DataFrame
            :meth:`kapot.faces.calculator.Calculator.similar`'s columns: rank, client_id, name,
            region, industry, size_tier, segment, is_prospect, manager, phone, similarity.
        """
        return self._calc().similar(client_id, limit=limit)

    def _calc(self):
        if getattr(self, "_calculator", None) is None:
            self._calculator = Calculator.load(self.db)
        return self._calculator

    def lookalikes_widget(self, client_id: str | None = None, limit: int = 15) -> w.VBox:
        """Type or pick a client; the table lists the most similar clients and prospects.

        Parameters
        ----------
        client_id : str, optional
            The client shown first; None: the largest by revenue. The picker offers the 200
            largest; any client id may be typed.
        limit : int, default 15
            How many clients the table lists.

        Returns
        -------
        ipywidgets.VBox
            The picker and the table (:meth:`lookalikes`); an error is shown in its place.
        """
        biggest = self.features.nlargest(200, "revenue_12m")
        options = {
            f"{n} ({c})": c for n, c in zip(biggest["name"], biggest["client_id"], strict=True)
        }
        start = client_id or next(iter(options.values()))
        box = w.Combobox(
            options=list(options),
            value=next((k for k, v in options.items() if v == start), start),
            description=tr("report.col_name", self.lang),
            ensure_option=False,
            layout=w.Layout(width="28em"),
        )
        out = w.Output()

        def draw(*_):
            cid = options.get(box.value, box.value)
            try:
                _show(out, self.lookalikes(cid, limit=limit))
            except KapotError as exc:
                _show(out, str(exc))

        box.observe(draw, "value")
        draw()
        return w.VBox([box, out])
