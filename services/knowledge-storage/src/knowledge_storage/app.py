"""The only wiring: service, case base, consumers, HTTP routes, background loops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from knowledge_storage.cases import CaseBase, open_case_base
from knowledge_storage.handlers import Handlers
from knowledge_storage.ports import Embedder
from knowledge_storage.settings import KnowledgeStorageSettings
from logmesh_contracts.topics import ANALYSIS_RESULTS, FEEDBACK, INCIDENTS_OPENED
from logmesh_runtime.auth import principal
from logmesh_runtime.kafka import TransientError
from logmesh_runtime.service import Service

log = logging.getLogger(__name__)

_MAX_IMPORT_BYTES = 256 * 1024 * 1024


def create_app(settings: KnowledgeStorageSettings, embedder: Embedder | None = None) -> Starlette:
    service = Service(settings)
    handlers = Handlers(service, settings)
    service.mesh.consume(ANALYSIS_RESULTS, handlers.on_result)
    service.mesh.consume(FEEDBACK, handlers.on_feedback)
    service.mesh.consume(INCIDENTS_OPENED, handlers.on_incident)

    async def try_open() -> bool:
        try:
            cases = await asyncio.to_thread(open_case_base, settings, embedder)
            stale = await asyncio.to_thread(cases.ensure_schema)
        except Exception as exc:  # a server or embedding endpoint not up yet: the loop keeps trying
            log.warning("case base not available: %r", exc)
            return False
        handlers.cases, handlers.stale = cases, stale
        handlers.ready.set()
        return True

    @service.on_startup
    async def open_before_consuming() -> None:
        await try_open()

    @service.background
    async def open_and_migrate() -> None:
        """Open the store if start-up could not (retrying while it is down), then re-embed other models' cases."""
        attempt = 0
        while not handlers.ready.is_set() and not await try_open():
            attempt += 1
            await asyncio.sleep(min(30.0, 0.5 * 2 ** min(attempt, 6)))
        assert handlers.cases is not None
        if handlers.stale:
            handlers.reembedding = {}
            handlers.reembedding = await asyncio.to_thread(handlers.cases.reembed, handlers.stale,
                                                           settings.embedding_batch)
        handlers.metrics.publish_stats(await asyncio.to_thread(handlers.cases.stats))

    @service.background
    async def prune_loop() -> None:
        await handlers.ready.wait()
        while True:
            with contextlib.suppress(TransientError):
                gone = await handlers.call(handlers.case_base().prune, settings.retention_days)
                if gone:
                    log.info("pruned %d case(s) older than %s days", len(gone), settings.retention_days)
            await asyncio.sleep(settings.prune_interval_s)

    @service.background
    async def stats_loop() -> None:
        await handlers.ready.wait()
        while True:
            await asyncio.sleep(settings.stats_log_interval_s)
            with contextlib.suppress(Exception):
                stats = await handlers.call(handlers.case_base().stats)
                handlers.metrics.publish_stats(stats)
                log.info("case accuracy", extra={"stats": stats})

    async def case_base_check() -> tuple[bool, str]:
        if handlers.cases is None:
            return False, "opening the case base"
        detail = handlers.cases.store.cases
        if handlers.reembedding == {}:
            detail += " (re-embedding older cases)"
        return True, detail

    service.readiness_check("case-base", case_base_check)

    def unavailable() -> JSONResponse:
        return JSONResponse({"error": "case base not open yet"}, status_code=503, headers={"Retry-After": "2"})

    def opened() -> CaseBase | None:
        return handlers.cases if handlers.ready.is_set() else None

    def caller_org(request: Request) -> str | None:
        who = principal(request)
        return who.org if who is not None else None

    @service.route("/stats")
    async def stats(_request: Request) -> Response:
        if (cases := opened()) is None:
            return unavailable()
        data = await asyncio.to_thread(cases.stats)
        handlers.metrics.publish_stats(data)
        return JSONResponse(data)

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

    @service.on_shutdown
    async def close_store() -> None:
        if handlers.cases is not None:
            await asyncio.to_thread(handlers.cases.store.close)

    app = service.asgi()
    app.state.handlers = handlers
    return app
