"""The only wiring: Service, Kubernetes adapter, watches, consumers, routes, checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route

from cluster_watching.adapters.kubernetes import NotConfiguredKubernetes, connect
from cluster_watching.api import ClusterApi
from cluster_watching.buffer import ContextBuffer
from cluster_watching.controller import JobController
from cluster_watching.domain import Deduplicator, Detector
from cluster_watching.evidence import EvidenceCollector
from cluster_watching.handlers import Handlers
from cluster_watching.metrics import ClusterMetrics
from cluster_watching.ports import Kubernetes, KubernetesUnavailable
from cluster_watching.reflector import Reflector
from cluster_watching.settings import ClusterWatchingSettings
from logmesh_contracts.topics import ANALYSIS_RESULTS, INCIDENTS_OPENED
from logmesh_runtime.service import Service

log = logging.getLogger(__name__)

WATCHED = ("nodes", "pods", "events")  # nodes first: pod events can refer to them


class Runtime:
    """What the wiring shares: the Kubernetes adapter (connected at startup) and the watches."""

    def __init__(self, settings: ClusterWatchingSettings) -> None:
        self.settings = settings
        self.kubernetes: Kubernetes = NotConfiguredKubernetes()
        self.reflectors: list[Reflector] = []
        self.stop = asyncio.Event()


def create_app(settings: ClusterWatchingSettings) -> Starlette:
    service = Service(settings)
    runtime = Runtime(settings)
    buffer = ContextBuffer(timedelta(seconds=settings.buffer_retention_s), settings.buffer_max_snapshots,
                           settings.buffer_max_events)
    detector = Detector(Deduplicator(timedelta(seconds=settings.dedup_window_s)), settings.pending_after_s,
                        settings.cluster_name)

    class LazyKubernetes:
        """The adapter is created at startup; consumers and routes built now reach it through this."""

        def __getattr__(self, name: str) -> Any:
            return getattr(runtime.kubernetes, name)

    kubernetes: Any = LazyKubernetes()
    collector = EvidenceCollector(kubernetes, buffer, settings.evidence_log_lines, settings.evidence_max_bytes,
                                  settings.evidence_item_bytes)
    metrics = ClusterMetrics(service.metrics.registry, buffer, lambda: runtime.reflectors)
    controller = JobController(kubernetes, lambda r: handlers.publish_request(r), lambda: handlers.clock(),
                               on_phase=lambda phase: metrics.jobs.labels(phase=phase).inc())
    handlers = Handlers(service.mesh, kubernetes, buffer, detector, collector, controller,
                        timedelta(seconds=settings.max_event_age_s), timedelta(seconds=settings.evidence_stale_s),
                        metrics=metrics)

    @service.on_startup
    async def connect_kubernetes() -> None:
        runtime.kubernetes = await connect(settings.kubeconfig, settings.kube_context, settings.request_timeout_s)
        log.info("kubernetes: %s", runtime.kubernetes.description)
        if not runtime.kubernetes.configured:
            return
        namespaces: list[str | None] = list(settings.watch_namespaces) or [None]
        kinds = [*WATCHED, "loganalysisjobs"] if settings.controller_enabled else list(WATCHED)
        for kind in kinds:
            for namespace in [None] if kind == "nodes" else namespaces:
                runtime.reflectors.append(Reflector(
                    runtime.kubernetes, kind, namespace, handlers.on_kubernetes, settings.watch_timeout_s,
                    settings.watch_backoff_s, settings.watch_backoff_max_s,
                ))

    @service.background
    async def watch_cluster() -> None:
        if not runtime.reflectors:
            return
        await asyncio.gather(*(r.run(runtime.stop) for r in runtime.reflectors))

    @service.background
    async def sweep() -> None:
        while True:
            await asyncio.sleep(settings.sweep_interval_s)
            try:
                await handlers.sweep()
            except Exception:
                log.exception("sweep failed")

    @service.on_shutdown
    async def disconnect() -> None:
        runtime.stop.set()
        with contextlib.suppress(Exception):
            await runtime.kubernetes.close()

    service.mesh.consume(INCIDENTS_OPENED, handlers.on_incident)
    service.mesh.consume(ANALYSIS_RESULTS, handlers.on_result)

    api = ClusterApi(buffer, lambda: runtime.kubernetes, lambda: runtime.reflectors, lambda: handlers.clock())
    for path, endpoint in api.routes():
        service.routes.append(Route(path, endpoint, methods=["GET"]))

    async def kubernetes_check() -> tuple[bool, str]:
        if not runtime.kubernetes.configured:
            return True, "not configured"
        try:
            version = await runtime.kubernetes.version()
        except KubernetesUnavailable as exc:
            return False, str(exc)
        synced = sum(1 for r in runtime.reflectors if r.stats.synced)
        return True, f"{runtime.kubernetes.description} {version}; {synced}/{len(runtime.reflectors)} watches synced"

    service.readiness_check("kubernetes", kubernetes_check)
    app = service.asgi()
    app.state.handlers = handlers
    app.state.runtime = runtime
    app.state.buffer = buffer
    return app
