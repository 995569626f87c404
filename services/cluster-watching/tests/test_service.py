"""The whole service on a real broker, watching the loopback API server through kubernetes-asyncio."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from kubernetes_asyncio import client, config
from starlette.applications import Starlette

from cluster_watching.app import create_app
from cluster_watching.settings import ClusterWatchingSettings
from cluster_watching.sim.testing import Cluster, eventually
from logmesh_contracts import AnalysisRequest, AnalysisResult, ClusterEvent, EvidencePart, Incident, K8sRef
from logmesh_contracts.topics import (
    ANALYSIS_REQUESTS,
    ANALYSIS_RESULTS,
    CLUSTER_EVENTS,
    EVIDENCE_PARTS,
    INCIDENTS_OPENED,
)
from logmesh_testing import read_topic, wait_for_messages

pytestmark = [pytest.mark.broker]


def settings_for(kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, kubeconfig: Path | None) -> ClusterWatchingSettings:
    return ClusterWatchingSettings(
        kafka_bootstrap=kafka_bootstrap, topic_prefix=topic_prefix, data_dir=tmp_path / "data",
        kubeconfig=str(kubeconfig) if kubeconfig else None, watch_timeout_s=30, retry_backoff_s=0.05,
        shutdown_grace_s=1.0, sweep_interval_s=3600,
    )


@contextlib.asynccontextmanager
async def running(settings: ClusterWatchingSettings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cluster-watching") as http:
            yield app, http


async def synced(app: Starlette) -> None:
    runtime = app.state.runtime
    await eventually(lambda: runtime.reflectors and all(r.stats.synced for r in runtime.reflectors), what="watches synced")


async def caught_up(app: Starlette, cluster: Cluster) -> None:
    target = cluster.state.rv
    await eventually(lambda: all(int(r.resource_version or 0) >= target for r in app.state.runtime.reflectors),
                     what="watches caught up")


def incident(incident_id: str, target: K8sRef, category: str = "pod-crash") -> Incident:
    now = datetime.now(UTC)
    return Incident(
        event_id=incident_id, incident_id=incident_id, opened_at=now, source="cluster-event", title="checkout crashing",
        severity="critical", category_hint=category, target=target,  # type: ignore[arg-type]
        window_start=now - timedelta(minutes=15), window_end=now, evidence_deadline=now + timedelta(seconds=60),
    )


async def test_crashloop_publishes_one_serious_event_and_the_api_shows_it(
    cluster: Cluster, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    async with running(settings_for(kafka_bootstrap, topic_prefix, tmp_path, cluster.kubeconfig)) as (app, http):
        await synced(app)
        await eventually(lambda: len(cluster.state.watchers) == 4, what="four watches open")
        cluster.scenario.step()  # crash
        cluster.scenario.step()  # CrashLoopBackOff + BackOff warning
        await caught_up(app, cluster)
        cluster.state.expire()  # every watch gets 410 in the middle of it
        cluster.scenario.step()  # flaps: runs again, crashes
        cluster.scenario.step()  # CrashLoopBackOff again (seen only through the re-list)
        await caught_up(app, cluster)
        records = await wait_for_messages(kafka_bootstrap, topic_prefix + CLUSTER_EVENTS.name, 1)

        ready = (await http.get("/ready")).json()
        pods = (await http.get("/cluster/pods", params={"namespace": "shop", "phase": "Running"})).json()
        events = (await http.get("/cluster/events", params={"type": "cluster", "since": "15m"})).json()
        history = (await http.get(f"/cluster/pods/shop/{cluster.scenario.pod_name}/history")).json()
        logs = (await http.get(f"/cluster/pods/shop/{cluster.scenario.pod_name}/logs",
                               params={"tail": 3, "previous": "true"})).json()
        status = (await http.get("/cluster/status")).json()
        health = await http.get("/cluster/health")
        bad_since = await http.get("/cluster/events", params={"since": "yesterday-ish"})
        missing = await http.get("/cluster/pods/shop/nope/history")

    assert len(records) == 1, [json.loads(r.value) for r in records]
    event = ClusterEvent.model_validate_json(records[0].value)
    assert records[0].key == f"shop/{cluster.scenario.pod_name}".encode()
    assert (event.reason, event.serious, event.severity, event.object.pod) == (
        "CrashLoopBackOff", True, "critical", cluster.scenario.pod_name)

    assert ready["ready"] and ready["checks"]["kubernetes"]["ok"]
    assert {p["name"] for p in pods["pods"]} == {"frontend-7f9c8d-qwert", cluster.scenario.pod_name}
    assert [e["reason"] for e in events["events"]] == ["CrashLoopBackOff"]
    assert [c["state"] for s in history["snapshots"] for c in s["containers"]] == [
        "running", "running", "waiting", "waiting"]
    assert logs["lines"][-1].startswith("psycopg.OperationalError")
    assert status["pods"]["total"] == 3 and status["recent_events"]
    assert health.status_code == 200 and health.json()["kubernetes"]["connected"]
    assert health.json()["watches"]["pods/*"]["relists_after_gone"] == 1
    assert bad_since.status_code == 400 and "since" in bad_since.json()["error"]
    assert missing.status_code == 404


async def test_pod_incident_evidence_has_logs_description_and_events_without_secrets(
    cluster: Cluster, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(kafka_bootstrap, topic_prefix, tmp_path, cluster.kubeconfig)
    async with running(settings) as (app, http):
        await synced(app)
        for _ in range(2):
            cluster.scenario.step()
        await caught_up(app, cluster)
        service = app.state.service
        target = K8sRef(namespace="shop", pod=cluster.scenario.pod_name)
        await service.mesh.publish(INCIDENTS_OPENED, incident("inc-pod", target), key="inc-pod")
        await service.mesh.publish(INCIDENTS_OPENED, incident("inc-svc", K8sRef(namespace="shop", service="checkout"),
                                                              "endpoint-missing"), key="inc-svc")
        records = await wait_for_messages(kafka_bootstrap, topic_prefix + EVIDENCE_PARTS.name, 2)
        metrics = (await http.get("/metrics")).text

    assert 'logmesh_cluster_evidence_parts_total{outcome="ok",plan="pod"} 1.0' in metrics
    assert 'logmesh_cluster_events_total{reason="CrashLoopBackOff",serious="true"} 1.0' in metrics
    assert 'logmesh_k8s_watch_synced{kind="pods",namespace="*"} 1.0' in metrics
    parts = {p.incident_id: p for p in (EvidencePart.model_validate_json(r.value) for r in records)}
    part = parts["inc-pod"]
    assert (part.kind, part.provider, part.error) == ("cluster", "cluster-watching", None)
    items = {item.ref: item for item in part.items}
    name = cluster.scenario.pod_name
    assert "connection refused" in items[f"log:shop/{name}/app#previous"].body
    assert items[f"log:shop/{name}/app"].attributes["lines"] == "7"
    assert "BackOff" in items["events:shop"].body
    assert "app waiting(CrashLoopBackOff) restarts=1 last=Error" in items[f"history:shop/{name}"].body
    describe = items[f"pod:shop/{name}"].body
    assert "CrashLoopBackOff" in describe and "restarts=1" in describe
    assert "DB_PASSWORD: <from secret checkout-db/password, not read>" in describe
    everything = records[0].value.decode() + records[1].value.decode()
    assert "hunter2" not in everything and "password=[REDACTED:secret-value]" in everything

    service_items = {i.ref: i for i in parts["inc-svc"].items}
    assert service_items["endpoints:shop/checkout"].attributes == {"namespace": "shop", "ready": "0", "not_ready": "1"}
    assert "Selector: {'app': 'checkout'}" in service_items["service:shop/checkout"].body
    assert "restarts=1" in service_items["pods:shop/checkout"].body
    # the sick pod behind the service, with its previous log (why the service fails)
    assert "connection refused" in service_items[f"log:shop/{name}/app#previous"].body


async def _job_client(kubeconfig: Path) -> client.ApiClient:
    configuration = client.Configuration()
    await config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    return client.ApiClient(configuration)


def job(name: str, duration: str = "30m") -> dict:
    return {"apiVersion": "logmesh.io/v1alpha1", "kind": "LogAnalysisJob", "metadata": {"name": name},
            "spec": {"timeRange": {"duration": duration}, "namespace": "shop",
                     "podSelector": {"matchLabels": {"app": "checkout"}}, "severities": ["error"],
                     "analysisType": "root-cause", "maxTokens": 800, "temperature": 0.1}}


def result_for(request: AnalysisRequest, status: str = "complete") -> AnalysisResult:
    return AnalysisResult(
        event_id=f"result-{request.event_id}", incident_id=f"inc-{request.event_id}", completed_at=datetime.now(UTC),
        status=status, title="checkout cannot reach its database", severity="critical",  # type: ignore[arg-type]
        category="pod-crash", root_cause="PostgreSQL at db.shop.svc refuses connections" if status != "failed"
        else "LLM provider unavailable", confidence=0.8, actions=["check db endpoints"],
        latencies_ms={"evidence": 120.0, "llm": 900.5}, requested_by=request.requested_by, model="deterministic",
    )


def phases(cluster: Cluster, name: str) -> list[str]:
    seen: list[str] = []
    for _rv, resource, _type, obj in cluster.state.history:
        phase = (obj.get("status") or {}).get("phase")
        if resource == "loganalysisjobs" and obj["metadata"]["name"] == name and phase and (not seen or seen[-1] != phase):
            seen.append(phase)
    return seen


async def test_log_analysis_job_goes_pending_running_completed_or_failed(
    cluster: Cluster, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    api = await _job_client(cluster.kubeconfig)
    custom = client.CustomObjectsApi(api)
    settings = settings_for(kafka_bootstrap, topic_prefix, tmp_path, cluster.kubeconfig)
    try:
        async with running(settings) as (app, _http):
            await synced(app)
            for name in ("good", "fails-in-analysis"):
                await custom.create_namespaced_custom_object("logmesh.io", "v1alpha1", "shop", "loganalysisjobs", job(name))
            await custom.create_namespaced_custom_object("logmesh.io", "v1alpha1", "shop", "loganalysisjobs",
                                                         job("invalid", duration="banana"))
            records = await wait_for_messages(kafka_bootstrap, topic_prefix + ANALYSIS_REQUESTS.name, 2)
            requests = {r.requested_by: r for r in (AnalysisRequest.model_validate_json(x.value) for x in records)}
            assert set(requests) == {"LogAnalysisJob/shop/good", "LogAnalysisJob/shop/fails-in-analysis"}
            good = requests["LogAnalysisJob/shop/good"]
            assert (good.target.namespace, good.pod_selector, good.max_tokens) == ("shop", {"app": "checkout"}, 800)
            assert good.window_end - good.window_start == timedelta(minutes=30)
            running_job = await custom.get_namespaced_custom_object("logmesh.io", "v1alpha1", "shop", "loganalysisjobs",
                                                                    "good")
            assert running_job["status"]["phase"] == "Running"

            service = app.state.service
            await service.mesh.publish(ANALYSIS_RESULTS, result_for(good), key="r1")
            await service.mesh.publish(ANALYSIS_RESULTS, result_for(requests["LogAnalysisJob/shop/fails-in-analysis"],
                                                                    "failed"), key="r2")

            async def status(name: str) -> dict:
                obj = await custom.get_namespaced_custom_object("logmesh.io", "v1alpha1", "shop", "loganalysisjobs", name)
                return obj.get("status") or {}

            await eventually(lambda: phases(cluster, "good")[-1:] == ["Completed"], what="good completed")
            await eventually(lambda: phases(cluster, "fails-in-analysis")[-1:] == ["Failed"], what="analysis failure")
            completed, failed, invalid = await status("good"), await status("fails-in-analysis"), await status("invalid")
    finally:
        await api.close()

    assert phases(cluster, "good") == ["Pending", "Running", "Completed"]
    assert completed["result"]["rootCause"] == "PostgreSQL at db.shop.svc refuses connections"
    assert completed["stageDurations"] == {"evidence": 120.0, "llm": 900.5}
    assert completed["observedGeneration"] == 1 and completed["completionTime"]
    assert phases(cluster, "fails-in-analysis") == ["Pending", "Running", "Failed"]
    assert "LLM provider unavailable" in failed["error"]
    assert phases(cluster, "invalid") == ["Pending", "Failed"]
    assert "spec.timeRange.duration" in invalid["error"]
    assert len(await read_topic(kafka_bootstrap, topic_prefix + ANALYSIS_REQUESTS.name)) == 2


async def test_without_kubeconfig_it_starts_and_answers_evidence_with_an_error(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    async with running(settings_for(kafka_bootstrap, topic_prefix, tmp_path, None)) as (app, http):
        ready = await http.get("/ready")
        logs = await http.get("/cluster/pods/shop/x/logs")
        await app.state.service.mesh.publish(INCIDENTS_OPENED, incident("inc-1", K8sRef(namespace="shop", pod="x")),
                                             key="inc-1")
        (record,) = await wait_for_messages(kafka_bootstrap, topic_prefix + EVIDENCE_PARTS.name, 1)

    assert ready.status_code == 200
    assert ready.json()["checks"]["kubernetes"] == {"ok": True, "detail": "not configured"}
    assert logs.status_code == 503
    part = EvidencePart.model_validate_json(record.value)
    assert part.incident_id == "inc-1" and part.items == [] and "not configured" in (part.error or "")
