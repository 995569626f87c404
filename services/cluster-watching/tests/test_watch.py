"""kubernetes-asyncio against the loopback API server: list, watch, bookmarks, 410, logs."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from cluster_watching.adapters.kubernetes import connect
from cluster_watching.domain import Detector
from cluster_watching.ports import Obj
from cluster_watching.reflector import Reflector
from cluster_watching.sim.scenarios import pod, service
from cluster_watching.sim.testing import Cluster, eventually


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str, str]] = []  # (kind, type, name, resourceVersion)

    async def __call__(self, kind: str, event_type: str, obj: Obj) -> None:
        m = obj["metadata"]
        self.seen.append((kind, event_type, m["name"], m.get("resourceVersion", "")))


async def start(reflectors: list[Reflector]) -> tuple[asyncio.Event, list[asyncio.Task[None]]]:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in reflectors]
    await eventually(lambda: all(r.stats.synced for r in reflectors), what="initial list")
    return stop, tasks


async def finish(stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_410_mid_watch_relists_without_missing_or_duplicating(cluster: Cluster) -> None:
    kubernetes = await connect(str(cluster.kubeconfig))
    recorder = Recorder()
    reflector = Reflector(kubernetes, "pods", None, recorder, watch_timeout_s=30)
    stop, tasks = await start([reflector])
    try:
        initial = {name for _, t, name, _ in recorder.seen if t == "ADDED"}
        assert initial == {"coredns-5d78c9869d-abcde", "frontend-7f9c8d-qwert", "checkout-6d8f7c9b5-x2k4q"}

        cluster.state.put("pods", pod("shop", "before-gone", labels={"app": "x"}))
        await eventually(lambda: any(n == "before-gone" for _, _, n, _ in recorder.seen), what="watch event")

        # compaction: the open watch gets ERROR 410; what changes before the client re-lists is
        # only visible through the re-list
        assert cluster.state.expire("pods") == 1
        cluster.state.put("pods", pod("shop", "during-gap", labels={"app": "y"}))
        cluster.state.delete("pods", "shop", "frontend-7f9c8d-qwert")
        cluster.scenario.crash()  # checkout restarts while the client is away

        await eventually(lambda: reflector.stats.relists_after_gone == 1 and reflector.stats.lists == 2, what="re-list")
        cluster.state.put("pods", pod("shop", "after-relist"))
        await eventually(lambda: any(n == "after-relist" for _, _, n, _ in recorder.seen), what="watch resumed")
    finally:
        await finish(stop, tasks)
        await kubernetes.close()

    changes = [(t, n) for _, t, n, _ in recorder.seen]
    assert changes.count(("ADDED", "during-gap")) == 1
    assert changes.count(("DELETED", "frontend-7f9c8d-qwert")) == 1
    assert changes.count(("MODIFIED", "checkout-6d8f7c9b5-x2k4q")) == 1
    assert changes.count(("ADDED", "after-relist")) == 1
    # nothing already seen came again: every (name, resourceVersion) once (a deletion found by the
    # re-list carries the last version known, as client-go's DeletedFinalStateUnknown does)
    versions = Counter((n, rv) for _, t, n, rv in recorder.seen if rv and t != "DELETED")
    assert max(versions.values()) == 1, versions
    assert [n for t, n in changes if t == "ADDED"].count("before-gone") == 1


async def test_crashloop_yields_exactly_one_serious_event_through_flapping_and_410(cluster: Cluster) -> None:
    kubernetes = await connect(str(cluster.kubeconfig))
    detector = Detector()
    published = []

    async def on_event(kind: str, event_type: str, obj: Obj) -> None:
        published.extend(detector.on_object(kind, event_type, obj, datetime.now(UTC)))

    reflectors = [Reflector(kubernetes, kind, None, on_event, watch_timeout_s=30) for kind in ("nodes", "pods", "events")]
    stop, tasks = await start(reflectors)
    try:
        for step in range(4):  # crash, back-off, crash, back-off: a flapping pod
            cluster.scenario.step()
            if step == 2:
                cluster.state.expire()  # and every watch expires in the middle of it
            await asyncio.sleep(0.1)
        # a change no watch here sees: only a BOOKMARK can carry its resourceVersion to them
        cluster.state.put("services", service("shop", "unwatched", {"app": "x"}))
        target = cluster.state.rv
        await eventually(lambda: all(int(r.resource_version or 0) >= target for r in reflectors),
                         what="watches caught up (bookmarks)")
    finally:
        await finish(stop, tasks)
        await kubernetes.close()

    assert [(e.reason, e.object.pod, e.serious, e.severity) for e in published] == [
        ("CrashLoopBackOff", "checkout-6d8f7c9b5-x2k4q", True, "critical")
    ]
    assert all(r.stats.bookmarks > 0 for r in reflectors)


async def test_pod_logs_tail_and_previous_through_the_client(cluster: Cluster) -> None:
    cluster.scenario.crash()
    kubernetes = await connect(str(cluster.kubeconfig))
    try:
        name = cluster.scenario.pod_name
        previous = await kubernetes.pod_log("shop", name, "app", tail=3, previous=True)
        current = await kubernetes.pod_log("shop", name, "app", tail=100)
        assert previous.splitlines() == [
            "Traceback (most recent call last):",
            '  File "/app/checkout/main.py", line 42, in <module>',
            "psycopg.OperationalError: connection to server at db.shop.svc failed: Connection refused",
        ]
        assert len(current.splitlines()) == 2
        assert await kubernetes.pod_log("shop", "frontend-7f9c8d-qwert", "app", tail=5, previous=True) == ""
        assert await kubernetes.get("pods", "shop", "missing") is None
        items, rv = await kubernetes.list("pods", None, field_selector="spec.nodeName=node-1", label_selector="app=checkout")
        assert [p["metadata"]["name"] for p in items] == [name] and int(rv) == cluster.state.rv
        assert (await kubernetes.version()).startswith("v1.33")
    finally:
        await kubernetes.close()


async def test_unreachable_api_server_backs_off_and_recovers(cluster: Cluster) -> None:
    from cluster_watching.sim import SimServer

    port = cluster.server.port
    await cluster.server.stop()
    kubernetes = await connect(str(cluster.kubeconfig), request_timeout_s=2)
    recorder = Recorder()
    reflector = Reflector(kubernetes, "nodes", None, recorder, watch_timeout_s=30, backoff_s=0.05, backoff_max_s=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(reflector.run(stop))
    try:
        await eventually(lambda: reflector.stats.failures >= 2, what="failures while down")
        assert not reflector.stats.synced
        async with SimServer(cluster.state, port=port, bookmark_interval_s=0.2):
            await eventually(lambda: reflector.stats.synced, what="recovery")
            assert ("nodes", "ADDED", "node-1") in [(k, t, n) for k, t, n, _ in recorder.seen]
    finally:
        await finish(stop, [task])
        await kubernetes.close()


async def test_sim_objects_deserialise_into_the_clients_typed_models(cluster: Cluster) -> None:
    """The loopback server's shapes satisfy kubernetes-asyncio's own models (required fields included)."""
    from kubernetes_asyncio import client, config

    cluster.scenario.crash()
    cluster.scenario.back_off()
    configuration = client.Configuration()
    await config.load_kube_config(config_file=str(cluster.kubeconfig), client_configuration=configuration)
    async with client.ApiClient(configuration) as api:
        core, networking = client.CoreV1Api(api), client.NetworkingV1Api(api)
        pods = await core.list_pod_for_all_namespaces()
        assert {p.metadata.name for p in pods.items} >= {cluster.scenario.pod_name}
        crashing = await core.read_namespaced_pod(cluster.scenario.pod_name, "shop")
        assert crashing.status.container_statuses[0].state.waiting.reason == "CrashLoopBackOff"
        assert (await core.list_node()).items[0].status.node_info.kubelet_version == "v1.33.0"
        assert (await core.list_namespaced_event("shop")).items[0].involved_object.name == cluster.scenario.pod_name
        assert (await core.read_namespaced_endpoints("checkout", "shop")).subsets[0].not_ready_addresses
        assert (await core.read_namespaced_service("checkout", "shop")).spec.selector == {"app": "checkout"}
        assert (await networking.list_namespaced_network_policy("shop")).items[0].metadata.name == "default-deny-ingress"


async def test_a_resource_the_server_does_not_serve_is_retried_slowly(cluster: Cluster) -> None:
    kubernetes = await connect(str(cluster.kubeconfig))
    try:
        assert (await kubernetes.list("loganalysisjobs", None))[0] == []  # served, empty
        kubernetes.custom.api_client.configuration.host += "/nothing-here"
        reflector = Reflector(kubernetes, "pods", None, Recorder(), missing_retry_s=60)
        stop = asyncio.Event()
        task = asyncio.create_task(reflector.run(stop))
        await eventually(lambda: reflector.stats.last_error is not None, what="404 seen")
        assert "does not serve pods" in reflector.stats.last_error and reflector.stats.failures == 0
        await finish(stop, [task])
    finally:
        await kubernetes.close()


async def test_a_namespaced_watch_sees_only_its_namespace(cluster: Cluster) -> None:
    kubernetes = await connect(str(cluster.kubeconfig))
    recorder = Recorder()
    reflector = Reflector(kubernetes, "pods", "kube-system", recorder, watch_timeout_s=30)
    stop, tasks = await start([reflector])
    try:
        cluster.state.put("pods", pod("shop", "elsewhere"))
        cluster.state.put("pods", pod("kube-system", "here"))
        await eventually(lambda: any(n == "here" for _, _, n, _ in recorder.seen), what="namespaced event")
    finally:
        await finish(stop, tasks)
        await kubernetes.close()
    assert {n for _, _, n, _ in recorder.seen} == {"coredns-5d78c9869d-abcde", "here"}
