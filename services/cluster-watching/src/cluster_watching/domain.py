"""Pure logic: Kubernetes objects (API JSON dicts) in, normalised cluster events out.

No I/O and no asyncio: every function takes the objects and the current time.

Detection is transition-based: for each object the set of active signals (a pod in
CrashLoopBackOff, a node NotReady, ...) is compared with the previous set, and only a signal
that becomes active opens an *episode*. A signal that clears and comes back within the
suppression window continues its episode (a flapping pod does not flood the mesh). Warning
``Event`` objects are pulses that join the same episode when they share its key, so the
kubelet's ``BackOff`` warning and the pod's ``CrashLoopBackOff`` status are one event.
``event_id = stable_id(uid, signal, episode)``: the same episode always gets the same id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from logmesh_contracts import AnalysisRequest, AnalysisResult, ClusterEvent, K8sRef, stable_id

Obj = dict[str, Any]

# signal -> (severity, serious)
POLICY: dict[str, tuple[str, bool]] = {
    "CrashLoopBackOff": ("critical", True),
    "OOMKilled": ("critical", True),
    "ImagePullBackOff": ("warning", True),
    "ErrImagePull": ("warning", True),
    "Unschedulable": ("warning", True),
    "Pending": ("warning", False),
    "ProbeFailed": ("warning", False),
    "Evicted": ("warning", True),
    "NodeNotReady": ("critical", True),
    "MemoryPressure": ("warning", True),
    "DiskPressure": ("warning", True),
    "PIDPressure": ("warning", True),
    "NetworkUnavailable": ("warning", True),
    "ContainerRestarted": ("info", False),
    "Warning": ("warning", False),
}
# ErrImagePull and ImagePullBackOff alternate while a pull keeps failing: one episode for both
GROUP = {"ErrImagePull": "ImagePull", "ImagePullBackOff": "ImagePull"}
NODE_PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


@dataclass(frozen=True)
class Signal:
    """One observed problem on one object. ``key`` decides which episode it belongs to."""

    uid: str
    reason: str
    ref: K8sRef
    message: str = ""
    details: tuple[tuple[str, str], ...] = ()
    sub: str = ""  # distinguishes generic warnings by their Event reason

    @property
    def key(self) -> tuple[str, str]:
        return (self.uid, GROUP.get(self.reason, self.reason) + (f":{self.sub}" if self.sub else ""))

    @property
    def routing_key(self) -> str:
        if self.ref.pod:
            return f"{self.ref.namespace}/{self.ref.pod}"
        if self.ref.node:
            return self.ref.node
        return f"{self.ref.namespace or ''}/{self.ref.kind or ''}/{self.ref.name or ''}"


# ------------------------------------------------------------------ detection


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def pod_ref(pod: Obj, container: str | None = None, cluster: str | None = None) -> K8sRef:
    m = meta(pod)
    return K8sRef(cluster=cluster, namespace=m.get("namespace"), pod=m.get("name"), container=container,
                  node=(pod.get("spec") or {}).get("nodeName"))


def pod_signals(pod: Obj, now: datetime, pending_after_s: float = 300.0, cluster: str | None = None) -> list[Signal]:
    """The problems a pod's status shows right now (state, not history)."""
    uid = meta(pod).get("uid") or f"{meta(pod).get('namespace')}/{meta(pod).get('name')}"
    status = pod.get("status") or {}
    found: dict[tuple[str, str], Signal] = {}

    def add(reason: str, container: str | None, message: str, **details: str) -> None:
        signal = Signal(uid, reason, pod_ref(pod, container, cluster), message[:1000],
                        tuple(sorted({k: v for k, v in details.items() if v}.items())))
        found.setdefault(signal.key, signal)

    statuses = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    for cs in statuses:
        name = cs.get("name", "")
        state, last = cs.get("state") or {}, cs.get("lastState") or {}
        waiting = state.get("waiting") or {}
        restarts = str(cs.get("restartCount", 0))
        if waiting.get("reason") in ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull"):
            last_term = last.get("terminated") or {}
            add(waiting["reason"], name, waiting.get("message") or waiting["reason"], restarts=restarts,
                last_exit_code=str(last_term.get("exitCode", "")), last_reason=last_term.get("reason", ""),
                image=cs.get("image", ""))
        for term in (state.get("terminated") or {}, last.get("terminated") or {}):
            if term.get("reason") == "OOMKilled":
                add("OOMKilled", name, f"container {name} was OOMKilled (exit code {term.get('exitCode', 137)})",
                    restarts=restarts, finished_at=term.get("finishedAt", ""))
    if status.get("reason") == "Evicted":
        add("Evicted", None, status.get("message") or "pod evicted")
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    scheduled = conditions.get("PodScheduled") or {}
    if scheduled.get("status") == "False" and scheduled.get("reason") == "Unschedulable":
        add("Unschedulable", None, scheduled.get("message") or "pod cannot be scheduled")
    elif status.get("phase") == "Pending":
        created = parse_time(meta(pod).get("creationTimestamp"))
        waiting_reasons = [((cs.get("state") or {}).get("waiting") or {}).get("reason") for cs in statuses]
        if created and (now - created).total_seconds() >= pending_after_s and not any(
            r in ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull") for r in waiting_reasons
        ):
            add("Pending", None, f"pod pending for {int((now - created).total_seconds())}s",
                waiting=",".join(r for r in waiting_reasons if r))
    return list(found.values())


