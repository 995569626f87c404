"""Background work: connect to Kubernetes at start, run the watches, sweep, report readiness."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from cluster_watching.adapters.kubernetes import NotConfiguredKubernetes, connect
from cluster_watching.handlers import Handlers
from cluster_watching.ports import Kubernetes, KubernetesUnavailable
from cluster_watching.reflector import Reflector
from cluster_watching.settings import ClusterWatchingSettings
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


class LazyKubernetes:
    """The adapter is created at startup; consumers and routes built before reach it through this."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runtime.kubernetes, name)


def register_workers(service: Service, runtime: Runtime, handlers: Handlers, settings: ClusterWatchingSettings) -> None:
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
