"""Thin handlers: decode -> domain -> publish. Each returns once its effect is durable."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from llm_analysis.adapters.store import SqliteStore
from llm_analysis.domain import (
    Opening,
    incident_id_for,
    join_incident,
    make_incident,
    opening_from_alert,
    opening_from_anomaly,
    opening_from_cluster_event,
    opening_from_request,
)
from llm_analysis.settings import LlmAnalysisSettings
from logmesh_contracts import (
    Alert,
    AnalysisRequest,
    ClusterEvent,
    EvidencePart,
    Incident,
    IncidentResolved,
    LogAnomaly,
    stable_id,
    utcnow,
)
from logmesh_runtime.kafka import Delivery
from logmesh_runtime.telemetry import capture_context

log = logging.getLogger(__name__)

PublishIncident = Callable[[Incident], Awaitable[None]]
PublishResolved = Callable[[IncidentResolved], Awaitable[None]]


class IntakeHandlers:
    """alerts, anomalies, cluster events, requests -> incidents (opened or joined)."""

    def __init__(self, settings: LlmAnalysisSettings, store: SqliteStore, publish_incident: PublishIncident,
                 publish_resolved: PublishResolved) -> None:
        self.settings = settings
        self.store = store
        self.publish_incident = publish_incident
        self.publish_resolved = publish_resolved

    async def open_or_join(self, opening: Opening, source_key: str) -> Incident | None:
        if self.store.source_incident(source_key) is not None:
            return None  # redelivered or repeated source: already part of an incident
        now = utcnow()
        existing = None
        if opening.joinable:
            since = opening.at - timedelta(seconds=self.settings.correlation_window_s)
            existing = self.store.correlated(opening.keys, since)
        if existing is not None:
            incident = join_incident(existing, opening)
        else:
            incident = make_incident(opening, incident_id_for(opening, self.settings.correlation_window_s),
                                     self.settings.evidence_deadline_s, now)
        await self.publish_incident(incident)
        self.store.announce(incident, opening.keys, [source_key], opening.at)
        log.info("incident %s %s by %s %s", incident.incident_id, "joined" if existing else "opened",
                 opening.source, opening.source_id)
        return incident

    async def on_alert(self, alert: Alert, _delivery: Delivery) -> None:
        source_key = f"alert:{alert.fingerprint}:{alert.starts_at.isoformat()}"
        if alert.status == "resolved":
            incident_id = self.store.source_incident(source_key)
            if incident_id is None:
                opening = opening_from_alert(alert.model_copy(update={"status": "firing"}),
                                             self.settings.incident_window_s)
                assert opening is not None
                incident_id = incident_id_for(opening, self.settings.correlation_window_s)
            await self.publish_resolved(IncidentResolved(
                event_id=stable_id("resolved", incident_id, source_key), incident_id=incident_id,
                resolved_at=alert.ends_at or alert.received_at, reason=f"alert {alert.alertname} resolved",
            ))
            return
        opening = opening_from_alert(alert, self.settings.incident_window_s)
        if opening is not None:
            await self.open_or_join(opening, source_key)

    async def on_anomaly(self, anomaly: LogAnomaly, _delivery: Delivery) -> None:
        opening = opening_from_anomaly(anomaly, self.settings.anomaly_min_severity)
        if opening is not None:
            await self.open_or_join(opening, f"anomaly:{anomaly.event_id}")

    async def on_cluster_event(self, event: ClusterEvent, _delivery: Delivery) -> None:
        org = self.settings.cluster_orgs.get(event.object.cluster or "", self.settings.cluster_org)
        opening = opening_from_cluster_event(event, self.settings.incident_window_s, org=org)
        if opening is not None:
            await self.open_or_join(opening, f"cluster-event:{event.event_id}")

    async def on_request(self, request: AnalysisRequest, _delivery: Delivery) -> None:
        await self.open_or_join(opening_from_request(request), f"request:{request.event_id}")


class OwnerHandlers:
    """incidents.opened and evidence.parts -> durable intent; the Analyzer does the slow part."""

    def __init__(self, settings: LlmAnalysisSettings, store: SqliteStore, wake: Callable[[], None]) -> None:
        self.settings = settings
        self.store = store
        self.wake = wake

    async def on_incident(self, incident: Incident, _delivery: Delivery) -> None:
        self.store.remember_trace(incident.incident_id, capture_context())
        outcome = self.store.upsert_incident(incident, utcnow())
        if outcome != "done":
            self.wake()

    async def on_evidence(self, part: EvidencePart, _delivery: Delivery) -> None:
        if (utcnow() - part.collected_at).total_seconds() > self.settings.evidence_max_age_s:
            return
        if self.store.add_part(part):
            self.wake()
