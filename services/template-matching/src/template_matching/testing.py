"""Test support for template-matching's own tests: synthetic records and polling (no fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from logmesh_contracts import K8sRef, LogRecord, stable_id
from logmesh_testing import wait_until

__all__ = ["T0", "record", "wait_until"]

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
