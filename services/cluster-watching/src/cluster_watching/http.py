"""Read-only REST API over the context buffer (and pod logs through the Kubernetes API)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cluster_watching.buffer import ContextBuffer
from cluster_watching.domain import parse_duration, parse_time
from cluster_watching.evidence import redact
from cluster_watching.ports import Kubernetes, KubernetesUnavailable
from cluster_watching.reflector import Reflector
from logmesh_contracts import utcnow


class BadRequest(ValueError):
    pass


def _when(value: str | None, name: str, now: datetime) -> datetime | None:
    """An RFC 3339 time, or a duration before now (``15m``, ``2h``)."""
    if not value:
        return None
    when = parse_time(value)
    if when is not None:
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    try:
        return now - parse_duration(value)
    except ValueError:
        raise BadRequest(f"{name}: {value!r} is neither an RFC 3339 time nor a duration like 15m") from None


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name}: {value!r} is not an integer") from None
    if not low <= number <= high:
        raise BadRequest(f"{name}: must be in {low}..{high}")
    return number


def bad(reason: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


class ClusterApi:
    def __init__(self, buffer: ContextBuffer, kubernetes: Callable[[], Kubernetes],
                 reflectors: Callable[[], list[Reflector]], clock: Callable[[], datetime] = utcnow) -> None:
        self.buffer = buffer
        self.kubernetes = kubernetes
        self.reflectors = reflectors
        self.clock = clock

    def routes(self) -> list[tuple[str, Any]]:
        return [
            ("/cluster/health", self.health),
            ("/cluster/status", self.status),
            ("/cluster/pods", self.pods),
            ("/cluster/events", self.events),
            ("/cluster/buffer", self.buffer_stats),
            ("/cluster/pods/{namespace}/{name}/logs", self.pod_logs),
            ("/cluster/pods/{namespace}/{name}/history", self.pod_history),
        ]

    async def connection(self) -> dict[str, Any]:
        kubernetes = self.kubernetes()
        if not kubernetes.configured:
            return {"configured": False, "connected": False, "detail": "not configured"}
        try:
            version = await kubernetes.version()
        except KubernetesUnavailable as exc:
            return {"configured": True, "connected": False, "detail": str(exc), "server": kubernetes.description}
        return {"configured": True, "connected": True, "version": version, "server": kubernetes.description}

    async def health(self, _request: Request) -> Response:
        connection = await self.connection()
        watches = {f"{r.kind}/{r.namespace or '*'}": r.stats.as_dict() for r in self.reflectors()}
        healthy = not connection["configured"] or connection["connected"]
        return JSONResponse({"status": "ok" if healthy else "degraded", "kubernetes": connection,
                             "watches": watches, "buffer": self.buffer.stats()}, status_code=200 if healthy else 503)

    async def status(self, _request: Request) -> Response:
        pods = self.buffer.pods()
        phases: dict[str, int] = {}
        for pod in pods:
            phases[pod["phase"] or "Unknown"] = phases.get(pod["phase"] or "Unknown", 0) + 1
        unhealthy = [p for p in pods if not p["ready"] and p["phase"] != "Succeeded"]
        recent = self.buffer.query_events(limit=50)
        nodes = [
            {"name": name, "conditions": {c.get("type"): c.get("status")
                                          for c in (node.get("status") or {}).get("conditions") or []}}
            for (_, name), node in sorted(self.buffer.current.get("nodes", {}).items())
        ]
        return JSONResponse({"pods": {"total": len(pods), "by_phase": phases, "unhealthy": unhealthy[:100]},
                             "nodes": nodes, "recent_events": [e.as_dict() for e in recent]})

    async def pods(self, request: Request) -> Response:
        query = request.query_params
        pods = self.buffer.pods(query.get("namespace") or None, query.get("phase") or None)
        return JSONResponse({"count": len(pods), "pods": pods})

    async def events(self, request: Request) -> Response:
        query = request.query_params
        now = self.clock()
        try:
            start = _when(query.get("since"), "since", now)
            end = _when(query.get("until"), "until", now)
            limit = _int(query.get("limit"), "limit", 500, 1, 10_000)
        except BadRequest as exc:
            return bad(str(exc))
        found = self.buffer.query_events(start, end, query.get("type") or None, query.get("reason") or None,
                                         query.get("namespace") or None, query.get("name") or None,
                                         query.get("kind") or None, limit)
        return JSONResponse({"count": len(found), "events": [e.as_dict() for e in found]})

    async def buffer_stats(self, _request: Request) -> Response:
        return JSONResponse(self.buffer.stats())

    async def pod_history(self, request: Request) -> Response:
        ns, name = request.path_params["namespace"], request.path_params["name"]
        history = self.buffer.pod_history(ns, name)
        events = self.buffer.query_events(namespace=ns, name=name, kind="Pod")
        if not history and not events:
            return bad(f"no history for pod {ns}/{name} in the buffer", 404)
        return JSONResponse({"namespace": ns, "name": name, "snapshots": [s.as_dict() for s in history],
                             "events": [e.as_dict() for e in events]})

    async def pod_logs(self, request: Request) -> Response:
        ns, name = request.path_params["namespace"], request.path_params["name"]
        query = request.query_params
        try:
            tail = _int(query.get("tail"), "tail", 100, 1, 5000)
        except BadRequest as exc:
            return bad(str(exc))
        previous = (query.get("previous") or "").lower() in ("1", "true", "yes")
        kubernetes = self.kubernetes()
        if not kubernetes.configured:
            return bad("kubernetes not configured", 503)
        try:
            pod = await kubernetes.get("pods", ns, name)
            if pod is None:
                return bad(f"pod {ns}/{name} not found", 404)
            containers = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
            container = query.get("container") or (containers[0] if len(containers) == 1 else None)
            if container not in containers:
                return bad(f"container must be one of {containers}")
            text = await kubernetes.pod_log(ns, name, container, tail=tail, previous=previous)
        except KubernetesUnavailable as exc:
            return bad(f"kubernetes unavailable: {exc}", 503)
        lines = [redact(line) for line in text.splitlines()]
        return JSONResponse({"namespace": ns, "pod": name, "container": container, "previous": previous,
                             "lines": lines})
