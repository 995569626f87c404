"""Evidence plans for node, network, resource and namespace incidents, read through kubernetes-asyncio."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cluster_watching.adapters.kubernetes import NotConfiguredKubernetes, connect
from cluster_watching.buffer import ContextBuffer
from cluster_watching.evidence import EvidenceCollector
from cluster_watching.sim.scenarios import event, node, pod, running, terminated
from cluster_watching.sim.testing import Cluster
from logmesh_contracts import Incident, K8sRef

NOW = datetime.now(UTC)


def incident(category: str, **target: str) -> Incident:
    return Incident(event_id="e", incident_id=f"inc-{category}", opened_at=NOW, source="alert", title="t",
                    severity="warning", category_hint=category, target=K8sRef(**target),  # type: ignore[arg-type]
                    window_start=NOW - timedelta(minutes=5), window_end=NOW, evidence_deadline=NOW)


async def test_node_network_resource_and_namespace_plans(cluster: Cluster) -> None:
    state = cluster.state
    sick = state.put("nodes", node("node-2", ready=False, pressure=("DiskPressure",)))
    state.put("events", event("default", "node-2.notready", sick, "NodeNotReady", "Node node-2 status is now: NodeNotReady",
                              component="node-controller"))
    state.put("pods", pod("shop", "worker-1", node_name="node-2"))
    state.put("pods", pod("shop", "mem-hog", state=running(), restarts=3, last_state=terminated("OOMKilled", 137)))
    state.set_logs("shop", "mem-hog", "app", ["allocating 2GiB", "token=abcd1234 ok"], ["killed"])
    kubernetes = await connect(str(cluster.kubeconfig))
    collector = EvidenceCollector(kubernetes, ContextBuffer(), log_lines=100)
    try:
        node_part = await collector.collect(incident("node-not-ready", node="node-2"), NOW)
        network_part = await collector.collect(incident("dns-issues", namespace="shop"), NOW)
        resource_part = await collector.collect(incident("oom-killed", namespace="shop", pod="mem-hog"), NOW)
        namespace_part = await collector.collect(incident("unknown", namespace="shop"), NOW)
        missing_part = await collector.collect(incident("pod-crash", namespace="shop", pod="gone"), NOW)
    finally:
        await kubernetes.close()

    items = {i.ref: i for i in node_part.items}
    assert node_part.error is None
    assert "Ready=Unknown" in items["node:node-2"].body and "DiskPressure=True" in items["node:node-2"].body
    assert "Allocatable" in items["node:node-2"].body
    assert "NodeNotReady" in items["events:cluster"].body
    assert "shop/worker-1" in items["pods-on-node:node-2"].body and "frontend" not in items["pods-on-node:node-2"].body

    items = {i.ref: i for i in network_part.items}
    assert "default-deny-ingress" in items["networkpolicies:shop"].body
    assert "coredns" in items["dns:kube-system"].body and items["endpoints:kube-system/kube-dns"].title.endswith("0 not ready")
    assert any(ref.startswith("log:kube-system/coredns") and "CoreDNS-1.11.1" in i.body for ref, i in items.items())

    items = {i.ref: i for i in resource_part.items}
    assert "QoS class: Burstable" in items["resources:shop/mem-hog"].body
    assert "last termination=OOMKilled exit=137" in items["resources:shop/mem-hog"].body
    assert items["log:shop/mem-hog/app#previous"].body == "killed"
    assert "abcd1234" not in items["log:shop/mem-hog/app"].body

    assert [i.ref for i in namespace_part.items] == ["events:shop"]
    assert missing_part.items and "no pod found" in (missing_part.error or "")


async def test_unreachable_and_unconfigured_kubernetes_still_answer(cluster: Cluster) -> None:
    await cluster.server.stop()
    kubernetes = await connect(str(cluster.kubeconfig), request_timeout_s=2)
    try:
        part = await EvidenceCollector(kubernetes, ContextBuffer()).collect(incident("pod-crash", namespace="shop",
                                                                                    pod="x"), NOW)
    finally:
        await kubernetes.close()
    assert part.items == [] and "kubernetes unavailable" in (part.error or "")
    collector = EvidenceCollector(NotConfiguredKubernetes(), ContextBuffer())
    part = await collector.collect(incident("pod-crash"), NOW)
    again = await collector.collect(incident("pod-crash"), NOW + timedelta(seconds=5))
    assert "not configured" in (part.error or "") and part.event_id == again.event_id  # redelivery: same id
