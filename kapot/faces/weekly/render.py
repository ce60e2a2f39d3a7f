"""Rendering the weekly report (``kapot report``): papermill runs the notebook, nbconvert writes self-contained HTML into a folder per week, scope and language."""

from __future__ import annotations

import os
from pathlib import Path

from kapot.config import PROJECT_ROOT
from kapot.faces.presets import slug
from kapot.faces.weekly.prepare import resolve_week
from kapot.faces.weekly.sections import REPORT_NOTEBOOK, WeeklyReport
from kapot.i18n import get_lang, tr

__all__ = ["render_report"]


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


# ---------------------------------------------------------------------- rendering
def report_dir(
    week: str, out: str | os.PathLike[str], region: str | None, manager: str | None, lang: str
) -> Path:
    """``<out>/<week>/`` for the whole company in English; a scoped or Russian report gets
    its own subfolder so they never overwrite each other.

    Parameters
    ----------
    week : str
        The ISO week, ``2026-W47`` (upper case, as resolved).
    out : str or os.PathLike
        The reports' root folder.
    region, manager : str or None
        The report's scope; each adds ``region-<slug>`` / ``manager-<slug>`` (joined by
        ``_``) when given.
    lang : str
        ``en`` or ``ru``; any but ``en`` adds a ``<lang>`` subfolder.

    Returns
    -------
    pathlib.Path
        The folder (not created here).
    """
    path = Path(out) / week
    parts = [
        f"region-{slug(region)}" if region else "",
        f"manager-{slug(manager)}" if manager else "",
    ]
    parts = [p for p in parts if p]
    if parts:
        path = path / "_".join(parts)
    if lang != "en":
        path = path / lang
    return path


def render_report(
    week: str | None = None,
    *,
    db: str | os.PathLike[str] | None = None,
    region: str | None = None,
    manager: str | None = None,
    out: str | os.PathLike[str] = PROJECT_ROOT / "reports",
    lang: str | None = None,
    progress: bool = True,
) -> dict[str, Path]:
    """Execute ``notebooks/weekly_report.ipynb`` with papermill for ``week`` and write
    ``<out>/<week>/weekly_report.ipynb`` and a self-contained ``weekly_report.html`` (code
    hidden, plotly charts interactive offline). Reads only: the pipeline runs the week needs
    (:func:`needed_runs`) must have been published.

    Parameters
    ----------
    week : str, optional
        An ISO week, ``2026-W47``; None for the last complete week of sales.
    db : str or os.PathLike, optional
        The warehouse; None for ``KAPOT_DB``, else ``data/kapot.duckdb``.
    region, manager : str, optional
        Only that region's and/or manager's clients; None for everyone.
    out : str or os.PathLike, default ``reports/`` in the project
        The reports' root; the files go to :func:`report_dir`'s folder under it.
    lang : str, optional
        ``en`` or ``ru``; None for the language in force.
    progress : bool, default True
        Show papermill's progress bar.

    Returns
    -------
    dict of str to pathlib.Path
        ``notebook`` (the executed notebook) and ``html`` (the report).

    Raises
    ------
    KapotError
        Before running anything, for a bad week, an unknown region or manager, or a week
        whose profiles have not been published (:meth:`WeeklyReport.open`).
    """
    # not at the top: 1.2 s to import, and the report's own notebook kernel imports
    # kapot.faces.weekly (for WeeklyReport) but never renders
    import nbformat
    import papermill as pm  # as said above
    from nbconvert import HTMLExporter  # as said above

    lang = get_lang(lang)
    week = resolve_week(week, db)
    # fail early, with the catalogue's message, on a bad region, manager or missing build
    WeeklyReport.open(week, db=db, region=region, manager=manager, lang=lang).close()
    folder = report_dir(week, out, region, manager, lang)
    folder.mkdir(parents=True, exist_ok=True)
    nb_path = folder / "weekly_report.ipynb"
    params = {
        "week": week,
        "region": region,
        "manager": manager,
        "db": str(Path(db).resolve()) if db else None,
        "lang": lang,
    }
    pm.execute_notebook(
        str(REPORT_NOTEBOOK),
        str(nb_path),
        parameters=params,
        progress_bar=progress,
        kernel_name="python3",
        cwd=str(REPORT_NOTEBOOK.parent),
    )
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:  # papermill gives its injected cell a random id; reruns must match
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    nbformat.write(nb, nb_path)
    from nbconvert.preprocessors import TagRemovePreprocessor  # as above

    exporter = HTMLExporter(
        template_name="kapot_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # the notebook's own introduction is for analysts, not for the head of sales
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True), enabled=True
    )
    title = tr("report.title", lang, week=week)
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": title}, "language_code": lang}
    )
    html_path = folder / "weekly_report.html"
    html_path.write_text(body, encoding="utf-8")
    return {"notebook": nb_path, "html": html_path}
