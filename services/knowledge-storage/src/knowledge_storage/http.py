"""HTTP routes: the case base's stats, export/import, prune, and one case by id."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from knowledge_storage.api_models import CaseSearchQuery, CaseSearchResult
from knowledge_storage.cases import CaseBase
from knowledge_storage.handlers import Handlers
from knowledge_storage.settings import KnowledgeStorageSettings
from logmesh_runtime import http
from logmesh_runtime.auth import principal, tenant
from logmesh_runtime.openapi import typed
from logmesh_runtime.service import Service

_MAX_IMPORT_BYTES = 256 * 1024 * 1024


def register_routes(service: Service, handlers: Handlers, settings: KnowledgeStorageSettings) -> None:
    def unavailable() -> JSONResponse:
        return http.unavailable("case base not open yet", retry_after_s=2)

    def opened() -> CaseBase | None:
        return handlers.cases if handlers.ready.is_set() else None

    @service.route("/stats")
    async def stats(_request: Request) -> Response:
        if (cases := opened()) is None:
            return unavailable()
        data = await asyncio.to_thread(cases.stats)
        handlers.metrics.publish_stats(data)
        return JSONResponse(data)

    def caller_org(request: Request) -> str | None:
        who = principal(request)  # with API keys on: the key's org, and only its cases
        return who.org if who is not None else None

    @service.route("/cases/export")
    async def export(request: Request) -> Response:
        if (cases := opened()) is None:
            return unavailable()
        org = caller_org(request)
        lines = await asyncio.to_thread(lambda: list(cases.export_lines(org)))
        return StreamingResponse((line + "\n" for line in lines), media_type="application/x-ndjson")

    @service.route("/cases/import", methods=["POST"])
    async def import_(request: Request) -> Response:
        if (cases := opened()) is None:
            return unavailable()
        body = await request.body()
        if len(body) > _MAX_IMPORT_BYTES:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            text = body.decode("utf-8")
            org = caller_org(request)
            counts = await asyncio.to_thread(lambda: cases.import_lines(text.splitlines(), org=org))
        except (UnicodeDecodeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(counts)

    @service.route("/cases/prune", methods=["POST"])
    async def prune(request: Request) -> Response:
        if (cases := opened()) is None:
            return unavailable()
        raw = request.query_params.get("older_than_days", str(settings.retention_days))
        try:
            days = float(raw)
        except ValueError:
            return JSONResponse({"error": f"older_than_days must be a number, got {raw!r}"}, status_code=400)
        gone = await asyncio.to_thread(cases.prune, days, datetime.now(UTC), caller_org(request))
        return JSONResponse({"pruned": gone})

    @service.route("/cases/search")
    @typed(query=CaseSearchQuery, response=CaseSearchResult)
    async def search(request: Request) -> Response:
        """Validated cases closest to a free-text question, most similar first."""
        if (cases := opened()) is None:
            return unavailable()
        q = http.query(request, CaseSearchQuery)
        org = tenant(request, q.org)  # the key's org, never another
        hits = await asyncio.to_thread(cases.search_text, q.q.strip(), org=org, limit=q.limit, threshold=q.threshold)
        return JSONResponse({"count": len(hits), "cases": [{"score": round(h.score, 4), **h.payload} for h in hits]})

    @service.route("/cases/{incident_id}", methods=["GET", "DELETE"])  # DELETE needs admin, GET read
    async def case(request: Request) -> Response:
        if (cases := opened()) is None:
            return unavailable()
        incident_id = request.path_params["incident_id"]
        org = caller_org(request)
        if org is not None:  # another org's case does not exist for this key
            owned = await asyncio.to_thread(cases.get, incident_id)
            if owned is None or owned.get("org", "default") != org:
                return JSONResponse({"error": f"no case {incident_id!r}"}, status_code=404)
        if request.method == "DELETE":
            deleted = await asyncio.to_thread(cases.delete, incident_id)
            if not deleted:
                return JSONResponse({"error": f"no case {incident_id!r}"}, status_code=404)
            return JSONResponse({"deleted": incident_id})
        found = await asyncio.to_thread(cases.get, incident_id)
        if found is None:
            return JSONResponse({"error": f"no case {incident_id!r}"}, status_code=404)
        return JSONResponse(found)
