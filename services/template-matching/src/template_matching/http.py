"""HTTP routes: log search and counts, templates, anomalies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from logmesh_contracts import utcnow
from logmesh_runtime.auth import WrongOrg, forbidden_org, tenant
from logmesh_runtime.http import parse_time
from logmesh_runtime.service import Service
from template_matching.domain import LEVELS
from template_matching.handlers import TemplateMatching
from template_matching.ports import LogStore


def register_routes(service: Service, tm: TemplateMatching, store: LogStore) -> None:
    def log_filters(request: Request) -> dict[str, Any]:
        q = request.query_params
        end = _time(q.get("end")) or utcnow()
        level = q.get("level")
        if level is not None and level.upper() not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        return {
            "start": _time(q.get("start")) or end - timedelta(hours=1), "end": end, "org": tenant(request, q.get("org")),
            "service": q.get("service"), "level": level.upper() if level else None,
            "template_id": q.get("template_id"), "text": q.get("text"), "namespace": q.get("namespace"),
            "pod": q.get("pod"),
        }

    @service.route("/logs/search")
    async def search(request: Request) -> Response:
        try:
            filters = log_filters(request)
            limit = _limit(request.query_params.get("limit"), 100, 1000)
        except WrongOrg as exc:
            return forbidden_org(exc)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        rows = await store.search_logs(limit=limit, **filters)
        for row in rows:
            row["ts"] = _iso(row["ts"])
        return JSONResponse({"count": len(rows), "start": filters["start"].isoformat(),
                             "end": filters["end"].isoformat(), "logs": rows})

    @service.route("/logs/count")
    async def count(request: Request) -> Response:
        try:
            filters = log_filters(request)
        except WrongOrg as exc:
            return forbidden_org(exc)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        counts = await store.count_logs(**filters)
        return JSONResponse({**counts, "start": filters["start"].isoformat(), "end": filters["end"].isoformat()})

    @service.route("/templates")
    async def templates(request: Request) -> Response:
        q = request.query_params
        try:
            limit = _limit(q.get("limit"), 200, 10_000)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        try:
            org = tenant(request, q.get("org"))  # the key's org, never another
        except WrongOrg as exc:
            return forbidden_org(exc)
        rows = await store.list_templates(org=org, service=q.get("service"), limit=limit)
        counts = {tid: n for tid, _t, n in tm.registry.engine.templates()}
        for row in rows:
            row["first_seen"], row["updated_at"] = _iso(row["first_seen"]), _iso(row["updated_at"])
            row["live"] = row["template_id"] in tm.registry.live
            row["count"] = max(int(row["count"]), counts.get(row["template_id"], 0))
        return JSONResponse({"count": len(rows), "templates": rows})

    @service.route("/anomalies")
    async def anomalies(request: Request) -> Response:
        q = request.query_params
        try:
            limit = _limit(q.get("limit"), 50, 1000)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        try:
            org = tenant(request, q.get("org"))
        except WrongOrg as exc:
            return forbidden_org(exc)
        rows = await store.list_anomalies(org=org, service=q.get("service"), kind=q.get("kind"), limit=limit)
        return JSONResponse({"count": len(rows), "anomalies": rows})


def _time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None  # naive times are UTC


def _limit(value: str | None, default: int, ceiling: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= ceiling:
        raise ValueError(f"limit must be an integer from 1 to {ceiling}")
    return int(value)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return str(value)
