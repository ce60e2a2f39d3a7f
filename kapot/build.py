"""``kapot build``: the client profiles for a date, without scoring.

:func:`build` is :func:`kapot.pipeline.run` with ``score`` off: features, seasonality,
segments and the faces' read tables, published atomically with a row in ``runs``. A backtest
uses it to rebuild a past date before scoring that date on its own.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace

from kapot.pipeline import PipelineConfig, RunReport, run
from kapot.seasonality import SeasonalityConfig
from kapot.segments import SegmentConfig

__all__ = ["build"]


def build(
    as_of: dt.date,
    *,
    db: str | os.PathLike[str] | None = None,
    seasonality: SeasonalityConfig = SeasonalityConfig(),
    segments: SegmentConfig = SegmentConfig(),
    progress: bool = False,
) -> RunReport:
    """Compute and publish the client profiles (client_features, client_categories,
    seasonality, category_seasonality, client_category_seasonality, segments) and the read
    tables as of ``as_of``, from sales strictly before it.

    Raises
    ------
    KapotError
        if the warehouse holds no sales before ``as_of``.
    """
    config = replace(PipelineConfig(), seasonality=seasonality, segments=segments, score=False)
    return run(as_of, db=db, config=config, progress=progress)
