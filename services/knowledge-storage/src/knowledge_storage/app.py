"""The only wiring: service, handlers, consumers, routes, background work."""

from __future__ import annotations

from starlette.applications import Starlette

from knowledge_storage.handlers import Handlers
from knowledge_storage.http import register_routes
from knowledge_storage.ports import Embedder
from knowledge_storage.settings import KnowledgeStorageSettings
from knowledge_storage.workers import register_workers
from logmesh_contracts.topics import ANALYSIS_RESULTS, FEEDBACK, INCIDENTS_OPENED
from logmesh_runtime.service import Service


def create_app(settings: KnowledgeStorageSettings, embedder: Embedder | None = None) -> Starlette:
    service = Service(settings)
    handlers = Handlers(service, settings)
    service.mesh.consume(ANALYSIS_RESULTS, handlers.on_result)
    service.mesh.consume(FEEDBACK, handlers.on_feedback)
    service.mesh.consume(INCIDENTS_OPENED, handlers.on_incident)
    register_workers(service, handlers, settings, embedder)
    register_routes(service, handlers, settings)
    app = service.asgi()
    app.state.handlers = handlers
    return app
