"""HTTP routes: log search and counts, templates, anomalies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from logmesh_contracts import utcnow
from logmesh_runtime.auth import tenant
from logmesh_runtime.http import query
from logmesh_runtime.openapi import typed
from logmesh_runtime.service import Service
from template_matching.api_models import AnomalyQuery, LogQuery, LogSearchQuery, TemplateQuery
from template_matching.handlers import TemplateMatching
from template_matching.ports import LogStore


def register_routes(service: Service, tm: TemplateMatching, store: LogStore) -> None:
    def log_filters(request: Request, q: LogQuery) -> dict[str, Any]:
        end = q.end or utcnow()
        return {
            "start": q.start or end - timedelta(hours=1), "end": end, "org": tenant(request, q.org),
            "service": q.service, "level": q.level, "template_id": q.template_id, "text": q.text,
            "namespace": q.namespace, "pod": q.pod,
        }

    @service.route("/logs/search")
    @typed(query=LogSearchQuery)
    async def search(request: Request) -> Response:
        """Stored log lines, newest first, matching every filter given."""
        q = query(request, LogSearchQuery)
        filters = log_filters(request, q)
        rows = await store.search_logs(limit=q.limit, **filters)
        for row in rows:
            row["ts"] = _iso(row["ts"])
        return JSONResponse({"count": len(rows), "start": filters["start"].isoformat(),
                             "end": filters["end"].isoformat(), "logs": rows})

    @service.route("/logs/count")
    @typed(query=LogQuery)
    async def count(request: Request) -> Response:
        """How many stored lines match, by level."""
        filters = log_filters(request, query(request, LogQuery))
        counts = await store.count_logs(**filters)
        return JSONResponse({**counts, "start": filters["start"].isoformat(), "end": filters["end"].isoformat()})

    @service.route("/templates")
    @typed(query=TemplateQuery)
    async def templates(request: Request) -> Response:
        """Known templates with their counts and whether each is live (not retired by a merge)."""
        q = query(request, TemplateQuery)
        org = tenant(request, q.org)  # the key's org, never another
        rows = await store.list_templates(org=org, service=q.service, limit=q.limit)
        counts = {tid: n for tid, _t, n in tm.registry.engine.templates()}
        for row in rows:
            row["first_seen"], row["updated_at"] = _iso(row["first_seen"]), _iso(row["updated_at"])
            row["live"] = row["template_id"] in tm.registry.live
            row["count"] = max(int(row["count"]), counts.get(row["template_id"], 0))
        return JSONResponse({"count": len(rows), "templates": rows})

    @service.route("/anomalies")
    @typed(query=AnomalyQuery)
    async def anomalies(request: Request) -> Response:
        """Detected anomalies, newest window first."""
        q = query(request, AnomalyQuery)
        rows = await store.list_anomalies(org=tenant(request, q.org), service=q.service, kind=q.kind, limit=q.limit)
        return JSONResponse({"count": len(rows), "anomalies": rows})


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return str(value)
