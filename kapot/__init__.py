"""kapot: a sales-potential workbench for B2B distributors.

The few names a user needs are re-exported here; everything else lives in its module.
"""

from kapot.errors import KapotError

__version__ = "0.1.0"

__all__ = ["KapotError", "__version__", "ingest", "Warehouse", "connect", "synth", "datasets"]


def __getattr__(name: str):  # lazy, so `import kapot` stays light for Voila kernels
    if name == "ingest":
        from kapot.ingest import ingest

        return ingest
    if name in ("Warehouse", "connect"):
        from kapot import warehouse

        return getattr(warehouse, name)
    if name in ("synth", "datasets", "i18n", "warehouse", "schema"):
        import importlib

        return importlib.import_module(f"kapot.{name}")
    raise AttributeError(f"module 'kapot' has no attribute {name!r}")
