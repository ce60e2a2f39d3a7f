"""``kapot build``: the client profiles for a date, without scoring.

:func:`build` is :func:`kapot.pipeline.run` with ``score`` off: features, seasonality,
segments and the faces' read tables, published atomically with a row in ``runs``. A backtest
uses it to rebuild a past date before scoring that date on its own.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace

from kapot.models.seasonality import SeasonalityConfig
from kapot.models.segments import SegmentConfig
from kapot.pipeline import PipelineConfig, RunReport, run

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
    seasonality, category_seasonality, client_category_seasonality, client_category_timing,
    segments) and the read tables as of ``as_of``, from sales strictly before it.

    Parameters
    ----------
    as_of : datetime.date
        The date built; its earlier rows are replaced, other dates' kept.
    db : str or os.PathLike, optional
        The warehouse file; None means :func:`kapot.config.default_db_path`.
    seasonality : SeasonalityConfig, optional
        The seasonality tests' levels and the history they need (the defaults otherwise).
    segments : SegmentConfig, optional
        The ABC/XYZ cut-offs and size tiers (the defaults otherwise).
    progress : bool, default False
        Show a tqdm bar over the steps.

    Returns
    -------
    RunReport
        What was published: ``rows`` per table, ``seconds`` per step, the clustering's k
        and stability; no ``reports`` (nothing scored).

    Raises
    ------
    KapotError
        if there is no warehouse or it holds no sales before ``as_of``; nothing is published.
    """
    config = replace(PipelineConfig(), seasonality=seasonality, segments=segments, score=False)
    return run(as_of, db=db, config=config, progress=progress)
