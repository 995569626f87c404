"""The only wiring: store, LLM adapter, consumers, the analysis worker, REST routes."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter, Histogram
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from llm_analysis.adapters.recovery import find_orphans
from llm_analysis.adapters.store import SqliteStore
from llm_analysis.analyzer import Analyzer
from llm_analysis.domain import incident_id_for, opening_from_request
from llm_analysis.handlers import IntakeHandlers, OwnerHandlers
from llm_analysis.ports import LlmClient
from llm_analysis.settings import LlmAnalysisSettings
from logmesh_contracts import (
    AnalysisProgress,
    AnalysisRequest,
    AnalysisResult,
    Incident,
    IncidentResolved,
    K8sRef,
    LlmCall,
    stable_id,
    utcnow,
)
from logmesh_contracts.topics import (
    ALERTS_RECEIVED,
    ANALYSIS_PROGRESS,
    ANALYSIS_REQUESTS,
    ANALYSIS_RESULTS,
    CLUSTER_EVENTS,
    EVIDENCE_PARTS,
    INCIDENTS_OPENED,
    INCIDENTS_RESOLVED,
    LLM_AUDIT,
    LOGS_ANOMALIES,
)
from logmesh_runtime.auth import WrongOrg, forbidden_org, principal, tenant
from logmesh_runtime.kafka import PublishUnavailable
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

    registry = service.metrics.registry
    analyses = Counter("logmesh_analyses_total", "Analyses published", ["status", "category"], registry=registry)
    tokens = Counter("logmesh_llm_tokens_total", "LLM tokens used", ["model", "kind"], registry=registry)
    cost = Counter("logmesh_llm_cost_usd_total", "LLM cost in USD (litellm's price map or configured prices)",
                   ["model"], registry=registry)
    analysis_seconds = Histogram("logmesh_analysis_seconds", "Incident opened to analysis published, by stage",
                                 ["stage"], buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300), registry=registry)

    async def publish_result(event: AnalysisResult) -> None:
        await mesh.publish(ANALYSIS_RESULTS, event, key=event.incident_id)
        analyses.labels(status=event.status, category=event.category).inc()
        if event.model:
            tokens.labels(model=event.model, kind="prompt").inc(event.prompt_tokens)
            tokens.labels(model=event.model, kind="completion").inc(event.completion_tokens)
            cost.labels(model=event.model).inc(event.cost_usd)
        for stage, ms in event.latencies_ms.items():
            analysis_seconds.labels(stage=stage).observe(ms / 1000)

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
    mesh.consume(EVIDENCE_PARTS, owner.on_evidence, group_id=f"{settings.service_name}.evidence.{replica}")
    service.background(analyzer.run)

    async def adopt_orphans() -> None:
        """Watch this replica's incidents.opened assignment; adopt unanalysed incidents of new partitions."""
        topic = mesh.topic_name(INCIDENTS_OPENED)
        owned: set[int] = set()
        while settings.recover_lookback_s > 0:
            await asyncio.sleep(1.0)
            assigned = {tp.partition for _, tp in mesh.assignments() if tp.topic == topic}
            new, owned = assigned - owned, assigned
            if not new:
                continue
            try:
                orphans = await find_orphans(
                    settings.kafka_bootstrap, topic, mesh.topic_name(ANALYSIS_RESULTS), new,
                    utcnow() - timedelta(seconds=settings.recover_lookback_s))
            except Exception:  # the broker is unreachable: retry with the next assignment check
                log.warning("orphan scan failed", exc_info=True)
                owned -= new
                continue
            adopted = [i for i in orphans if not store.known(i.incident_id)]
            for incident in adopted:
                store.upsert_incident(incident, utcnow())
            if adopted:
                log.info("adopted %d unanalysed incident(s) from partitions %s", len(adopted), sorted(new))
                analyzer.wake()

    service.background(adopt_orphans)

    async def close() -> None:
        if llm is not None:
            await llm.close()
        store.close()

    service.on_shutdown(close)

    async def llm_check() -> tuple[bool, str]:
        return True, "deterministic tier" if llm is None else f"{len(settings.models())} model(s) configured"

    service.readiness_check("llm", llm_check)

    @service.route("/api/v1/analyze", methods=["POST"], scope="analyze")
    async def analyze(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
            if isinstance(body, dict):
                body["org"] = tenant(request, body.get("org")) or body.get("org")
            event = analysis_request_from_body(body, requested_by="rest")
        except WrongOrg as exc:
            return forbidden_org(exc)
        except (ValueError, ValidationError) as exc:
            return JSONResponse({"error": "invalid analysis request", "reason": str(exc)[:1000]}, status_code=400)
        try:
            await mesh.publish(ANALYSIS_REQUESTS, event, key=event.event_id)
        except PublishUnavailable:
            return JSONResponse({"error": "broker unavailable"}, status_code=503, headers={"Retry-After": "5"})
        incident_id = incident_id_for(opening_from_request(event), settings.correlation_window_s)
        return JSONResponse({"status": "accepted", "event_id": event.event_id, "incident_id": incident_id},
                            status_code=202)

    @service.route("/api/v1/incidents/{incident_id}")
    async def incident(request: Request) -> JSONResponse:
        info = store.describe(request.path_params["incident_id"])
        who = principal(request)
        if info is not None and who is not None and store.org_of(request.path_params["incident_id"]) != who.org:
            info = None  # another org's incident does not exist for this key
        if info is None:
            return JSONResponse({"error": "unknown incident on this replica"}, status_code=404)
        return JSONResponse(info)

    app = service.asgi()
    app.state.analyzer = analyzer
    app.state.store = store
    return app


_DURATION = re.compile(r"^(\d+)([smhd])$")  # e.g. 30m, 2h, 1d


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"duration {text!r} must look like 30s, 15m, 2h or 1d")
    value, unit = int(match.group(1)), match.group(2)
    return timedelta(seconds=value * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit])