def node_signals(node: Obj, cluster: str | None = None) -> list[Signal]:
    m = meta(node)
    uid = m.get("uid") or m.get("name", "")
    ref = K8sRef(cluster=cluster, node=m.get("name"), kind="Node", name=m.get("name"))
    signals = []
    for cond in (node.get("status") or {}).get("conditions") or []:
        kind, value = cond.get("type"), cond.get("status")
        message = cond.get("message") or cond.get("reason") or ""
        if kind == "Ready" and value != "True":
            signals.append(Signal(uid, "NodeNotReady", ref, message or "node not ready",
                                  (("ready", str(value)), ("reason", cond.get("reason", "")))))
        elif kind in NODE_PRESSURE and value == "True":
            signals.append(Signal(uid, kind, ref, message or kind))
    return signals


_RESTART_BACKOFF = re.compile(r"restarting failed container", re.IGNORECASE)  # kubelet's CrashLoop warning
_PULL_BACKOFF = re.compile(r"pulling image|pull image", re.IGNORECASE)  # kubelet's image pull warnings
_CONTAINER_PATH = re.compile(r"spec\.(?:init)?[cC]ontainers\{([^}]+)\}")  # involvedObject.fieldPath


def event_signal(event: Obj, cluster: str | None = None) -> Signal | None:
    """A Warning ``Event`` as a pulse on its involved object's episode; Normal events are ignored."""
    if event.get("type") != "Warning":
        return None
    involved = event.get("involvedObject") or {}
    reason = event.get("reason") or ""
    message = (event.get("message") or event.get("note") or "")[:1000]
    kind = involved.get("kind") or ""
    uid = involved.get("uid") or f"{kind}/{involved.get('namespace')}/{involved.get('name')}"
    container_match = _CONTAINER_PATH.search(involved.get("fieldPath") or "")
    container = container_match.group(1) if container_match else None
    if kind == "Pod":
        ref = K8sRef(cluster=cluster, namespace=involved.get("namespace"), pod=involved.get("name"), container=container)
    elif kind == "Node":
        ref = K8sRef(cluster=cluster, node=involved.get("name"), kind="Node", name=involved.get("name"))
    else:
        ref = K8sRef(cluster=cluster, namespace=involved.get("namespace"), kind=kind or None, name=involved.get("name"))
    details = (("event_reason", reason), ("count", str(event.get("count") or 1)))
    mapped: str | None = None
    if reason == "BackOff" and _RESTART_BACKOFF.search(message):
        mapped = "CrashLoopBackOff"
    elif (reason == "BackOff" and _PULL_BACKOFF.search(message)) or reason in ("ErrImagePull", "ImagePullBackOff"):
        mapped = "ImagePullBackOff"
    elif reason == "Failed" and "ErrImagePull" in message:
        mapped = "ErrImagePull"
    elif reason == "Unhealthy":
        mapped = "ProbeFailed"
    elif reason in ("Evicted", "Evicting"):
        mapped = "Evicted"
    elif reason == "FailedScheduling":
        mapped = "Unschedulable"
    elif reason in ("OOMKilling", "OOMKilled"):
        mapped = "OOMKilled"
    elif reason == "NodeNotReady":
        mapped = "NodeNotReady"
    if mapped:
        return Signal(uid, mapped, ref, message, details)
    return Signal(uid, "Warning", ref, message or reason, details, sub=reason or "unknown")


