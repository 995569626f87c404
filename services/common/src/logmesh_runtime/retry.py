"""The one backoff formula: every retry loop in the mesh waits the same way."""

from __future__ import annotations

import random


def backoff(attempt: int, base_s: float, cap_s: float) -> float:
    """Exponential backoff with equal jitter: half the ceiling plus a random half (``attempt`` counts from 1).

    The jitter spreads the retries of many consumers; the fixed half keeps a retry from coming at once.
    """
    ceiling = min(cap_s, base_s * 2 ** max(0, min(attempt - 1, 30)))
    return ceiling / 2 + random.uniform(0, ceiling / 2)
