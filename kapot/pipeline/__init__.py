"""The pipeline and the read model: :func:`run` (``pipeline``) computes, for a date,
everything derived (profiles with ``build``, scores, the read tables) and publishes it at once;
:class:`~kapot.pipeline.snapshot.Snapshot` (``snapshot``) is the one read API the faces use;
``plan`` names the runs a date still needs (the store's span of sales, asked before any run).

The names below are loaded on first use: the served page reads through ``snapshot`` and must
not import the engine that ``pipeline`` needs (tests/test_session.py)."""

import importlib

__all__ = [
    "PipelineConfig",
    "RunReport",
    "run",
    "run_plan",
    "PROFILE_TABLES",
    "READ_TABLES",
    "code_version",
    "report_facts",
]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module("kapot.pipeline.pipeline"), name)
    raise AttributeError(f"module 'kapot.pipeline' has no attribute {name!r}")
