"""The weekly report: its sections (shown by ``notebooks/weekly_report.ipynb``) and its
rendering (``kapot report``: papermill runs the notebook, nbconvert writes self-contained HTML).

The report for ISO week W covers sales from Monday to Sunday of W and reads the client
profiles built as of the Monday after (``as_of``, data strictly before it), the build four
weeks earlier for segment movements, and the latest potential scores on or before ``as_of``.
:func:`needed_runs` names the pipeline runs (:func:`kapot.pipeline.run`) that are missing for
a week, and ``kapot report`` runs them; the report itself only reads, so it never blocks a
load, a load never shows it a half-written warehouse, and a report for a date whose pipeline
has run leaves the warehouse file byte-identical.

``prepare`` (what the report needs: :func:`needed_runs`), ``sections`` (:class:`WeeklyReport`,
with its sections on clients in ``clients``, on what changed in ``changes``, on the work ahead
in ``work`` and on the sales pipeline in ``funnel``), ``fragments`` (shared HTML) and
``render`` (papermill and nbconvert).
"""

from kapot.faces.weekly.prepare import needed_runs, resolve_week
from kapot.faces.weekly.render import render_report
from kapot.faces.weekly.sections import REPORT_NOTEBOOK, SECTIONS, WeeklyReport

__all__ = [
    "WeeklyReport",
    "needed_runs",
    "resolve_week",
    "render_report",
    "REPORT_NOTEBOOK",
    "SECTIONS",
]
