"""Second-round collection: the first round's evidence decides what else is read, within bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cluster_watching.adapters.kubernetes import connect
from cluster_watching.buffer import ContextBuffer
from cluster_watching.evidence import MAX_FOLLOW_UPS, EvidenceCollector, follow_ups
from cluster_watching.sim.scenarios import endpoints, event, node, pod, service, terminated, waiting
from cluster_watching.sim.testing import Cluster
from logmesh_contracts import EvidenceItem, Incident, K8sRef

NOW = datetime.now(UTC)


def incident(category: str, **target: str) -> Incident:
    return Incident(event_id="e", incident_id=f"inc-{category}", opened_at=NOW, source="alert", title="t",
                    severity="warning", category_hint=category, target=K8sRef(**target),  # type: ignore[arg-type]
                    window_start=NOW - timedelta(minutes=5), window_end=NOW, evidence_deadline=NOW)


def test_follow_ups_are_read_from_the_evidence_and_bounded() -> None:
    items = [
        EvidenceItem(ref="endpoints:pay/api", title="Endpoints of pay/api: 0 ready, 0 not ready", body="Ready: <none>"),
        EvidenceItem(ref="pod:pay/api-1", title="Pod pay/api-1 (Failed)",
                     body="Name: pay/api-1\nNode: worker-3\nPhase: Failed (Evicted: The node was low on resource: memory.)"),
        EvidenceItem(ref="log:pay/api-1/app", title="log",
                     body="GET http://ledger.pay.svc:8080/x: dial tcp 10.0.0.9:8080: connect: connection refused\n"
                          "x509: certificate has expired or is not yet valid"),
    ]
    wanted = follow_ups(incident("service-down", namespace="pay", service="api"), items)
    assert ("labels", "pay", "api") in wanted
    assert ("node", "", "worker-3") in wanted
    assert ("dependency", "pay", "ledger") in wanted
    assert ("certificates", "pay", "") in wanted
    many = [EvidenceItem(ref=f"x{i}", title=f"Endpoints of ns/s{i}: 0 ready", body="") for i in range(10)]
    assert len(follow_ups(incident("service-down", namespace="ns"), many)) == MAX_FOLLOW_UPS


async def test_second_round_reads_labels_node_dependency_and_certificates(cluster: Cluster) -> None:
    state = cluster.state
    state.put("services", service("pay", "api", {"app": "payments", "tier": "api"}))
    state.put("endpoints", endpoints("pay", "api", [], []))
    state.put("pods", pod("pay", "payments-1", labels={"app": "payments", "tier": "backend"}))
    evicted = state.put("pods", pod("pay", "api-x", node_name="worker-3", phase="Failed", state=terminated("Evicted", 137),
                                    reason="Evicted", message="The node was low on resource: memory.",
                                    labels={"app": "payments", "tier": "api-old"}))
    state.put("events", event("pay", "api-x.evicted", evicted, "Evicted", "The node was low on resource: memory."))
    state.put("nodes", node("worker-3", pressure=("MemoryPressure",)))
    state.put("services", service("pay", "ledger", {"app": "ledger"}))
    state.put("endpoints", endpoints("pay", "ledger", [], [("10.0.0.9", "ledger-1")]))
    state.put("pods", pod("pay", "ledger-1", labels={"app": "ledger"}, state=waiting("CrashLoopBackOff"), restarts=7))
    crashing = state.put("pods", pod("pay", "web-1", labels={"app": "web"}, state=waiting("CrashLoopBackOff"), restarts=4,
                                     last_state=terminated("Error", 1)))
    state.set_logs("pay", "web-1", "app", ["starting"],
                   ["GET http://ledger.pay.svc:8080/v1: dial tcp 10.0.0.9:8080: connect: connection refused",
                    "x509: certificate has expired or is not yet valid"])
    state.put("certificates", {
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": {"name": "web-tls", "namespace": "pay"},
        "spec": {"secretName": "web-tls", "dnsNames": ["web.example.com"], "issuerRef": {"name": "letsencrypt"}},
        "status": {"notAfter": "2026-01-15T00:00:00Z",
                   "conditions": [{"type": "Ready", "status": "False", "reason": "Expired", "message": "expired"}]}})
    state.put("horizontalpodautoscalers", {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "api", "namespace": "pay"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api"}, "minReplicas": 2, "maxReplicas": 10,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"averageUtilization": 70}}}]},
        "status": {"currentReplicas": 10, "desiredReplicas": 10,
                   "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 97}}}],
                   "conditions": [{"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas",
                                   "message": "the desired replica count is more than the maximum replica count"}]}})
    assert crashing
    kubernetes = await connect(str(cluster.kubeconfig))
    collector = EvidenceCollector(kubernetes, ContextBuffer())
    try:
        service_part = await collector.collect(incident("endpoint-missing", namespace="pay", service="api"), NOW)
        pod_part = await collector.collect(incident("pod-crash", namespace="pay", pod="web-1"), NOW)
    finally:
        await kubernetes.close()

    items = {i.ref: i for i in service_part.items}
    assert "labels=app=payments,tier=backend" in items["pods-labels:pay"].body  # beside Selector: tier=api
    assert "MemoryPressure=True" in items["node:worker-3"].body  # eviction -> node conditions
    assert items["node:worker-3"].attributes["round"] == "2"
    hpa = items["hpa:pay/api"].body  # the service's autoscaler, in the first round
    assert "current=10 desired=10 min=2 max=10" in hpa and "cpu 97% (target 70%)" in hpa and "ScalingLimited=True" in hpa

    items = {i.ref: i for i in pod_part.items}
    assert "0 ready, 1 not ready" in items["endpoints:pay/ledger"].title  # connection refused -> ledger
    assert "CrashLoopBackOff" in items["pods:pay/ledger"].body
    cert = items["certificates:pay"].body  # TLS error -> certificate status, never the Secret
    assert "notAfter=2026-01-15T00:00:00Z" in cert and "Ready=False (Expired" in cert
    assert not any(r.startswith("secret") for r in items)


def replicaset(name: str, revision: int, image: str, timeout: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "shop", "creationTimestamp": f"2026-01-15T09:{40 + revision}:00Z",
                         "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                         "ownerReferences": [{"kind": "Deployment", "name": "checkout"}]},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image, "env": [
                {"name": "TIMEOUT", "value": timeout},
                {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]}]}}}}


async def test_a_pod_incident_carries_its_rollout_diff_and_recently_changed_configmaps(cluster: Cluster) -> None:
    state = cluster.state
    state.put("replicasets", replicaset("checkout-1", 1, "shop/checkout:3.0", "5000"))
    state.put("replicasets", replicaset("checkout-2", 2, "shop/checkout:3.1", "5s"))
    crashing = pod("shop", "checkout-2-x", state=waiting("CrashLoopBackOff"), restarts=4, last_state=terminated("Error", 2))
    crashing["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": "checkout-2"}]
    crashing["spec"]["containers"][0]["env"] = [
        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "checkout-config", "key": "mode"}}}]
    crashing["spec"]["volumes"] = [{"name": "old", "configMap": {"name": "stale-config"}}]
    state.put("pods", crashing)
    recent = (NOW - timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    state.put("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": {"name": "checkout-config", "namespace": "shop",
                                          "managedFields": [{"manager": "kubectl", "time": recent}]},
                             "data": {"mode": "strict", "password_hint": "hunter2"}})
    state.put("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": {"name": "stale-config", "namespace": "shop",
                                          "managedFields": [{"manager": "kubectl", "time": "2025-01-01T00:00:00Z"}]},
                             "data": {"a": "b"}})
    kubernetes = await connect(str(cluster.kubeconfig))
    try:
        part = await EvidenceCollector(kubernetes, ContextBuffer()).collect(
            incident("pod-crash", namespace="shop", pod="checkout-2-x"), NOW)
    finally:
        await kubernetes.close()
    items = {i.ref: i for i in part.items}
    rollout = items["change:shop/deployment/checkout"]
    assert "(revision 1 -> 2)" in rollout.title
    assert "- app.image: shop/checkout:3.0" in rollout.body and "+ app.image: shop/checkout:3.1" in rollout.body
    assert "+ app.env.TIMEOUT: 5s" in rollout.body and "DB_PASSWORD" not in rollout.body  # unchanged lines omitted
    config = items["change:shop/configmap/checkout-config"]
    assert "keys: mode, password_hint" in config.body and "hunter2" not in config.body and "strict" not in config.body
    assert "change:shop/configmap/stale-config" not in items  # changed long before the window
