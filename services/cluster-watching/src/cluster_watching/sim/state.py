"""The loopback API server's object store: resource versions, watch history, compaction.

Behaves like the real API server where a client can tell: one global, increasing
``resourceVersion``; a watch resumes from any version still in history; a version older than
the compaction floor gets an ``ERROR`` event with code 410 (Expired), after which a client
must list again.
"""

from __future__ import annotations

import asyncio
import builtins
import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class Resource:
    plural: str
    kind: str
    api_version: str
    namespaced: bool = True

    @property
    def prefix(self) -> str:
        return "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"


RESOURCES: dict[str, Resource] = {
    r.plural: r
    for r in (
        Resource("pods", "Pod", "v1"),
        Resource("events", "Event", "v1"),
        Resource("services", "Service", "v1"),
        Resource("endpoints", "Endpoints", "v1"),
        Resource("nodes", "Node", "v1", namespaced=False),
        Resource("namespaces", "Namespace", "v1", namespaced=False),
        Resource("networkpolicies", "NetworkPolicy", "networking.k8s.io/v1"),
        Resource("horizontalpodautoscalers", "HorizontalPodAutoscaler", "autoscaling/v2"),
        Resource("replicasets", "ReplicaSet", "apps/v1"),
        Resource("configmaps", "ConfigMap", "v1"),
        Resource("certificates", "Certificate", "cert-manager.io/v1"),
        Resource("loganalysisjobs", "LogAnalysisJob", "logmesh.io/v1alpha1"),
        Resource("goldenlogsamples", "GoldenLogSample", "logmesh.io/v1alpha1"),
    )
}


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gone_status(message: str) -> Obj:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": "Expired", "code": 410}


@dataclass(eq=False)
class Watcher:
    resource: str
    namespace: str | None
    queue: asyncio.Queue[Obj | None] = field(default_factory=asyncio.Queue)


@dataclass
class PodLogs:
    current: list[str] = field(default_factory=list)
    previous: list[str] = field(default_factory=list)


