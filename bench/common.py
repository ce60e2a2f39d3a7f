"""What every section shares: the peak memory of its process."""

from __future__ import annotations

import resource


def peak_mb() -> float:
    """The peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
