"""Test support for template-matching's own tests: synthetic records and polling (no fixtures)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from logmesh_contracts import K8sRef, LogRecord, stable_id

# recent (whole hour, two hours ago): rows older than the log TTL would be dropped by ClickHouse
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)


def record(message: str, *, service: str = "api", level: str = "INFO", at: datetime | None = None,
           org: str = "acme", pod: str | None = "api-1", seq: int | None = None) -> LogRecord:
    at = at or T0
    return LogRecord(
        event_id=stable_id(org, service, message, at.isoformat(), seq),
        org=org,
        timestamp=at,
        received_at=at + timedelta(seconds=1),
        service=service,
        level=level,  # type: ignore[arg-type]
        message=message,
        k8s=K8sRef(namespace="shop", pod=pod, service=service),
    )


async def wait_until(predicate: Callable[[], Any], timeout_s: float = 30.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not met in {timeout_s}s")
        await asyncio.sleep(0.05)
