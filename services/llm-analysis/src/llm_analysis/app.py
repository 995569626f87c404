"""The only wiring: store, LLM adapter, consumers, the analysis worker, REST routes."""

from __future__ import annotations

import logging
import re

from starlette.applications import Starlette

from llm_analysis.adapters.store import SqliteStore
from llm_analysis.analyzer import Analyzer
from llm_analysis.handlers import IntakeHandlers, OwnerHandlers
from llm_analysis.http import register_routes
from llm_analysis.ports import LlmClient
from llm_analysis.settings import LlmAnalysisSettings
from llm_analysis.workers import register_workers, result_publisher
from logmesh_contracts import AnalysisProgress, Incident, IncidentResolved, LlmCall
from logmesh_contracts.topics import (
    ALERTS_RECEIVED,
    ANALYSIS_PROGRESS,
    ANALYSIS_REQUESTS,
    CLUSTER_EVENTS,
    EVIDENCE_PARTS,
    INCIDENTS_OPENED,
    INCIDENTS_RESOLVED,
    LLM_AUDIT,
    LOGS_ANOMALIES,
)
from logmesh_runtime.service import Service

log = logging.getLogger(__name__)

def build_llm(settings: LlmAnalysisSettings) -> LlmClient | None:
    if not settings.models():
        return None  # deterministic tier
    from llm_analysis.adapters.llm import LiteLlmClient

    return LiteLlmClient(settings)


def create_app(settings: LlmAnalysisSettings, llm: LlmClient | None = None) -> Starlette:
    service = Service(settings)
    mesh = service.mesh
    store = SqliteStore(settings.state_dir / "state.sqlite3")
    llm = llm if llm is not None else build_llm(settings)

    async def publish_incident(incident: Incident) -> None:
        await mesh.publish(INCIDENTS_OPENED, incident, key=incident.incident_id)

    async def publish_resolved(event: IncidentResolved) -> None:
        await mesh.publish(INCIDENTS_RESOLVED, event, key=event.incident_id)

    async def publish_progress(event: AnalysisProgress) -> None:
        await mesh.publish(ANALYSIS_PROGRESS, event, key=event.incident_id)

    publish_result = result_publisher(service)

    async def publish_audit(event: LlmCall) -> None:
        await mesh.publish(LLM_AUDIT, event, key=event.incident_id)  # acks=all, before the prompt leaves

    analyzer = Analyzer(settings, store, llm, publish_progress, publish_result, service.tracer, publish_audit)
    intake = IntakeHandlers(settings, store, publish_incident, publish_resolved)
    owner = OwnerHandlers(settings, store, analyzer.wake)
    # The intake topics share the service's consumer group: the runtime reads them with one
    # consumer, so a replica joins once, and the range assignor gives it the same partition
    # numbers of every topic.
    mesh.consume(ALERTS_RECEIVED, intake.on_alert)
    mesh.consume(LOGS_ANOMALIES, intake.on_anomaly)
    mesh.consume(CLUSTER_EVENTS, intake.on_cluster_event)
    mesh.consume(ANALYSIS_REQUESTS, intake.on_request)
    mesh.consume(INCIDENTS_OPENED, owner.on_incident)
    # Every replica reads every evidence part (its own group), so whichever replica owns an
    # incident's partition of incidents.opened has that incident's evidence, rebalances included.
    replica = re.sub(r"[^A-Za-z0-9._-]", "-", settings.replica_id)[:100] or "replica"
    if re.search(r"-[a-z0-9]{6,10}-[a-z0-9]{5}$", replica):  # <deployment>-<replicaset hash>-<pod suffix>
        log.warning("replica id %s looks like a Deployment pod name: each restart leaves an evidence consumer "
                    "group behind; run llm-analysis as a StatefulSet or set LOGMESH_REPLICA_ID", replica)
    mesh.consume(EVIDENCE_PARTS, owner.on_evidence, group_id=f"{settings.service_name}.evidence.{replica}")
    register_workers(service, analyzer, store, llm, settings)
    register_routes(service, store, settings)
    app = service.asgi()
    app.state.analyzer = analyzer
    app.state.store = store
    return app
