"""Reading topics from tests, on a real broker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from logmesh_runtime.replay import read_topic

__all__ = ["read_topic", "wait_for_messages"]


async def wait_for_messages(
    bootstrap: str,
    topic: str,
    count: int,
    timeout_s: float = 30.0,
    where: Callable[[Any], bool] | None = None,
) -> list[Any]:
    """Poll ``topic`` until at least ``count`` records (matching ``where``) are there."""
    deadline = time.monotonic() + timeout_s
    records: list[Any] = []
    while time.monotonic() < deadline:
        records = [r for r in await read_topic(bootstrap, topic) if where is None or where(r)]
        if len(records) >= count:
            return records
        await asyncio.sleep(0.3)
    raise AssertionError(f"expected {count} record(s) on {topic}, found {len(records)} after {timeout_s}s")
