"""The service shell: mesh connection, HTTP endpoints, lifecycle and graceful shutdown.

A service's ``create_app(settings)`` builds a ``Service``, registers its consumers and
routes on it, and returns ``service.asgi()``; ``__main__`` hands that to ``serve``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from logmesh_runtime import openapi
from logmesh_runtime.auth import KeyStore, already_checked, guard
from logmesh_runtime.http import Authenticator, allow_everyone, guarded
from logmesh_runtime.kafka import Mesh
from logmesh_runtime.logs import configure_logging
from logmesh_runtime.metrics import Metrics
from logmesh_runtime.settings import ServiceSettings
from logmesh_runtime.telemetry import create_tracer_provider

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[tuple[bool, str]]]
Hook = Callable[[], Awaitable[None]]


STOP_STEP_S = 10.0  # what each shutdown step gets beyond the handlers' grace (flush, leave the group, close)


async def _bounded(step: Awaitable[None], what: str, timeout_s: float) -> None:
    """Run one shutdown step for at most ``timeout_s``; a failure or an overrun is logged, not raised."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=timeout_s)
    if not done:
        _log_stuck(task, what)
    elif not task.cancelled() and task.exception() is not None:
        log.error("stopping %s failed", what, exc_info=task.exception())


def _log_stuck(task: asyncio.Future[Any], what: str) -> None:
    """Name where an overrunning step waits, then cancel it (it may not stop: it is left behind)."""
    places = []
    awaited = task.get_coro() if isinstance(task, asyncio.Task) else None
    while awaited is not None:  # the chain of awaits down to the innermost coroutine (a task's stack shows one frame)
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is not None:
            places.append(f"{frame.f_code.co_name} ({frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno})")
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    log.error("%s did not stop in time; left behind, waiting in %s", what, " -> ".join(places) or "an unknown place")
    task.cancel()