# ---------------------------------------------------------------------- dedup


@dataclass
class Episode:
    number: int = 0
    active: bool = False
    last_seen: datetime | None = None
    count: int = 0


@dataclass
class Deduplicator:
    """Turns observations into episodes; only the start of an episode is published."""

    window: timedelta = timedelta(minutes=10)
    episodes: dict[tuple[str, str], Episode] = field(default_factory=dict)
    active_by_object: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    def _continues(self, episode: Episode, now: datetime) -> bool:
        return episode.number > 0 and (
            episode.active or (episode.last_seen is not None and now - episode.last_seen <= self.window)
        )

    def _start(self, key: tuple[str, str], now: datetime, active: bool) -> int | None:
        episode = self.episodes.setdefault(key, Episode())
        episode.count += 1
        if self._continues(episode, now):
            episode.active = episode.active or active
            episode.last_seen = now
            return None
        episode.number += 1
        episode.active, episode.last_seen, episode.count = active, now, 1
        return episode.number

    def object_state(self, uid: str, signals: list[Signal], now: datetime) -> list[tuple[Signal, int]]:
        """The object's current signals; returns the ones that open a new episode."""
        current = {s.key: s for s in signals}
        before = self.active_by_object.get(uid, set())
        opened = []
        for key, signal in current.items():
            if key in before:
                self.episodes[key].last_seen = now
                continue
            number = self._start(key, now, active=True)
            if number is not None:
                opened.append((signal, number))
        for key in before - current.keys():
            episode = self.episodes.get(key)
            if episode:
                episode.active, episode.last_seen = False, now
        if current:
            self.active_by_object[uid] = set(current)
        else:
            self.active_by_object.pop(uid, None)
        return opened

    def pulse(self, signal: Signal, now: datetime) -> int | None:
        """An instantaneous observation (a Warning event); returns the episode it opens, if any."""
        return self._start(signal.key, now, active=False)

    def forget(self, uid: str, now: datetime) -> None:
        """The object was deleted: its signals end now (their episodes expire after the window)."""
        for key in self.active_by_object.pop(uid, set()):
            episode = self.episodes.get(key)
            if episode:
                episode.active, episode.last_seen = False, now

    def prune(self, now: datetime) -> int:
        """Drop ended episodes older than twice the window; returns how many were dropped."""
        stale = [
            key for key, ep in self.episodes.items()
            if not ep.active and ep.last_seen is not None and now - ep.last_seen > 2 * self.window
        ]
        for key in stale:
            del self.episodes[key]
        return len(stale)

    def count(self, key: tuple[str, str]) -> int:
        episode = self.episodes.get(key)
        return episode.count if episode else 0


def cluster_event(signal: Signal, episode: int, now: datetime) -> ClusterEvent:
    severity, serious = POLICY[signal.reason]
    group = signal.key[1]
    return ClusterEvent(
        event_id=stable_id("cluster-event", signal.uid, group, episode),
        reason=signal.reason,  # type: ignore[arg-type]
        severity=severity,  # type: ignore[arg-type]
        observed_at=now,
        object=signal.ref,
        message=signal.message,
        count=1,
        serious=serious,
        details={**dict(signal.details), "episode": str(episode), "uid": signal.uid},
    )


