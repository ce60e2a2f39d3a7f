"""ALS factors fitted ahead of the engine's folds, on one background thread."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import replace

from kapot.models.engine.candidates import als_model, fit_als
from kapot.models.engine.config import EngineConfig
from kapot.models.engine.history import History, days
from kapot.models.engine.windows import line_counts

__all__ = ["BackgroundAls"]


class BackgroundAls:
    """ALS factors fitted ahead, on one background thread (one OpenMP thread; implicit's solves
    release the GIL): the second core fits them while the fit's thread makes the snapshots,
    trains and scores. The factors are the ones a fit in that thread gives, to the bit; with
    ``EngineConfig.als_warm_iterations`` the cutoffs are fitted earliest first, each after
    the first warm-started from the one before (:meth:`_fit`), a cutoff's factors never
    depending on a later one's lines.

    Parameters
    ----------
    history : History
        The history fitted on.
    level : str
        ``'category'`` or ``'sku'``.
    config : EngineConfig
        The ALS settings.
    pool : concurrent.futures.ThreadPoolExecutor, optional
        A one-thread pool shared with other levels' fits (its owner shuts it down); default
        one of its own, shut down by :meth:`release`.
    """

    def __init__(
        self,
        history: History,
        level: str,
        config: EngineConfig,
        pool: ThreadPoolExecutor | None = None,
    ) -> None:
        self.history, self.level, self.config = history, level, config
        self.pending: dict[dt.date, Future] = {}
        self._pool, self._own = pool, pool is None
        self._tail: tuple[dt.date, Future] | None = None  # the latest fit started

    def start(self, cutoffs: list[dt.date]) -> None:
        """Start fitting the factors of ``cutoffs``: in that order from random factors, or
        with ``als_warm_iterations`` earliest first, each after the first warm-started from
        the one before it (see :meth:`_fit`).

        Parameters
        ----------
        cutoffs : list of datetime.date
            The cutoffs a fit will read, in the order it reads them (:func:`read_order`);
            one already started is skipped.
        """
        if self._pool is None and self._own:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="kapot-als")
        cfg = self.config
        shape = (self.history.n_clients, len(self.history.items(self.level)))
        warm = min(cfg.als_warm_iterations, cfg.als_iterations)
        # chained, earliest first; without warm sweeps in the order they will be read
        for cutoff in sorted(set(cutoffs)) if warm else dict.fromkeys(cutoffs):
            if cutoff in self.pending:
                continue
            # the models are built here, where their warning about BLAS threads is silenced
            cold = als_model(cfg, shape, threads=1)
            again = als_model(replace(cfg, als_iterations=warm), shape, threads=1) if warm else None
            tail = self._tail
            prev = tail[1] if again is not None and tail and tail[0] < cutoff else None
            fut = self._pool.submit(self._fit, int(days([cutoff])[0]), cold, again, prev)
            self.pending[cutoff], self._tail = fut, (cutoff, fut)

    def _fit(self, c: int, cold, again, prev: Future | None) -> tuple | None:
        """The factors at day ``c``: from the factors of the cutoff before (``prev``, fitted
        on this thread before it, so only on earlier lines), ``again``'s few sweeps; without
        them (the first cutoff, a fit cancelled or too small) ``cold``'s from random factors.
        A month's lines move the factors little: the ALS candidate alone, at a cutoff 90 days
        back, 5 sweeps after a cold first fit against 15 from random, scored 0.201 against
        0.202 on base's SKUs, 0.110 against 0.112 on Online Retail II's and 0.101 against
        0.097 at 100k clients (new-buyer precision@50, session 11), at a third of the sweeps;
        yet the lists built on it found fewer buyers on Online Retail II on every seed tried
        (see ``EngineConfig.als_warm_iterations``), so it is off by default."""
        init = None
        if prev is not None:
            try:
                init = prev.result()
            except CancelledError:
                pass  # that cutoff was dropped: this one starts from random factors
        x = line_counts(self.history, c - 730, c, self.level)
        if init is None or again is None:
            return fit_als(x, cold)
        again.user_factors, again.item_factors = init[0].copy(), init[1].copy()
        return fit_als(x, again)

    def take(self, cutoff: dt.date) -> Future | None:
        """The fit started for ``cutoff`` (its snapshot keeps it from now on), or None.

        Parameters
        ----------
        cutoff : datetime.date
            A snapshot's date.

        Returns
        -------
        concurrent.futures.Future or None
            Its ``result()`` is what :func:`~kapot.models.engine.candidates.fit_als` returns.
        """
        return self.pending.pop(cutoff, None)

    def release(self, keep: dt.date) -> None:
        """Cancel the fits not taken but ``keep``'s (the scoring date's: it goes on if under
        way) and let the thread end when it is done.

        Parameters
        ----------
        keep : datetime.date
            The scoring date.
        """
        for d in [d for d in self.pending if d != keep]:  # nothing will read them
            self.pending.pop(d).cancel()
        if self._pool is not None and self._own:
            self._pool.shutdown(wait=False)
            self._pool = None

    def cancel(self) -> None:
        """Cancel every fit not started yet (the one under way ends by itself)."""
        for fut in self.pending.values():
            fut.cancel()