class Service:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.metrics = Metrics(settings.service_name)
        self.tracer_provider, self.span_exporter = create_tracer_provider(settings)
        self.tracer = self.tracer_provider.get_tracer(settings.service_name)
        self.mesh = Mesh(settings, self.metrics, self.tracer_provider)
        self.routes: list[BaseRoute] = []
        self._checks: dict[str, Check] = {}
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self._background: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.started_at: float | None = None
        self.ready = False
        # The API-key seam: replace before serving; every ``route`` asks it who is calling.
        self.authenticator: Authenticator = allow_everyone
        self.owns_process = False  # set by ``serve``: process-wide tuning (the collector) is ours to do
        self.keys = KeyStore(settings.key_store_path) if settings.auth == "keys" else None
        if self.keys is not None:  # the key check in ``asgi`` already found the caller
            self.authenticator = already_checked
        self._scopes: dict[str, str] = {}
        self._public: set[str] = set()

    # registration ---------------------------------------------------------
    def route(self, path: str, methods: list[str] | None = None, *, scope: str | None = None) -> Callable[[Any], Any]:
        """Register a route: its caller is authenticated first (``self.authenticator``), and an
        ``HttpError`` raised under it is answered as JSON. With API keys on (``LOGMESH_AUTH=keys``)
        every route also needs a key with ``scope`` (default: read for GET, admin otherwise)."""

        def register(endpoint: Any) -> Any:
            self.routes.append(Route(path, guarded(endpoint, lambda: self.authenticator), methods=methods or ["GET"]))
            if scope is not None:
                self.require(path, scope)
            return endpoint

        return register

    def require(self, path: str, scope: str) -> None:
        """The scope a route needs (for routes added to ``routes`` directly)."""
        self._scopes[path] = scope

    def public(self, path: str) -> None:
        """A route that authenticates itself (signed Slack callbacks): no API key asked."""
        self._public.add(path)

    def _guarded(self, route: BaseRoute) -> BaseRoute:
        if self.keys is None or not isinstance(route, Route) or route.path in self._public:
            return route
        scope = self._scopes.get(route.path)  # None: read for GET/HEAD, admin for the rest
        return Route(route.path, guard(route.endpoint, scope, self.keys), methods=list(route.methods or ["GET"]),
                     name=route.name)

    def readiness_check(self, name: str, check: Check) -> None:
        self._checks[name] = check

    def on_startup(self, hook: Hook) -> Hook:
        self._startup.append(hook)
        return hook

    def on_shutdown(self, hook: Hook) -> Hook:
        self._shutdown.append(hook)
        return hook

    def background(self, loop: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], Coroutine[Any, Any, None]]:
        """A long-running coroutine started after the broker and cancelled on shutdown."""
        self._background.append(loop)
        return loop

    # lifecycle ------------------------------------------------------------
    async def start(self) -> None:
        await self.mesh.start_producer()
        for hook in self._startup:
            await hook()
        await self.mesh.start()
        self._tasks = [asyncio.create_task(loop(), name=getattr(loop, "__name__", "bg")) for loop in self._background]
        self._tasks.append(asyncio.create_task(self._watch_lag(), name="consumer-lag"))
        self.started_at = time.time()
        self.ready = True
        self.metrics.ready.set(1)
        log.info("%s started", self.settings.service_name)

    async def stop(self) -> None:
        """Stop taking new work, let in-flight handlers finish (graceful_timeout), then close.

        Every step is bounded: a step that outlives its time is logged with where it waits and left
        behind, so a process always gets to exit (Kubernetes kills it at terminationGracePeriodSeconds
        anyway, without saying what hung)."""
        self.ready = False
        self.metrics.ready.set(0)
        # waits for running handlers, then commits nothing further; the grace twice: an overlapped poll's
        # rest is drained first, then FastStream waits for the handler behind it (docs/decisions/record-path.md)
        await _bounded(self.mesh.stop(), "the broker connection", 2 * self.settings.shutdown_grace_s + STOP_STEP_S)
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=STOP_STEP_S)
            for task in done:  # a loop that died earlier: its exception retrieved, as awaiting it did
                if not task.cancelled():
                    task.exception()
            for task in pending:
                _log_stuck(task, f"background task {task.get_name()}")
        for hook in reversed(self._shutdown):
            await _bounded(hook(), f"shutdown hook {getattr(hook, '__qualname__', hook)}", STOP_STEP_S)
        self.tracer_provider.shutdown()
        log.info("%s stopped", self.settings.service_name)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Service]:
        await self.start()
        try:
            yield self
        finally:
            await self.stop()

    async def _watch_lag(self) -> None:
        while True:
            await asyncio.sleep(5)
            for consumer, tp in self.mesh.assignments():
                with contextlib.suppress(Exception):
                    high = consumer.highwater(tp)
                    if high is not None:
                        lag = max(0, high - await consumer.position(tp))
                        self.metrics.consumer_lag.labels(topic=tp.topic, partition=str(tp.partition)).set(lag)

    # HTTP -----------------------------------------------------------------
    async def _health(self, _request: Request) -> Response:
        """Liveness: the process answers."""
        return JSONResponse({"status": "ok", "service": self.settings.service_name})

    async def _ready(self, _request: Request) -> Response:
        """Readiness: started, and every dependency check passes (503 with the failing checks otherwise)."""
        results: dict[str, Any] = {"started": self.ready}
        ok = self.ready
        for name, check in self._checks.items():
            try:
                passed, detail = await asyncio.wait_for(check(), 5)
            except Exception as exc:  # a failing check is a not-ready answer, not a 500
                passed, detail = False, repr(exc)
            results[name] = {"ok": passed, "detail": detail}
            ok = ok and passed
        return JSONResponse({"ready": ok, "checks": results}, status_code=200 if ok else 503)

    async def _metrics(self, _request: Request) -> Response:
        """Prometheus metrics (text exposition format)."""
        return Response(generate_latest(self.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    def asgi(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            async with self.running():
                if self.owns_process:
                    # Everything alive now (modules, engines, clients) lives as long as the process;
                    # frozen, the collector stops re-scanning it on every full collection.
                    gc.freeze()
                    gc.set_threshold(10_000, 10, 10)
                yield

        routes = [
            Route("/health", self._health),
            Route("/ready", self._ready),
            Route("/metrics", self._metrics),
            *(self._guarded(route) for route in self.routes),
        ]
        api = openapi.document(self.settings.service_name, routes)
        routes.append(Route("/openapi.json", lambda _request: JSONResponse(api)))
        app = Starlette(routes=routes, lifespan=lifespan)
        app.state.service = self
        return app


def serve(app: Starlette, settings: ServiceSettings) -> None:
    """Run an app until SIGINT/SIGTERM; in-flight work gets ``shutdown_grace_s`` to finish."""
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
    )
    app.state.service.owns_process = True
    server = uvicorn.Server(config)
    log.info("%s listening on http://%s:%s", settings.service_name, settings.http_host, settings.http_port)
    server.run()