@dataclass
class Detector:
    """Objects in, new ``ClusterEvent``s out. Holds only the dedup state."""

    dedup: Deduplicator = field(default_factory=Deduplicator)
    pending_after_s: float = 300.0
    cluster: str | None = None

    def on_object(self, kind: str, event_type: str, obj: Obj, now: datetime) -> list[ClusterEvent]:
        uid = meta(obj).get("uid") or f"{meta(obj).get('namespace')}/{meta(obj).get('name')}"
        if event_type == "DELETED":
            if kind != "events":
                self.dedup.forget(uid, now)
            return []
        if kind == "pods":
            opened = self.dedup.object_state(uid, pod_signals(obj, now, self.pending_after_s, self.cluster), now)
        elif kind == "nodes":
            opened = self.dedup.object_state(uid, node_signals(obj, self.cluster), now)
        elif kind == "events":
            signal = event_signal(obj, self.cluster)
            number = self.dedup.pulse(signal, now) if signal else None
            opened = [(signal, number)] if signal and number is not None else []
        else:
            return []
        return [cluster_event(signal, number, now) for signal, number in opened]


# ------------------------------------------------------------ LogAnalysisJob

JOB_GROUP, JOB_VERSION, JOB_PLURAL = "logmesh.io", "v1alpha1", "loganalysisjobs"
ANALYSIS_TYPES = ("root-cause", "summary", "anomaly", "security")
SEVERITIES = ("trace", "debug", "info", "notice", "warning", "warn", "error", "critical", "fatal")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")  # Go-style 1d2h30m10s, no fractions


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip()) if text else None
    if not match or not any(match.groups()):
        raise ValueError(f"duration {text!r} is not like 30m, 1h or 1h30m")
    d, h, m, s = (int(g or 0) for g in match.groups())
    return timedelta(days=d, hours=h, minutes=m, seconds=s)


def requested_by(job: Obj) -> str:
    return f"LogAnalysisJob/{meta(job).get('namespace')}/{meta(job).get('name')}"


def parse_requested_by(value: str | None) -> tuple[str, str] | None:
    parts = (value or "").split("/")
    if len(parts) == 3 and parts[0] == "LogAnalysisJob" and parts[1] and parts[2]:
        return parts[1], parts[2]
    return None


def job_needs_request(job: Obj) -> bool:
    """True when this generation of the job has not been handed to analysis yet."""
    status = job.get("status") or {}
    generation = meta(job).get("generation", 1)
    return not (status.get("observedGeneration") == generation
                and status.get("phase") in ("Running", "Completed", "Failed"))


