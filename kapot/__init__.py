"""kapot: a sales-potential workbench for B2B distributors.

The few names a user needs are re-exported here; everything else lives in its module.
"""

from kapot.errors import KapotError

__version__ = "0.1.0"

__all__ = ["KapotError", "__version__", "ingest", "Warehouse", "connect", "synth", "datasets"]


_MODULES = {
    "synth": "kapot.store.synth",
    "datasets": "kapot.store.datasets",
    "warehouse": "kapot.store.warehouse",
    "schema": "kapot.store.schema",
    "i18n": "kapot.i18n",
}


def __getattr__(name: str):  # lazy, so `import kapot` stays light for Voila kernels
    if name == "ingest":
        from kapot.store.ingest import ingest

        return ingest
    if name in ("Warehouse", "connect"):
        from kapot.store import warehouse

        return getattr(warehouse, name)
    if name in _MODULES:
        import importlib

        return importlib.import_module(_MODULES[name])
    raise AttributeError(f"module 'kapot' has no attribute {name!r}")
