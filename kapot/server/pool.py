"""Voila's preheated kernel pool, capped: a burst of visitors empties the pool without Voila
starting as many fresh kernels at once.

Importing this module replaces ``voila.app.voila_kernel_manager_factory`` (what
:mod:`kapot.server.server` does before Voila starts)."""

from __future__ import annotations

from typing import Any

import voila.app
from traitlets import Int

__all__ = ["capped_kernel_manager_factory"]


def capped_kernel_manager_factory(
    base_class: type, preheat_kernel: bool, pool_size: int, **kwargs: Any
) -> type:
    """Voila's kernel manager, with the total number of kernels (in use and preheated) capped
    at the server's ``max_sessions``: a burst of visitors empties the pool without Voila
    starting as many fresh kernels at once (which doubled memory and CPU), and the pool fills
    up again as idle kernels are culled.

    Takes the arguments of ``voila.app.voila_kernel_manager_factory``, which it replaces.

    Parameters
    ----------
    base_class : type
        The kernel manager class Voila would use.
    preheat_kernel : bool
        Whether Voila preheats kernels; without, Voila's class is returned as it is.
    pool_size : int
        Preheated kernels per notebook (Voila's ``default_pool_size``).
    **kwargs
        Passed on to Voila's factory (``page_config_hook``).

    Returns
    -------
    type
        The kernel manager class; with preheating, one whose ``max_kernels`` trait (0: no
        cap) bounds the kernels in use and preheated.
    """
    cls = _voila_factory(base_class, preheat_kernel, pool_size, **kwargs)
    if not preheat_kernel:
        return cls

    class KapotKernelManager(cls):
        max_kernels = Int(0, config=True, help="kernels at most, in use and preheated (0: no cap)")

        def _pending(self, notebook_name) -> int:
            return sum(1 for task in self._pools.get(notebook_name, []) if not task.done())

        def fill_if_needed(self, delay=None, notebook_name=None, **kw) -> None:
            if not self.max_kernels:
                return super().fill_if_needed(delay, notebook_name, **kw)
            config = self.kernel_pools_config
            default = config.get("default", {})
            wanted = config.get(notebook_name, default).get("pool_size", 1)
            pool = self._pools.get(notebook_name, [])
            total = len(self.list_kernel_ids()) + self._pending(notebook_name)
            target = min(wanted, len(pool) + max(self.max_kernels - total, 0))
            if target <= len(pool):
                return None
            self.kernel_pools_config = {**config, "default": {**default, "pool_size": target}}
            if notebook_name in config:
                self.kernel_pools_config[notebook_name] = {
                    **config[notebook_name],
                    "pool_size": target,
                }
            try:
                return super().fill_if_needed(delay, notebook_name, **kw)
            finally:
                self.kernel_pools_config = config

        async def shutdown_kernel(self, kernel_id: str, *args, **kw):
            result = await super().shutdown_kernel(kernel_id, *args, **kw)
            if getattr(self, "notebook_path", None) and not getattr(self, "_stopping", False):
                self.fill_if_needed(notebook_name=self.notebook_path)  # room again: refill
            return result

        async def shutdown_all(self, *args, **kw):
            self._stopping = True
            return await super().shutdown_all(*args, **kw)

    return KapotKernelManager


_voila_factory = voila.app.voila_kernel_manager_factory
voila.app.voila_kernel_manager_factory = capped_kernel_manager_factory