def job_request(job: Obj, now: datetime) -> AnalysisRequest:
    """The AnalysisRequest for a job's current generation; ValueError names what is invalid."""
    spec = job.get("spec") or {}
    errors: list[str] = []
    window = spec.get("timeRange") or {}
    try:
        duration = parse_duration(str(window.get("duration") or "1h"))
    except ValueError as exc:
        errors.append(f"spec.timeRange.duration: {exc}")
        duration = timedelta(hours=1)
    start = parse_time(window.get("start")) if window.get("start") else now - duration
    if start is None:
        errors.append(f"spec.timeRange.start: {window.get('start')!r} is not an RFC 3339 time")
        start = now - duration
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    analysis_type = spec.get("analysisType", "root-cause")
    if analysis_type not in ANALYSIS_TYPES:
        errors.append(f"spec.analysisType: {analysis_type!r} is not one of {', '.join(ANALYSIS_TYPES)}")
    severities = spec.get("severities") or []
    if not isinstance(severities, list) or any(str(s).lower() not in SEVERITIES for s in severities):
        errors.append(f"spec.severities: {severities!r} must be a list of {', '.join(SEVERITIES)}")
        severities = []
    selector = spec.get("podSelector") or {}
    if isinstance(selector, dict) and isinstance(selector.get("matchLabels"), dict):
        selector = selector["matchLabels"]
    if not isinstance(selector, dict) or not all(isinstance(v, str) for v in selector.values()):
        errors.append("spec.podSelector: must be a map of label to value (or {matchLabels: {...}})")
        selector = {}
    max_tokens = spec.get("maxTokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or isinstance(max_tokens, bool)
                                   or not 1 <= max_tokens <= 200_000):
        errors.append(f"spec.maxTokens: {max_tokens!r} must be an integer in 1..200000")
        max_tokens = None
    temperature = spec.get("temperature")
    if temperature is not None and (not isinstance(temperature, int | float) or isinstance(temperature, bool)
                                    or not 0 <= float(temperature) <= 2):
        errors.append(f"spec.temperature: {temperature!r} must be a number in 0..2")
        temperature = None
    if errors:
        raise ValueError("; ".join(errors))
    m = meta(job)
    return AnalysisRequest(
        event_id=stable_id("log-analysis-job", m.get("uid"), m.get("generation", 1)),
        requested_by=requested_by(job),
        requested_at=now,
        window_start=start,
        window_end=start + duration,
        target=K8sRef(namespace=spec.get("namespace") or m.get("namespace")),
        pod_selector={str(k): str(v) for k, v in selector.items()},
        severities=[str(s).lower() for s in severities],
        analysis_type=analysis_type,
        query=spec.get("query"),
        max_tokens=max_tokens,
        temperature=float(temperature) if temperature is not None else None,
        org=str(spec.get("org") or "default"),
    )


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(kind: str, status: bool, reason: str, message: str, now: datetime, generation: int) -> Obj:
    return {"type": kind, "status": "True" if status else "False", "reason": reason, "message": message[:1000],
            "lastTransitionTime": iso(now), "observedGeneration": generation}


def status_pending(job: Obj, now: datetime) -> Obj:
    generation = meta(job).get("generation", 1)
    return {"phase": "Pending", "observedGeneration": generation,
            "conditions": [condition("Accepted", False, "Queued", "waiting to be requested", now, generation)]}


def status_running(job: Obj, request: AnalysisRequest, now: datetime) -> Obj:
    generation = meta(job).get("generation", 1)
    return {
        "phase": "Running", "observedGeneration": generation, "startTime": iso(now), "completionTime": None,
        "requestId": request.event_id, "error": None, "result": None,
        "conditions": [condition("Accepted", True, "Requested", f"analysis request {request.event_id} published",
                                 now, generation)],
    }


def status_failed(job: Obj, reason: str, now: datetime) -> Obj:
    generation = meta(job).get("generation", 1)
    return {
        "phase": "Failed", "observedGeneration": generation, "completionTime": iso(now), "error": reason[:2000],
        "conditions": [condition("Complete", False, "Failed", reason, now, generation)],
    }


def status_from_result(job: Obj, result: AnalysisResult, now: datetime, logs_analysed: int | None = None) -> Obj:
    generation = (job.get("status") or {}).get("observedGeneration") or meta(job).get("generation", 1)
    stage_ms = {k: round(float(v), 1) for k, v in result.latencies_ms.items()}
    summary = {
        "incidentId": result.incident_id,
        "title": result.title[:500],
        "category": result.category,
        "severity": result.severity,
        "rootCause": result.root_cause[:4000],
        "confidence": result.confidence,
        "actions": [a[:500] for a in result.actions[:10]],
        "model": result.model,
        "status": result.status,
    }
    if result.status == "failed":
        reason = f"analysis failed: {result.root_cause or result.title}"[:2000]
        failed = status_failed(job, reason, now)
        failed["result"] = summary
        failed["stageDurations"] = stage_ms
        failed["observedGeneration"] = generation
        return failed
    status: Obj = {
        "phase": "Completed", "observedGeneration": generation, "completionTime": iso(now), "error": None,
        "result": summary, "stageDurations": stage_ms,
        "conditions": [condition("Complete", True, "Analysed",
                                 f"{result.status} analysis {result.incident_id}", now, generation)],
    }
    tokens = result.prompt_tokens + result.completion_tokens
    if tokens:
        summary["tokens"] = tokens
    if logs_analysed is not None:
        status["logsAnalysed"] = logs_analysed
    return status