def _time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be an ISO-8601 timestamp")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _selector(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        pairs = [p.strip() for p in value.split(",") if p.strip()]
        if not all("=" in p for p in pairs):
            raise ValueError("pod_selector must be 'key=value,key2=value2' or an object")
        return dict(p.split("=", 1) for p in pairs)
    raise ValueError("pod_selector must be a string or an object")


def analysis_request_from_body(body: Any, *, requested_by: str, now: datetime | None = None) -> AnalysisRequest:
    """REST/CLI input -> AnalysisRequest. Accepts start/end or since (default 30m)."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    now = now or utcnow()
    end = _time(body["end"], "end") if body.get("end") else now
    start = _time(body["start"], "start") if body.get("start") else end - parse_duration(str(body.get("since", "30m")))
    if start >= end:
        raise ValueError("start must be before end")
    severity = body.get("severity") or body.get("severities") or []
    severities = [severity] if isinstance(severity, str) else list(severity)
    target = K8sRef(namespace=body.get("namespace"), pod=body.get("pod"), service=body.get("service"),
                    node=body.get("node"), container=body.get("container"), cluster=body.get("cluster"))
    identity = body.get("request_id") or stable_id(requested_by, json.dumps(body, sort_keys=True, default=str),
                                                   now.isoformat())
    return AnalysisRequest(
        event_id=stable_id("analysis-request", requested_by, identity),
        requested_by=str(body.get("requested_by") or requested_by)[:200],
        requested_at=now,
        window_start=start,
        window_end=end,
        target=target,
        pod_selector=_selector(body.get("pod_selector")),
        severities=[str(s) for s in severities],
        analysis_type=body.get("analysis_type", "root-cause"),
        query=body.get("query"),
        max_tokens=body.get("max_tokens"),
        temperature=body.get("temperature"),
        org=str(body.get("org") or "default"),
    )
