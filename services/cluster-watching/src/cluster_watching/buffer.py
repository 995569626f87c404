"""The rolling context buffer: recent cluster snapshots and events, in memory. Pure domain code.

A snapshot is a compact summary of one object's state at one time, recorded only when the
summary changes, so a pod's history reads as its transitions. Retention (24 h by default) and
count caps bound memory; ``prune`` enforces both.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cluster_watching.domain import parse_time
from logmesh_contracts import ClusterEvent

Obj = dict[str, Any]


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    kind: str
    namespace: str
    name: str
    uid: str
    change: str  # ADDED, MODIFIED, DELETED
    summary: Obj

    def as_dict(self) -> Obj:
        return {"at": self.at.isoformat(), "kind": self.kind, "namespace": self.namespace, "name": self.name,
                "uid": self.uid, "change": self.change, **self.summary}


@dataclass(frozen=True)
class BufferedEvent:
    """Either a Kubernetes ``Event`` (type ``Warning``/``Normal``) or a published ``ClusterEvent`` (``cluster``)."""

    at: datetime
    type: str
    reason: str
    namespace: str
    kind: str
    name: str
    message: str
    data: Obj = field(default_factory=dict)

    def as_dict(self) -> Obj:
        return {"at": self.at.isoformat(), "type": self.type, "reason": self.reason, "namespace": self.namespace,
                "kind": self.kind, "name": self.name, "message": self.message, **self.data}


def container_summary(cs: Obj) -> Obj:
    state = cs.get("state") or {}
    current = next(iter(state), "unknown")
    last = (cs.get("lastState") or {}).get("terminated") or {}
    return {
        "name": cs.get("name"),
        "ready": bool(cs.get("ready")),
        "restarts": int(cs.get("restartCount") or 0),
        "state": current,
        "reason": (state.get(current) or {}).get("reason"),
        "last_terminated_reason": last.get("reason"),
        "last_exit_code": last.get("exitCode"),
    }


def summarise(kind: str, obj: Obj) -> Obj:
    status = obj.get("status") or {}
    if kind == "pods":
        return {
            "phase": status.get("phase"),
            "reason": status.get("reason"),
            "node": (obj.get("spec") or {}).get("nodeName"),
            "containers": [container_summary(cs) for cs in status.get("containerStatuses") or []],
        }
    if kind == "nodes":
        return {"conditions": {c.get("type"): c.get("status") for c in status.get("conditions") or []}}
    return {}


def pod_view(pod: Obj) -> Obj:
    m = pod.get("metadata") or {}
    summary = summarise("pods", pod)
    return {"namespace": m.get("namespace"), "name": m.get("name"), "uid": m.get("uid"),
            "labels": m.get("labels") or {}, "created": m.get("creationTimestamp"),
            "restarts": sum(c["restarts"] for c in summary["containers"]),
            "ready": all(c["ready"] for c in summary["containers"]) if summary["containers"] else False,
            **summary}


class ContextBuffer:
    def __init__(self, retention: timedelta = timedelta(hours=24), max_snapshots: int = 50_000,
                 max_events: int = 50_000) -> None:
        self.retention = retention
        self.max_snapshots = max_snapshots
        self.max_events = max_events
        self.snapshots: deque[Snapshot] = deque()
        self.events: deque[BufferedEvent] = deque()
        self.current: dict[str, dict[tuple[str, str], Obj]] = {}
        self._last_summary: dict[tuple[str, str], Obj] = {}
        self.pruned = Counter[str]()

    # ------------------------------------------------------------------ writes
    def record_object(self, kind: str, change: str, obj: Obj, now: datetime) -> None:
        m = obj.get("metadata") or {}
        key = (m.get("namespace") or "", m.get("name") or "")
        objects = self.current.setdefault(kind, {})
        if change == "DELETED":
            objects.pop(key, None)
        else:
            objects[key] = obj
        if kind == "events":
            if change != "DELETED":
                self._record_k8s_event(obj, now)
            return
        summary = summarise(kind, obj)
        if not summary:
            return
        uid = m.get("uid") or "/".join(key)
        if change != "DELETED" and self._last_summary.get((kind, uid)) == summary:
            return
        self._last_summary[(kind, uid)] = summary
        if change == "DELETED":
            self._last_summary.pop((kind, uid), None)
        self.snapshots.append(Snapshot(now, kind, key[0], key[1], uid, change, summary))
        self._cap()

    def forget_missing(self, kind: str, keep: set[tuple[str, str]]) -> None:
        """After a re-list: objects not in the list are gone."""
        objects = self.current.setdefault(kind, {})
        for key in list(objects):
            if key not in keep:
                del objects[key]

    def _record_k8s_event(self, ev: Obj, now: datetime) -> None:
        involved = ev.get("involvedObject") or {}
        at = parse_time(ev.get("lastTimestamp") or ev.get("eventTime")) or now
        self.events.append(BufferedEvent(
            at=at, type=ev.get("type") or "Normal", reason=ev.get("reason") or "",
            namespace=involved.get("namespace") or (ev.get("metadata") or {}).get("namespace") or "",
            kind=involved.get("kind") or "", name=involved.get("name") or "",
            message=(ev.get("message") or "")[:1000], data={"count": ev.get("count") or 1},
        ))
        self._cap()

    def record_cluster_event(self, event: ClusterEvent) -> None:
        ref = event.object
        self.events.append(BufferedEvent(
            at=event.observed_at, type="cluster", reason=event.reason, namespace=ref.namespace or "",
            kind="Pod" if ref.pod else (ref.kind or ""), name=ref.pod or ref.name or ref.node or "",
            message=event.message,
            data={"event_id": event.event_id, "severity": event.severity, "serious": event.serious},
        ))
        self._cap()

    def _cap(self) -> None:
        while len(self.snapshots) > self.max_snapshots:
            self.snapshots.popleft()
            self.pruned["snapshots"] += 1
        while len(self.events) > self.max_events:
            self.events.popleft()
            self.pruned["events"] += 1

    def prune(self, now: datetime) -> dict[str, int]:
        """Drop what is older than the retention; returns how many of each were dropped."""
        cutoff = now - self.retention
        dropped = Counter[str]()
        while self.snapshots and self.snapshots[0].at < cutoff:
            self.snapshots.popleft()
            dropped["snapshots"] += 1
        kept = deque(e for e in self.events if e.at >= cutoff)  # k8s event times are not strictly ordered
        dropped["events"] = len(self.events) - len(kept)
        self.events = kept
        self.pruned.update(dropped)
        return {"snapshots": dropped["snapshots"], "events": dropped["events"]}

    # ------------------------------------------------------------------- reads
    def snapshots_between(self, start: datetime | None = None, end: datetime | None = None,
                          kind: str | None = None) -> list[Snapshot]:
        return [s for s in self.snapshots
                if (start is None or s.at >= start) and (end is None or s.at <= end) and (kind is None or s.kind == kind)]

    def pod_history(self, namespace: str, name: str) -> list[Snapshot]:
        return [s for s in self.snapshots if s.kind == "pods" and s.namespace == namespace and s.name == name]

    def query_events(self, start: datetime | None = None, end: datetime | None = None, type_: str | None = None,
                     reason: str | None = None, namespace: str | None = None, name: str | None = None,
                     kind: str | None = None, limit: int | None = None) -> list[BufferedEvent]:
        found = [
            e for e in self.events
            if (start is None or e.at >= start) and (end is None or e.at <= end)
            and (type_ is None or e.type.lower() == type_.lower()) and (reason is None or e.reason == reason)
            and (namespace is None or e.namespace == namespace) and (name is None or e.name == name)
            and (kind is None or e.kind.lower() == kind.lower())
        ]
        found.sort(key=lambda e: e.at)
        return found[-limit:] if limit else found

    def pods(self, namespace: str | None = None, phase: str | None = None) -> list[Obj]:
        views = [pod_view(p) for (ns, _), p in sorted(self.current.get("pods", {}).items())
                 if namespace is None or ns == namespace]
        return [v for v in views if phase is None or (v["phase"] or "").lower() == phase.lower()]

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.current.get(kind, {}).get((namespace, name))

    def stats(self) -> Obj:
        return {
            "snapshots": len(self.snapshots),
            "events": len(self.events),
            "objects": {kind: len(objs) for kind, objs in sorted(self.current.items())},
            "oldest": self.snapshots[0].at.isoformat() if self.snapshots else None,
            "newest": self.snapshots[-1].at.isoformat() if self.snapshots else None,
            "events_by_type": dict(Counter(e.type for e in self.events)),
            "retention_s": self.retention.total_seconds(),
            "max_snapshots": self.max_snapshots,
            "max_events": self.max_events,
            "pruned": dict(self.pruned),
        }
