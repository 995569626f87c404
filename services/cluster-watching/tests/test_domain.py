"""Pure domain logic: detection, dedup episodes, the context buffer, job validation, redaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cluster_watching.buffer import ContextBuffer
from cluster_watching.domain import (
    Deduplicator,
    Detector,
    job_needs_request,
    job_request,
    parse_duration,
    status_from_result,
)
from cluster_watching.evidence import Budget, describe_pod, plan, redact
from cluster_watching.sim.scenarios import event, node, pod, running, terminated, waiting
from logmesh_contracts import AnalysisResult, Incident, K8sRef

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def with_uid(obj: dict, uid: str) -> dict:
    obj["metadata"]["uid"] = uid
    obj["metadata"]["creationTimestamp"] = "2026-01-01T11:00:00Z"
    return obj


def crashloop(restarts: int) -> dict:
    return with_uid(pod("shop", "api", state=waiting("CrashLoopBackOff", "back-off"), restarts=restarts,
                        last_state=terminated("Error", 1)), "uid-api")


def healthy(restarts: int) -> dict:
    return with_uid(pod("shop", "api", state=running(), restarts=restarts, last_state=terminated("Error", 1)), "uid-api")


def test_flapping_pod_is_one_episode_inside_the_window_and_a_new_one_after() -> None:
    detector = Detector(Deduplicator(window=timedelta(minutes=10)))
    emitted = []
    t = T0
    for restarts in range(1, 6):  # CrashLoopBackOff <-> Running every 30 s
        emitted += detector.on_object("pods", "MODIFIED", crashloop(restarts), t)
        t += timedelta(seconds=30)
        emitted += detector.on_object("pods", "MODIFIED", healthy(restarts), t)
        t += timedelta(seconds=30)
    assert [e.reason for e in emitted] == ["CrashLoopBackOff"]
    first = emitted[0]
    assert first.serious and first.severity == "critical" and first.details["episode"] == "1"
    # quiet for longer than the window: the next crash loop is a new episode with a new id
    again = detector.on_object("pods", "MODIFIED", crashloop(9), t + timedelta(minutes=11))
    assert [e.details["episode"] for e in again] == ["2"] and again[0].event_id != first.event_id
    # a fresh detector (a restarted service) gives the first episode the same id
    assert Detector().on_object("pods", "ADDED", crashloop(1), T0)[0].event_id == first.event_id


def test_kubelet_backoff_warning_joins_the_pod_episode() -> None:
    detector = Detector()
    p = crashloop(1)
    warning = event("shop", "api.1", p, "BackOff", "Back-off restarting failed container app in pod api")
    first = detector.on_object("events", "ADDED", warning, T0)
    assert [e.reason for e in first] == ["CrashLoopBackOff"]
    assert detector.on_object("pods", "MODIFIED", p, T0 + timedelta(seconds=1)) == []


def test_image_pull_alternation_oom_eviction_unschedulable_and_pending() -> None:
    detector = Detector(pending_after_s=60)
    pulls = []
    for i, reason in enumerate(["ErrImagePull", "ImagePullBackOff", "ErrImagePull"]):
        p = with_uid(pod("shop", "img", state=waiting(reason, "pull failed")), "uid-img")
        pulls += detector.on_object("pods", "MODIFIED", p, T0 + timedelta(seconds=i))
    assert [e.reason for e in pulls] == ["ErrImagePull"] and pulls[0].serious

    oom = with_uid(pod("shop", "mem", state=running(), restarts=1, last_state=terminated("OOMKilled", 137)), "uid-mem")
    assert [e.reason for e in detector.on_object("pods", "MODIFIED", oom, T0)] == ["OOMKilled"]

    evicted = with_uid(pod("shop", "ev", phase="Failed", state={}, reason="Evicted",
                           message="The node was low on resource: memory."), "uid-ev")
    assert [(e.reason, e.serious) for e in detector.on_object("pods", "MODIFIED", evicted, T0)] == [("Evicted", True)]

    unschedulable = with_uid(pod("shop", "big", phase="Pending", state={}, conditions=[
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes: Insufficient cpu"}
    ]), "uid-big")
    (u,) = detector.on_object("pods", "ADDED", unschedulable, T0)
    assert (u.reason, u.message) == ("Unschedulable", "0/3 nodes: Insufficient cpu")

    pending = with_uid(pod("shop", "slow", phase="Pending", state={}, conditions=[]), "uid-slow")
    assert detector.on_object("pods", "ADDED", pending, datetime(2026, 1, 1, 11, 0, 30, tzinfo=UTC)) == []
    late = detector.on_object("pods", "MODIFIED", pending, datetime(2026, 1, 1, 11, 5, tzinfo=UTC))
    assert [(e.reason, e.serious) for e in late] == [("Pending", False)]


def test_node_not_ready_pressure_probe_failures_and_other_warnings() -> None:
    detector = Detector()
    bad = with_uid(node("node-2", ready=False, pressure=("DiskPressure",)), "uid-node")
    events = detector.on_object("nodes", "MODIFIED", bad, T0)
    assert sorted((e.reason, e.serious, e.object.node) for e in events) == [
        ("DiskPressure", True, "node-2"), ("NodeNotReady", True, "node-2")]
    assert detector.on_object("nodes", "MODIFIED", bad, T0 + timedelta(seconds=5)) == []

    target = crashloop(0)
    probe = event("shop", "api.2", target, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503")
    (p,) = detector.on_object("events", "ADDED", probe, T0)
    assert (p.reason, p.serious, p.severity) == ("ProbeFailed", False, "warning")
    assert detector.on_object("events", "MODIFIED", {**probe, "count": 5}, T0 + timedelta(seconds=20)) == []
    other = event("shop", "api.3", target, "FailedMount", "MountVolume.SetUp failed")
    (w,) = detector.on_object("events", "ADDED", other, T0)
    assert (w.reason, w.details["event_reason"]) == ("Warning", "FailedMount")
    normal = event("shop", "api.4", target, "Pulled", "pulled", type_="Normal")
    assert detector.on_object("events", "ADDED", normal, T0) == []


def test_dedup_prunes_ended_episodes() -> None:
    dedup = Deduplicator(window=timedelta(minutes=1))
    detector = Detector(dedup)
    detector.on_object("pods", "ADDED", crashloop(1), T0)
    detector.on_object("pods", "DELETED", crashloop(1), T0 + timedelta(seconds=5))
    assert dedup.prune(T0 + timedelta(seconds=30)) == 0
    assert dedup.prune(T0 + timedelta(minutes=5)) == 1 and dedup.episodes == {}


def test_context_buffer_queries_history_stats_and_pruning() -> None:
    buffer = ContextBuffer(retention=timedelta(hours=1), max_snapshots=5, max_events=100)
    detector = Detector()
    for i, obj in enumerate([healthy(0), healthy(0), crashloop(1), healthy(1), crashloop(2)]):
        now = T0 + timedelta(minutes=i)
        buffer.record_object("pods", "MODIFIED", obj, now)
        for ev in detector.on_object("pods", "MODIFIED", obj, now):
            buffer.record_cluster_event(ev)
    warning = event("shop", "e1", healthy(0), "BackOff", "restarting failed container")
    warning["lastTimestamp"] = "2026-01-01T12:00:00Z"
    buffer.record_object("events", "ADDED", warning, T0)
    history = buffer.pod_history("shop", "api")
    assert [s.summary["containers"][0]["state"] for s in history] == ["running", "waiting", "running", "waiting"]
    assert [e.reason for e in buffer.query_events(type_="cluster")] == ["CrashLoopBackOff"]
    assert len(buffer.query_events(namespace="shop", name="api")) == 2
    assert buffer.pods("shop", "running")[0]["restarts"] == 2
    assert buffer.pods("other") == [] and buffer.pods(phase="Pending") == []
    assert len(buffer.snapshots_between(T0 + timedelta(minutes=2), T0 + timedelta(minutes=3))) == 2
    for i in range(10):  # the snapshot cap holds
        buffer.record_object("pods", "MODIFIED", crashloop(10 + i), T0 + timedelta(minutes=10 + i))
    assert buffer.stats()["snapshots"] == 5 and buffer.stats()["pruned"]["snapshots"] == 9
    dropped = buffer.prune(T0 + timedelta(minutes=75))
    assert dropped == {"snapshots": 0, "events": 2} and len(buffer.snapshots) == 5
    assert buffer.prune(T0 + timedelta(hours=3))["snapshots"] == 5


def job(spec: dict, generation: int = 1, status: dict | None = None) -> dict:
    return {"metadata": {"name": "j", "namespace": "shop", "uid": "uid-j", "generation": generation},
            "spec": spec, "status": status or {}}


def test_log_analysis_job_request_is_deterministic_and_validated() -> None:
    spec = {"timeRange": {"start": "2026-01-01T10:00:00Z", "duration": "1h30m"},
            "podSelector": {"matchLabels": {"app": "api"}}, "severities": ["error", "critical"],
            "analysisType": "summary", "maxTokens": 500, "temperature": 0.3}
    request = job_request(job(spec), T0)
    assert request.requested_by == "LogAnalysisJob/shop/j"
    assert (request.window_start.hour, request.window_end.hour, request.window_end.minute) == (10, 11, 30)
    assert request.event_id == job_request(job(spec), T0 + timedelta(hours=1)).event_id
    assert request.event_id != job_request(job(spec, generation=2), T0).event_id
    assert request.target.namespace == "shop" and request.pod_selector == {"app": "api"}
    with pytest.raises(ValueError, match=r"duration.*analysisType.*temperature"):
        job_request(job({"timeRange": {"duration": "soon"}, "analysisType": "magic", "temperature": 7}), T0)
    assert parse_duration("2d") == timedelta(days=2)
    assert job_needs_request(job(spec))
    assert not job_needs_request(job(spec, status={"phase": "Running", "observedGeneration": 1}))
    assert job_needs_request(job(spec, generation=2, status={"phase": "Completed", "observedGeneration": 1}))


def test_result_status_maps_failed_and_completed() -> None:
    result = AnalysisResult(event_id="r", incident_id="i", completed_at=T0, status="failed", title="t",
                            severity="warning", category="unknown", root_cause="LLM timed out", confidence=0.0,
                            requested_by="LogAnalysisJob/shop/j")
    failed = status_from_result(job({}), result, T0)
    assert failed["phase"] == "Failed" and "LLM timed out" in failed["error"]
    ok = status_from_result(job({}), result.model_copy(update={"status": "degraded"}), T0)
    assert ok["phase"] == "Completed" and ok["result"]["status"] == "degraded"


def test_redaction_and_secret_env_are_never_resolved() -> None:
    line = ('login password=hunter2 token: abc123 Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig123456 '
            'postgres://app:s3cr3t@db:5432/x AKIAABCDEFGHIJKLMNOP')
    clean = redact(line)
    for secret in ("hunter2", "abc123", "eyJhbGci", "s3cr3t", "AKIAABCDEFGHIJKLMNOP"):
        assert secret not in clean
    described = describe_pod(pod("shop", "api", env=[
        {"name": "API_TOKEN", "value": "literal-token-value"}, {"name": "MODE", "value": "fast"},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]))
    assert "literal-token-value" not in described and "API_TOKEN: <redacted>" in described
    assert "MODE: fast" in described and "DB_PASSWORD: <from secret db/password, not read>" in described


def test_budget_bounds_the_part_and_plan_follows_the_category() -> None:
    budget = Budget(total_bytes=3000, item_bytes=1000)
    for i in range(10):
        budget.add(f"r{i}", "t", "x" * 5000)
    assert budget.truncated and sum(len(i.body) for i in budget.items) <= 3000 and len(budget.items) == 3

    def inc(category: str, **target: str) -> Incident:
        return Incident(event_id="e", incident_id="i", opened_at=T0, source="alert", title="t", severity="warning",
                        category_hint=category, target=K8sRef(**target), window_start=T0, window_end=T0,  # type: ignore[arg-type]
                        evidence_deadline=T0)

    assert [plan(inc(c, namespace="a", pod="p", service="s", node="n"))
            for c in ("pod-crash", "endpoint-missing", "disk-pressure", "dns-issues", "oom-killed")] == [
        "pod", "service", "node", "network", "resource"]
    # the hint comes from an alert's name: a plan needs the object it reads, else the target decides
    assert plan(inc("service-down", namespace="a", pod="p")) == "pod"
    assert plan(inc("disk-pressure", namespace="a", pod="postgres-0")) == "pod"
    assert plan(inc("unknown", node="n1")) == "node" and plan(inc("unknown", namespace="x")) == "namespace"


def test_settings_read_namespaces_as_a_list_or_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    from cluster_watching.settings import ClusterWatchingSettings

    monkeypatch.setenv("LOGMESH_WATCH_NAMESPACES", "shop, payments")
    assert ClusterWatchingSettings().watch_namespaces == ["shop", "payments"]
    monkeypatch.setenv("LOGMESH_WATCH_NAMESPACES", '["a"]')
    assert ClusterWatchingSettings().watch_namespaces == ["a"]
    monkeypatch.delenv("LOGMESH_WATCH_NAMESPACES")
    settings = ClusterWatchingSettings()
    assert settings.watch_namespaces == [] and settings.kubeconfig is None and settings.buffer_retention_s == 86_400


def test_secret_corpus_recall_in_evidence_is_at_least_99_percent() -> None:
    from logmesh_testing.secret_corpus import corpus

    lines = corpus()
    missed = [e.kind for e in lines if e.leaked(redact(e.line))]
    assert len(missed) <= len(lines) // 100, missed
