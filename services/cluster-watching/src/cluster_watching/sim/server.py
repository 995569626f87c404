"""A loopback Kubernetes API server speaking the real list/watch/log/status shapes.

It serves what cluster-watching reads (pods, events, nodes, namespaces, services, endpoints,
network policies, LogAnalysisJob and GoldenLogSample custom resources), pod logs with
``tailLines``/``previous``, and status patches, so ``kubernetes-asyncio`` talks to it exactly
as to a real cluster. Watches are chunked JSON lines with ``BOOKMARK`` events and injectable
``ERROR`` 410.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from cluster_watching.sim.state import RESOURCES, ClusterState, Obj, Resource, matches

STATUS_NOT_FOUND = 404


def _true(value: str | None) -> bool:
    """Booleans as Go's strconv.ParseBool reads them (clients send ``true`` or ``True``)."""
    return (value or "").lower() in ("1", "t", "true")


def _status(code: int, reason: str, message: str) -> web.Response:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    return web.json_response(body, status=code)


class SimServer:
    """``async with SimServer() as sim:`` serves on ``sim.url``; ``sim.state`` is the cluster."""

    def __init__(self, state: ClusterState | None = None, host: str = "127.0.0.1", port: int = 0,
                 bookmark_interval_s: float = 5.0) -> None:
        self.state = state or ClusterState()
        self.host = host
        self.port = port
        self.bookmark_interval_s = bookmark_interval_s
        self._runner: web.AppRunner | None = None
        self._streams: set[web.StreamResponse] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ lifecycle
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/version", self._version)
        app.router.add_get("/version/", self._version)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/api/v1/namespaces/{ns}/pods/{name}/log", self._pod_log)
        for prefix in ("/api/{version}", "/apis/{group}/{version}"):
            app.router.add_get(prefix + "/namespaces/{ns}/{plural}/{name}", self._get)
            app.router.add_put(prefix + "/namespaces/{ns}/{plural}/{name}", self._replace)
            app.router.add_delete(prefix + "/namespaces/{ns}/{plural}/{name}", self._delete)
            app.router.add_patch(prefix + "/namespaces/{ns}/{plural}/{name}/status", self._patch_status)
            app.router.add_get(prefix + "/namespaces/{ns}/{plural}", self._list)
            app.router.add_post(prefix + "/namespaces/{ns}/{plural}", self._create)
            app.router.add_get(prefix + "/{plural}/{name}", self._get)
            app.router.add_get(prefix + "/{plural}", self._list)
            app.router.add_post(prefix + "/{plural}", self._create)
        return app

    async def start(self) -> SimServer:
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None)  # an asyncio.Server once started
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.state.expire()  # ends every open watch stream
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimServer:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    def kubeconfig(self, namespace: str = "default") -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "logmesh-sim", "cluster": {"server": self.url}}],
            "users": [{"name": "logmesh-sim", "user": {"token": "logmesh-sim-not-a-secret"}}],
            "contexts": [{"name": "logmesh-sim",
                          "context": {"cluster": "logmesh-sim", "user": "logmesh-sim", "namespace": namespace}}],
            "current-context": "logmesh-sim",
        }

    def write_kubeconfig(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.kubeconfig(), sort_keys=False))
        return path

    # ------------------------------------------------------------------ handlers
    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.state.requests.append((request.method, request.path_qs))
        del self.state.requests[:-2000]
        return await handler(request)

    async def _version(self, _request: web.Request) -> web.Response:
        return web.json_response({"major": "1", "minor": "33", "gitVersion": "v1.33.0-logmesh-sim",
                                  "platform": "linux/amd64"})

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok")

    def _resource(self, request: web.Request) -> Resource | None:
        plural = request.match_info["plural"]
        spec = RESOURCES.get(plural)
        if spec is None:
            return None
        group = request.match_info.get("group")
        version = request.match_info["version"]
        if (f"{group}/{version}" if group else version) != spec.api_version:
            return None
        return spec

    async def _list(self, request: web.Request) -> web.StreamResponse:
        spec = self._resource(request)
        if spec is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f"the server could not find {request.path}")
        namespace = request.match_info.get("ns")
        query = request.query
        if _true(query.get("watch")):
            return await self._watch(request, spec, namespace)
        items = self.state.list(spec.plural, namespace, query.get("labelSelector"), query.get("fieldSelector"))
        return web.json_response({
            "kind": f"{spec.kind}List", "apiVersion": spec.api_version,
            "metadata": {"resourceVersion": str(self.state.rv)}, "items": items,
        })

    async def _watch(self, request: web.Request, spec: Resource, namespace: str | None) -> web.StreamResponse:
        query = request.query
        raw_rv = query.get("resourceVersion")
        since = int(raw_rv) if raw_rv not in (None, "", "0") else None
        timeout_s = float(query["timeoutSeconds"]) if query.get("timeoutSeconds") else None
        bookmarks = _true(query.get("allowWatchBookmarks"))
        label_selector, field_selector = query.get("labelSelector"), query.get("fieldSelector")
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        opened = self.state.open_watch(spec.plural, namespace, since)
        if isinstance(opened, dict):  # 410: the client must list again
            await response.write(json.dumps({"type": "ERROR", "object": opened}).encode() + b"\n")
            await response.write_eof()
            return response
        watcher, backlog = opened
        async def send(event: Obj) -> None:
            if event["type"] in ("ADDED", "MODIFIED", "DELETED") and not matches(
                event["object"], label_selector, field_selector
            ):
                return
            await response.write(json.dumps(event).encode() + b"\n")

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s if timeout_s else None
        try:
            for event in backlog:
                await send(event)
            while True:
                wait = self.bookmark_interval_s if bookmarks else 3600.0
                if deadline is not None:
                    wait = min(wait, deadline - loop.time())
                    if wait <= 0:
                        break
                try:
                    event = await asyncio.wait_for(watcher.queue.get(), wait)
                except TimeoutError:
                    if bookmarks and (deadline is None or loop.time() < deadline):
                        await send(self.state.bookmark_event(spec.plural))
                    continue
                if event is None:
                    break
                if event["type"] == "BOOKMARK" and not bookmarks:
                    continue
                await send(event)
            with contextlib.suppress(ConnectionResetError):
                await response.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.state.close_watch(watcher)
        return response

    async def _get(self, request: web.Request) -> web.Response:
        spec = self._resource(request)
        if spec is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f"the server could not find {request.path}")
        name = request.match_info["name"]
        obj = self.state.get(spec.plural, request.match_info.get("ns"), name)
        if obj is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f'{spec.plural} "{name}" not found')
        return web.json_response(obj)

    async def _create(self, request: web.Request) -> web.Response:
        spec = self._resource(request)
        if spec is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f"the server could not find {request.path}")
        body = await request.json()
        namespace = request.match_info.get("ns")
        name = body.get("metadata", {}).get("name")
        if not name:
            return _status(422, "Invalid", "metadata.name: Required value")
        if self.state.get(spec.plural, namespace, name) is not None:
            return _status(409, "AlreadyExists", f'{spec.plural} "{name}" already exists')
        if namespace:
            body.setdefault("metadata", {})["namespace"] = namespace
        body.pop("status", None)  # status is a subresource: ignored on create
        return web.json_response(self.state.put(spec.plural, body), status=201)

    async def _replace(self, request: web.Request) -> web.Response:
        spec = self._resource(request)
        if spec is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f"the server could not find {request.path}")
        body = await request.json()
        old = self.state.get(spec.plural, request.match_info.get("ns"), request.match_info["name"])
        if old is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f'{spec.plural} "{request.match_info["name"]}" not found')
        body["status"] = old.get("status")
        body.setdefault("metadata", {})["namespace"] = request.match_info.get("ns")
        return web.json_response(self.state.put(spec.plural, body))

    async def _delete(self, request: web.Request) -> web.Response:
        spec = self._resource(request)
        if spec is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f"the server could not find {request.path}")
        old = self.state.delete(spec.plural, request.match_info.get("ns"), request.match_info["name"])
        if old is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f'{spec.plural} "{request.match_info["name"]}" not found')
        return web.json_response(old)

    async def _patch_status(self, request: web.Request) -> web.Response:
        spec = self._resource(request)
        if spec is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f"the server could not find {request.path}")
        content_type = request.headers.get("Content-Type", "")
        if "json-patch" in content_type:
            return _status(415, "UnsupportedMediaType", "only merge patches are served by the loopback server")
        patch = await request.json()
        updated = self.state.patch_status(spec.plural, request.match_info.get("ns"), request.match_info["name"], patch)
        if updated is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f'{spec.plural} "{request.match_info["name"]}" not found')
        return web.json_response(updated)

    async def _pod_log(self, request: web.Request) -> web.Response:
        ns, name = request.match_info["ns"], request.match_info["name"]
        pod = self.state.get("pods", ns, name)
        if pod is None:
            return _status(STATUS_NOT_FOUND, "NotFound", f'pods "{name}" not found')
        containers = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
        container = request.query.get("container")
        if not container:
            if len(containers) != 1:
                return _status(400, "BadRequest",
                               f"a container name must be specified for pod {name}, choose one of: {containers}")
            container = containers[0]
        if container not in containers:
            return _status(400, "BadRequest", f"container {container} is not valid for pod {name}")
        logs = self.state.logs.get((ns, name, container))
        previous = _true(request.query.get("previous"))
        lines = (logs.previous if previous else logs.current) if logs else []
        if previous and not lines:
            return _status(400, "BadRequest", f'previous terminated container "{container}" in pod "{name}" not found')
        tail = request.query.get("tailLines")
        if tail:
            lines = lines[-int(tail):] if int(tail) > 0 else []
        text = "".join(line + "\n" for line in lines)
        return web.Response(text=text, content_type="text/plain")
