"""Preset calculators: one parameterised copy of the calculator notebook per manager or region.

``kapot calculators --by manager|region`` writes them under ``reports/calculators/`` with
papermill. By default papermill only injects the parameters (Voila executes a notebook when it
is opened, so executing it here would be wasted work); ``execute=True`` runs each copy too, which
proves it works with its preset.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kapot.config import PROJECT_ROOT
from kapot.errors import KapotError
from kapot.faces.calculator import Calculator
from kapot.i18n import tr

__all__ = ["slug", "render_calculators", "CALCULATOR_NOTEBOOK"]

CALCULATOR_NOTEBOOK = PROJECT_ROOT / "notebooks" / "potential_calculator.ipynb"


def slug(text: str) -> str:
    """``text`` as a safe file or folder name.

    Parameters
    ----------
    text : str
        A manager's or region's name, any script.

    Returns
    -------
    str
        Runs of other characters than word characters and ``-`` become ``_`` (none at either
        end), lower case; ``x`` when nothing is left.
    """
    return re.sub(r"[^\w-]+", "_", text, flags=re.UNICODE).strip("_").lower() or "x"


def render_calculators(
    by: str,
    *,
    db: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = PROJECT_ROOT / "reports" / "calculators",
    lang: str = "en",
    execute: bool = False,
) -> list[Path]:
    """One preset calculator notebook per manager or region, written with papermill.

    Parameters
    ----------
    by : {"manager", "region"}
        Whose presets: each manager's (parameter ``manager``) or each region's
        (``regions``) in the latest scored date.
    db : str or os.PathLike, optional
        The warehouse (passed to the notebooks as an absolute path); None: ``KAPOT_DB`` or
        ``data/kapot.duckdb``, resolved by each notebook.
    out : str or os.PathLike
        The folder written to (created if needed); default ``reports/calculators``.
    lang : str, default "en"
        The notebooks' language parameter (``en`` or ``ru``).
    execute : bool, default False
        Also run each copy (proves it works with its preset); by default only the parameters
        are injected, since Voila runs the notebook when it is opened.

    Returns
    -------
    list of pathlib.Path
        The notebooks written, ``calculator_<by>_<slug>.ipynb``, one per value, sorted by value.

    Raises
    ------
    KapotError
        for another ``by``, or a warehouse without scores.
    """
    import papermill as pm  # 1.1 s to import: the report's renderer imports this module

    if by not in ("manager", "region"):
        raise KapotError(tr("presets.bad_by", by=by))
    calc = Calculator.load(db)
    values = calc.managers() if by == "manager" else calc.regions()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for value in values:
        params = {"db": str(Path(db).resolve()) if db else None, "lang": lang}
        params.update({"manager": value} if by == "manager" else {"regions": [value]})
        path = out / f"calculator_{by}_{slug(value)}.ipynb"
        pm.execute_notebook(
            str(CALCULATOR_NOTEBOOK),
            str(path),
            parameters=params,
            prepare_only=not execute,
            progress_bar=False,
            kernel_name="python3",
            cwd=str(CALCULATOR_NOTEBOOK.parent),
        )
        written.append(path)
    return written
