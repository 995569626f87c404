"""Sample messages and topic helpers for llm-analysis tests (real broker, no fakes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from logmesh_contracts import Alert, ClusterEvent, EvidenceItem, EvidencePart, K8sRef, stable_id, utcnow
from logmesh_testing import read_topic


def alert(pod: str = "api-7d9f8b6c5d-x2x9z", alertname: str = "KubePodCrashLooping", status: Literal["firing", "resolved"] = "firing",
          namespace: str = "prod", starts_at: datetime | None = None, **annotations: str) -> Alert:
    starts = starts_at or utcnow().replace(microsecond=0)
    fingerprint = stable_id(alertname, namespace, pod, length=16)
    return Alert(
        event_id=stable_id(fingerprint, starts.isoformat(), status), fingerprint=fingerprint, status=status,
        alertname=alertname, severity="critical", starts_at=starts, received_at=utcnow(),
        ends_at=starts + timedelta(minutes=3) if status == "resolved" else None,
        labels={"alertname": alertname, "namespace": namespace, "pod": pod, "container": "api"},
        annotations={"summary": f"Pod {namespace}/{pod} is crash looping", **annotations},
        summary=f"Pod {namespace}/{pod} is crash looping", target=K8sRef(namespace=namespace, pod=pod),
    )


def cluster_event(pod: str = "api-7d9f8b6c5d-x2x9z", reason: str = "OOMKilled", namespace: str = "prod") -> ClusterEvent:
    return ClusterEvent(
        event_id=stable_id("ce", namespace, pod, reason), reason=cast(Any, reason), severity="critical", observed_at=utcnow(),
        object=K8sRef(namespace=namespace, pod=pod, container="api"),
        message="Container api was OOMKilled (exit code 137)", serious=True,
    )


def part(incident_id: str, kind: str, *items: EvidenceItem, provider: str | None = None) -> EvidencePart:
    return EvidencePart(
        event_id=stable_id("part", incident_id, kind), incident_id=incident_id, kind=kind,  # type: ignore[arg-type]
        provider=provider or {"cluster": "cluster-watching", "logs": "template-matching"}.get(kind, "knowledge-storage"),
        collected_at=utcnow(), items=list(items),
    )


async def records(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in await read_topic(bootstrap, topic)]


async def wait_records(bootstrap: str, topic: str, predicate: Callable[[list[dict[str, Any]]], bool],
                       timeout_s: float = 30.0) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    found: list[dict[str, Any]] = []
    while asyncio.get_running_loop().time() < deadline:
        found = await records(bootstrap, topic)
        if predicate(found):
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"condition on {topic} not met after {timeout_s}s; have {len(found)} record(s): "
                         f"{[r.get('event_id') for r in found]}")


NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def wait_assigned(service: Any, timeout_s: float = 60.0) -> None:
    """Until every consumer of the service has its partitions (group joins are done)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        pending = []
        for subscriber in service.mesh.broker.subscribers:
            consumers = getattr(subscriber, "consumers", None) or [getattr(subscriber, "consumer", None)]
            for consumer in consumers:
                if consumer is None or not consumer.assignment():
                    pending.append(subscriber)
        if not pending:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(pending)} consumer(s) without partitions after {timeout_s}s")
        await asyncio.sleep(0.1)
