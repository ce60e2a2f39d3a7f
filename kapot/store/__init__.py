"""The store: reading exports, validating them and loading them atomically into DuckDB.

``schema`` (canonical tables), ``readers`` and ``parsing`` (files and values), ``ingest`` (the
load), ``warehouse`` (connections and atomic publishing), ``currency``, ``summary``, and the
data sources ``datasets`` (public data) and ``synth`` (a synthetic distributor).
"""

__all__: list[str] = []