class ClusterState:
    """Objects by resource and (namespace, name); every mutation is synchronous, so atomic on one loop."""

    def __init__(self, history_limit: int = 10_000) -> None:
        self.rv = 1
        self.floor = 0
        self.objects: dict[str, dict[tuple[str, str], Obj]] = {name: {} for name in RESOURCES}
        self.history: list[tuple[int, str, str, Obj]] = []  # (rv, resource, type, object)
        self.history_limit = history_limit
        self.watchers: set[Watcher] = set()
        self.logs: dict[tuple[str, str, str], PodLogs] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) for tests and demos

    # ----------------------------------------------------------------- reads
    def get(self, resource: str, namespace: str | None, name: str) -> Obj | None:
        obj = self.objects[resource].get((namespace or "", name))
        return copy.deepcopy(obj) if obj else None

    def list(
        self, resource: str, namespace: str | None = None, label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> list[Obj]:
        items = [
            copy.deepcopy(obj)
            for (ns, _), obj in sorted(self.objects[resource].items())
            if namespace is None or ns == namespace
        ]
        return [o for o in items if matches(o, label_selector, field_selector)]

    # -------------------------------------------------------------- mutations
    def put(self, resource: str, obj: Obj) -> Obj:
        """Create or replace an object (spec changes bump ``generation`` like the API server does)."""
        spec = RESOURCES[resource]
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        namespace = meta.get("namespace", "default") if spec.namespaced else ""
        if spec.namespaced:
            meta["namespace"] = namespace
        key = (namespace, meta["name"])
        old = self.objects[resource].get(key)
        obj["kind"], obj["apiVersion"] = spec.kind, spec.api_version
        if old is None:
            meta.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{resource}/{namespace}/{meta['name']}")))
            meta.setdefault("creationTimestamp", now_iso())
            meta["generation"] = 1
            event_type = "ADDED"
        else:
            meta["uid"] = old["metadata"]["uid"]
            meta["creationTimestamp"] = old["metadata"]["creationTimestamp"]
            changed = obj.get("spec") != old.get("spec")
            meta["generation"] = old["metadata"].get("generation", 1) + (1 if changed else 0)
            event_type = "MODIFIED"
        return self._commit(resource, key, obj, event_type)

    def patch_status(self, resource: str, namespace: str | None, name: str, patch: Obj) -> Obj | None:
        """JSON merge patch of ``status`` only (the status subresource)."""
        key = (namespace or "", name)
        old = self.objects[resource].get(key)
        if old is None:
            return None
        obj = copy.deepcopy(old)
        obj["status"] = merge_patch(obj.get("status") or {}, patch.get("status") or {})
        return self._commit(resource, key, obj, "MODIFIED")

    def delete(self, resource: str, namespace: str | None, name: str) -> Obj | None:
        key = (namespace or "", name)
        old = self.objects[resource].pop(key, None)
        if old is None:
            return None
        self.rv += 1
        old = copy.deepcopy(old)
        old["metadata"]["resourceVersion"] = str(self.rv)
        self._record(resource, "DELETED", old)
        return old

    def _commit(self, resource: str, key: tuple[str, str], obj: Obj, event_type: str) -> Obj:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self.objects[resource][key] = obj
        self._record(resource, event_type, copy.deepcopy(obj))
        return copy.deepcopy(obj)

    def _record(self, resource: str, event_type: str, obj: Obj) -> None:
        self.history.append((self.rv, resource, event_type, obj))
        if len(self.history) > self.history_limit:
            dropped = self.history[: len(self.history) - self.history_limit]
            self.history = self.history[len(dropped):]
            self.floor = max(self.floor, dropped[-1][0])
        namespace = obj["metadata"].get("namespace")
        for watcher in list(self.watchers):
            if watcher.resource == resource and (watcher.namespace is None or watcher.namespace == namespace):
                watcher.queue.put_nowait({"type": event_type, "object": obj})

    # ----------------------------------------------------------------- watches
    def open_watch(self, resource: str, namespace: str | None, since: int | None) -> tuple[Watcher, builtins.list[Obj]] | Obj:
        """Register a watcher and return what it missed since ``since``, or a 410 Status when too old."""
        if since is not None and since < self.floor:
            return gone_status(f"too old resource version: {since} ({self.floor})")
        watcher = Watcher(resource, namespace)
        if since is None:
            backlog = [{"type": "ADDED", "object": o} for o in self.list(resource, namespace)]
        else:
            backlog = [
                {"type": t, "object": copy.deepcopy(o)}
                for rv, r, t, o in self.history
                if rv > since and r == resource and (namespace is None or o["metadata"].get("namespace") == namespace)
            ]
        self.watchers.add(watcher)
        return watcher, backlog

    def close_watch(self, watcher: Watcher) -> None:
        self.watchers.discard(watcher)

    def expire(self, resource: str | None = None) -> int:
        """Compact history and end open watches with ERROR 410: every client must list again.

        Returns how many watches were ended. Mutations made after this call (before clients
        re-list) are seen only through the re-list, as after a real compaction.
        """
        self.rv += 1  # a compaction tick: even a client that saw everything must re-list
        self.floor = self.rv
        self.history = [h for h in self.history if h[0] >= self.floor]
        ended = 0
        for watcher in list(self.watchers):
            if resource is None or watcher.resource == resource:
                watcher.queue.put_nowait({"type": "ERROR", "object": gone_status("too old resource version")})
                watcher.queue.put_nowait(None)
                self.watchers.discard(watcher)
                ended += 1
        return ended

    def bookmark(self, resource: str | None = None) -> None:
        for watcher in list(self.watchers):
            if resource is None or watcher.resource == resource:
                watcher.queue.put_nowait(self.bookmark_event(watcher.resource))

    def bookmark_event(self, resource: str) -> Obj:
        spec = RESOURCES[resource]
        return {"type": "BOOKMARK", "object": {"kind": spec.kind, "apiVersion": spec.api_version,
                                               "metadata": {"resourceVersion": str(self.rv)}}}

    # -------------------------------------------------------------------- logs
    def set_logs(self, namespace: str, pod: str, container: str, current: builtins.list[str],
                 previous: builtins.list[str] | None = None) -> None:
        self.logs[(namespace, pod, container)] = PodLogs(list(current), list(previous or []))

    def append_log(self, namespace: str, pod: str, container: str, *lines: str) -> None:
        self.logs.setdefault((namespace, pod, container), PodLogs()).current.extend(lines)

    def rotate_logs(self, namespace: str, pod: str, container: str) -> None:
        """A container restarted: its current log becomes the previous one."""
        logs = self.logs.setdefault((namespace, pod, container), PodLogs())
        logs.previous, logs.current = logs.current, []


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _field(obj: Obj, path: str) -> str | None:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return None if value is None else str(value)


def matches(obj: Obj, label_selector: str | None, field_selector: str | None) -> bool:
    """Equality-based selectors (``a=b,c!=d``), the subset the service uses."""
    labels = obj.get("metadata", {}).get("labels") or {}
    for clause in filter(None, (label_selector or "").split(",")):
        if "!=" in clause:
            k, v = clause.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in clause:
            k, v = clause.replace("==", "=").split("=", 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif clause.strip() not in labels:
            return False
    for clause in filter(None, (field_selector or "").split(",")):
        negate = "!=" in clause
        k, v = clause.replace("==", "=").split("!=" if negate else "=", 1)
        equal = _field(obj, k.strip()) == v.strip()
        if equal == negate:
            return False
    return True
