"""The weekly report: its sections (shown by ``notebooks/weekly_report.ipynb``) and its
rendering (``kapot report``: papermill runs the notebook, nbconvert writes self-contained HTML).

The report for ISO week W covers sales from Monday to Sunday of W and reads the client
profiles built as of the Monday after (``as_of``, data strictly before it), the build four
weeks earlier for segment movements, and the latest potential scores on or before ``as_of``.
:func:`prepare` makes whichever of these is missing; the notebook itself only reads, so it
never blocks a load and a load never shows it a half-written warehouse.

``prepare`` (what the report needs), ``sections`` (:class:`WeeklyReport`, with its sections on
clients in ``clients`` and on the work ahead in ``work``), ``fragments`` (shared HTML) and
``render`` (papermill and nbconvert).
"""

from kapot.faces.weekly.prepare import prepare, resolve_week
from kapot.faces.weekly.render import render_report
from kapot.faces.weekly.sections import REPORT_NOTEBOOK, SECTIONS, WeeklyReport

__all__ = [
    "WeeklyReport",
    "prepare",
    "resolve_week",
    "render_report",
    "REPORT_NOTEBOOK",
    "SECTIONS",
]
