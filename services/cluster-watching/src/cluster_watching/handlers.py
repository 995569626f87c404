"""Thin glue: Kubernetes changes and mesh messages in, domain calls, publishes out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cluster_watching.buffer import ContextBuffer
from cluster_watching.controller import JobController
from cluster_watching.domain import Detector
from cluster_watching.evidence import EvidenceCollector, plan
from cluster_watching.metrics import ClusterMetrics
from cluster_watching.ports import Kubernetes, KubernetesUnavailable, NotConfigured, Obj
from logmesh_contracts import AnalysisRequest, AnalysisResult, ClusterEvent, Incident, utcnow
from logmesh_contracts.topics import ANALYSIS_REQUESTS, CLUSTER_EVENTS, EVIDENCE_PARTS
from logmesh_runtime.kafka import Delivery, Mesh, PublishUnavailable, TransientError

log = logging.getLogger(__name__)


def event_key(event: ClusterEvent) -> str:
    ref = event.object
    if ref.pod:
        return f"{ref.namespace}/{ref.pod}"
    if ref.node:
        return ref.node
    return f"{ref.namespace or ''}/{ref.kind or ''}/{ref.name or ''}"


@dataclass
class Handlers:
    mesh: Mesh
    kubernetes: Kubernetes
    buffer: ContextBuffer
    detector: Detector
    collector: EvidenceCollector
    controller: JobController
    max_event_age: timedelta = timedelta(minutes=10)
    evidence_stale: timedelta = timedelta(minutes=10)
    clock: Callable[[], datetime] = utcnow
    metrics: ClusterMetrics | None = None
    published: list[str] = field(default_factory=list)  # event_ids, most recent last (bounded)

    async def _publish_until_acked(self, topic, items) -> None:
        """Watch-driven publishes have no Kafka message to redeliver them: retry until the broker acks."""
        attempt = 0
        while True:
            try:
                await self.mesh.publish_many(topic, items)
                return
            except PublishUnavailable as exc:
                attempt += 1
                delay = min(30.0, 0.2 * 2 ** min(attempt, 8))
                log.warning("publish to %s failed (%s); retrying in %.1fs", topic.name, exc, delay)
                await asyncio.sleep(delay)

    # ------------------------------------------------------------- Kubernetes
    async def on_kubernetes(self, kind: str, event_type: str, obj: Obj) -> None:
        now = self.clock()
        self.buffer.record_object(kind, event_type, obj, now)
        if kind == "loganalysisjobs":
            await self.controller.on_job(event_type, obj)
            return
        if kind == "events" and _too_old(obj, now - self.max_event_age):
            return
        await self.publish_events(self.detector.on_object(kind, event_type, obj, now))

    async def publish_events(self, events: list[ClusterEvent]) -> None:
        if not events:
            return
        await self._publish_until_acked(CLUSTER_EVENTS, [(event_key(e), e) for e in events])
        for event in events:
            self.buffer.record_cluster_event(event)
            if self.metrics:
                self.metrics.cluster_events.labels(reason=event.reason, serious=str(event.serious).lower()).inc()
            log.info("cluster event %s %s serious=%s", event.reason, event_key(event), event.serious)
        self.published.extend(e.event_id for e in events)
        del self.published[:-1000]

    async def sweep(self) -> None:
        """Time-based signals (long Pending) and pruning."""
        now = self.clock()
        for pod in list(self.buffer.current.get("pods", {}).values()):
            await self.publish_events(self.detector.on_object("pods", "MODIFIED", pod, now))
        self.detector.dedup.prune(now)
        self.buffer.prune(now)

    async def publish_request(self, request: AnalysisRequest) -> None:
        await self._publish_until_acked(ANALYSIS_REQUESTS, [(request.event_id, request)])

    # ------------------------------------------------------------------- mesh
    async def on_incident(self, incident: Incident, _delivery: Delivery) -> None:
        if "cluster" not in incident.expected_evidence:
            return
        now = self.clock()
        if now - incident.evidence_deadline > self.evidence_stale:
            log.info("incident %s is past its evidence deadline; not collecting", incident.incident_id)
            return
        part = await self.collector.collect(incident, now)
        await self.mesh.publish(EVIDENCE_PARTS, part, key=incident.incident_id)
        if self.metrics:
            self.metrics.evidence.labels(plan=plan(incident), outcome="error" if part.error else "ok").inc()

    async def on_result(self, result: AnalysisResult, _delivery: Delivery) -> None:
        if not (result.requested_by or "").startswith("LogAnalysisJob/") or not self.kubernetes.configured:
            return
        try:
            await self.controller.on_result(result)
        except NotConfigured:
            return
        except KubernetesUnavailable as exc:
            raise TransientError(f"cannot write LogAnalysisJob status: {exc}") from exc


def _too_old(event: Obj, cutoff: datetime) -> bool:
    from cluster_watching.domain import parse_time

    when = parse_time(event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp"))
    return when is not None and when < cutoff
