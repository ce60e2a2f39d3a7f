"""Paths, defined once. (Run-wide settings live where they are used: the language in
:mod:`kapot.i18n`, the currency in the warehouse, the engine's in
:class:`kapot.models.engine.EngineConfig`.)"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PROJECT_ROOT", "DEFAULT_DB", "default_db_path"]

_PACKAGE_DIR = Path(__file__).resolve().parent
# An editable install (the README's set-up) lives inside the project tree; otherwise use cwd.
PROJECT_ROOT = (
    _PACKAGE_DIR.parent if (_PACKAGE_DIR.parent / "pyproject.toml").exists() else Path.cwd()
)
DEFAULT_DB = PROJECT_ROOT / "data" / "kapot.duckdb"


def default_db_path() -> Path:
    """The warehouse path: ``KAPOT_DB`` if set, else ``data/kapot.duckdb`` in the project.

    Returns
    -------
    pathlib.Path
        ``KAPOT_DB`` with ``~`` expanded, else :data:`DEFAULT_DB`; the file need not exist.
    """
    env = os.environ.get("KAPOT_DB")
    return Path(env).expanduser() if env else DEFAULT_DB
