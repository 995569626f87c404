"""The only wiring: Service, Kubernetes adapter, watches, consumers, routes, checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.applications import Starlette

from cluster_watching.buffer import ContextBuffer
from cluster_watching.controller import JobController
from cluster_watching.domain import Deduplicator, Detector
from cluster_watching.evidence import EvidenceCollector
from cluster_watching.handlers import Handlers
from cluster_watching.http import ClusterApi
from cluster_watching.metrics import ClusterMetrics
from cluster_watching.settings import ClusterWatchingSettings
from cluster_watching.workers import LazyKubernetes, Runtime, register_workers
from logmesh_contracts.topics import ANALYSIS_RESULTS, INCIDENTS_OPENED
from logmesh_runtime.service import Service


def create_app(settings: ClusterWatchingSettings) -> Starlette:
    service = Service(settings)
    runtime = Runtime(settings)
    buffer = ContextBuffer(timedelta(seconds=settings.buffer_retention_s), settings.buffer_max_snapshots,
                           settings.buffer_max_events)
    detector = Detector(Deduplicator(timedelta(seconds=settings.dedup_window_s)), settings.pending_after_s,
                        settings.cluster_name)
    kubernetes: Any = LazyKubernetes(runtime)
    collector = EvidenceCollector(kubernetes, buffer, settings.evidence_log_lines, settings.evidence_max_bytes,
                                  settings.evidence_item_bytes)
    metrics = ClusterMetrics(service.metrics.registry, buffer, lambda: runtime.reflectors)
    controller = JobController(kubernetes, lambda r: handlers.publish_request(r), lambda: handlers.clock(),
                               on_phase=lambda phase: metrics.jobs.labels(phase=phase).inc())
    handlers = Handlers(service.mesh, kubernetes, buffer, detector, collector, controller,
                        timedelta(seconds=settings.max_event_age_s), timedelta(seconds=settings.evidence_stale_s),
                        metrics=metrics)
    register_workers(service, runtime, handlers, settings)
    service.mesh.consume(INCIDENTS_OPENED, handlers.on_incident)
    service.mesh.consume(ANALYSIS_RESULTS, handlers.on_result)

    api = ClusterApi(buffer, lambda: runtime.kubernetes, lambda: runtime.reflectors, lambda: handlers.clock())
    for path, endpoint in api.routes():
        service.route(path)(endpoint)

    app = service.asgi()
    app.state.handlers = handlers
    app.state.runtime = runtime
    app.state.buffer = buffer
    return app
