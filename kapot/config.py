"""Settings and paths, defined once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "PROJECT_ROOT", "DEFAULT_DB", "default_db_path"]

_PACKAGE_DIR = Path(__file__).resolve().parent
# An editable install (the README's set-up) lives inside the project tree; otherwise use cwd.
PROJECT_ROOT = (
    _PACKAGE_DIR.parent if (_PACKAGE_DIR.parent / "pyproject.toml").exists() else Path.cwd()
)
DEFAULT_DB = PROJECT_ROOT / "data" / "kapot.duckdb"


def default_db_path() -> Path:
    """The warehouse path: ``KAPOT_DB`` if set, else ``data/kapot.duckdb`` in the project."""
    env = os.environ.get("KAPOT_DB")
    return Path(env).expanduser() if env else DEFAULT_DB


@dataclass(frozen=True)
class Settings:
    """Run-wide settings. ``lang`` is ``en`` or ``ru``; ``currency`` an ISO 4217 code."""

    db: Path = DEFAULT_DB
    lang: str = "en"
    currency: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db=default_db_path(),
            lang=os.environ.get("KAPOT_LANG", "en"),
            currency=os.environ.get("KAPOT_CURRENCY") or None,
        )
