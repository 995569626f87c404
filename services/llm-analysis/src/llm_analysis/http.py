"""REST routes: request an analysis, describe an incident; the request body grammar."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from llm_analysis.adapters.store import SqliteStore
from llm_analysis.api_models import IncidentDetail, IncidentList, IncidentQuery
from llm_analysis.domain import incident_id_for, opening_from_request
from llm_analysis.settings import LlmAnalysisSettings
from logmesh_contracts import AnalysisRequest, K8sRef, stable_id, utcnow
from logmesh_contracts.topics import ANALYSIS_REQUESTS
from logmesh_runtime.auth import principal, tenant
from logmesh_runtime.http import parse_duration, parse_time, query, unavailable
from logmesh_runtime.kafka import PublishUnavailable
from logmesh_runtime.openapi import typed
from logmesh_runtime.service import Service


def register_routes(service: Service, store: SqliteStore, settings: LlmAnalysisSettings) -> None:
    mesh = service.mesh
    @service.route("/api/v1/analyze", methods=["POST"], scope="analyze")
    async def analyze(request: Request) -> Response:
        """Request an analysis of a time range: published as an AnalysisRequest (202 with its incident id)."""
        try:
            body = json.loads(await request.body() or b"{}")
            if isinstance(body, dict):  # the key's org, never the body's
                body["org"] = tenant(request, body.get("org")) or body.get("org")
            event = analysis_request_from_body(body, requested_by="rest")
        except (ValueError, ValidationError) as exc:
            return JSONResponse({"error": "invalid analysis request", "reason": str(exc)[:1000]}, status_code=400)
        try:
            await mesh.publish(ANALYSIS_REQUESTS, event, key=event.event_id)
        except PublishUnavailable:
            return unavailable("broker unavailable", retry_after_s=5)
        incident_id = incident_id_for(opening_from_request(event), settings.correlation_window_s)
        return JSONResponse({"status": "accepted", "event_id": event.event_id, "incident_id": incident_id},
                            status_code=202)

    @service.route("/api/v1/incidents")
    @typed(query=IncidentQuery, response=IncidentList)
    async def incidents(request: Request) -> Response:
        """Incidents this replica owns, newest first, each with its analysis once there is one."""
        q = query(request, IncidentQuery)
        org = tenant(request, q.org)  # the key's org, never another
        try:
            since = utcnow() - parse_duration(q.since) if q.since else None
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        rows = store.list_incidents(status=q.status, org=org, since=since, text=q.q, limit=q.limit)
        return JSONResponse({"count": len(rows), "incidents": rows})

    @service.route("/api/v1/incidents/{incident_id}")
    @typed(response=IncidentDetail)
    async def incident(request: Request) -> JSONResponse:
        """One incident: its state, the evidence parts that arrived and the published analysis."""
        incident_id = request.path_params["incident_id"]
        info = store.describe(incident_id)
        who = principal(request)
        if info is not None and who is not None and store.org_of(incident_id) != who.org:
            info = None  # another org's incident does not exist for this key
        if info is None:
            return JSONResponse({"error": "unknown incident on this replica"}, status_code=404)
        return JSONResponse({**info, "analysis": store.analysis(incident_id), "parts": store.evidence(incident_id)})


def _time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be an ISO-8601 timestamp")
    return parse_time(value, name)


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
