"""Object builders in the API server's JSON shapes, and scripted scenarios for demos and tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from cluster_watching.sim.state import ClusterState, Obj, now_iso


def node(name: str, *, ready: bool = True, pressure: tuple[str, ...] = ()) -> Obj:
    conditions = [
        {"type": t, "status": "True" if t in pressure else "False", "reason": f"KubeletHas{'' if t in pressure else 'No'}{t}",
         "lastTransitionTime": now_iso()}
        for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ]
    conditions.append({"type": "Ready", "status": "True" if ready else "Unknown",
                       "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                       "message": "kubelet is posting ready status" if ready else "Kubelet stopped posting node status.",
                       "lastTransitionTime": now_iso()})
    return {
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "spec": {},
        "status": {
            "conditions": conditions,
            "allocatable": {"cpu": "3800m", "memory": "15Gi", "pods": "110"},
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "nodeInfo": {"architecture": "amd64", "bootID": f"boot-{name}", "containerRuntimeVersion": "containerd://2.0.0",
                         "kernelVersion": "6.1.0", "kubeProxyVersion": "v1.33.0", "kubeletVersion": "v1.33.0",
                         "machineID": f"machine-{name}", "operatingSystem": "linux", "osImage": "logmesh-sim",
                         "systemUUID": f"uuid-{name}"},
        },
    }


def running(started: str | None = None) -> Obj:
    return {"running": {"startedAt": started or now_iso()}}


def waiting(reason: str, message: str = "") -> Obj:
    return {"waiting": {"reason": reason, "message": message}}


def terminated(reason: str, exit_code: int, message: str = "") -> Obj:
    return {"terminated": {"reason": reason, "exitCode": exit_code, "message": message,
                           "startedAt": now_iso(), "finishedAt": now_iso()}}


def pod(
    namespace: str, name: str, *, node_name: str = "node-1", labels: dict[str, str] | None = None,
    container: str = "app", image: str = "registry.example/app:1.0", phase: str = "Running",
    state: Obj | None = None, last_state: Obj | None = None, restarts: int = 0, ready: bool | None = None,
    conditions: list[Obj] | None = None, reason: str | None = None, message: str | None = None,
    env: list[Obj] | None = None,
) -> Obj:
    state = state if state is not None else (running() if phase == "Running" else {})
    ready = ready if ready is not None else ("running" in state)
    status: Obj = {
        "phase": phase,
        "qosClass": "Burstable",
        "startTime": now_iso(),
        "conditions": conditions if conditions is not None else [
            {"type": "PodScheduled", "status": "True"},
            {"type": "Ready", "status": "True" if ready else "False"},
            {"type": "ContainersReady", "status": "True" if ready else "False"},
        ],
        "containerStatuses": [] if phase == "Pending" and not state else [{
            "name": container, "image": image, "ready": ready, "restartCount": restarts,
            "imageID": f"{image}@sha256:{'0' * 64}", "containerID": f"containerd://{name}-{container}-{restarts}",
            "state": state, "lastState": last_state or {}, "started": "running" in state,
        }],
    }
    if reason:
        status["reason"] = reason
    if message:
        status["message"] = message
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {
            "nodeName": node_name if phase != "Pending" or state else None,
            "containers": [{
                "name": container, "image": image,
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                "env": env or [],
            }],
        },
        "status": status,
    }


def event(
    namespace: str, name: str, involved: Obj, reason: str, message: str, *, type_: str = "Warning", count: int = 1,
    component: str = "kubelet",
) -> Obj:
    meta = involved.get("metadata", {})
    return {
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": {"kind": involved.get("kind", "Pod"), "namespace": meta.get("namespace"),
                           "name": meta.get("name"), "uid": meta.get("uid"), "apiVersion": "v1"},
        "reason": reason, "message": message, "type": type_, "count": count,
        "firstTimestamp": now_iso(), "lastTimestamp": now_iso(),
        "source": {"component": component},
    }


def service(namespace: str, name: str, selector: dict[str, str], port: int = 8080) -> Obj:
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": selector, "type": "ClusterIP", "clusterIP": "10.96.0.42",
                     "ports": [{"name": "http", "port": 80, "targetPort": port, "protocol": "TCP"}]}}


def endpoints(namespace: str, name: str, ready: list[tuple[str, str]], not_ready: list[tuple[str, str]],
              port: int = 8080) -> Obj:
    def addresses(items: list[tuple[str, str]]) -> list[Obj]:
        return [{"ip": ip, "targetRef": {"kind": "Pod", "name": pod_name, "namespace": namespace}} for ip, pod_name in items]

    subset: Obj = {"ports": [{"name": "http", "port": port, "protocol": "TCP"}]}
    if ready:
        subset["addresses"] = addresses(ready)
    if not_ready:
        subset["notReadyAddresses"] = addresses(not_ready)
    return {"metadata": {"name": name, "namespace": namespace}, "subsets": [subset]}


CRASH_LOG = [
    "2026-01-01T10:00:00Z INFO checkout starting on :8080",
    "2026-01-01T10:00:01Z INFO connecting to postgres://checkout@db.shop.svc:5432/orders",
    "2026-01-01T10:00:02Z ERROR connection refused: db.shop.svc:5432 (password=hunter2 rejected?)",
    "2026-01-01T10:00:02Z FATAL cannot start without database; exiting with code 1",
    "Traceback (most recent call last):",
    '  File "/app/checkout/main.py", line 42, in <module>',
    "psycopg.OperationalError: connection to server at db.shop.svc failed: Connection refused",
]


class Scenario:
    """A seed plus ordered steps; ``run`` plays them with a pause between steps."""

    name = "quiet"

    def __init__(self, state: ClusterState) -> None:
        self.state = state
        self.steps: list[Callable[[], None]] = []
        self.position = 0

    def seed(self) -> None:
        s = self.state
        s.put("namespaces", {"metadata": {"name": "default"}})
        s.put("namespaces", {"metadata": {"name": "kube-system"}})
        s.put("nodes", node("node-1"))
        coredns = s.put("pods", pod("kube-system", "coredns-5d78c9869d-abcde", labels={"k8s-app": "kube-dns"},
                                    container="coredns", image="registry.k8s.io/coredns/coredns:v1.11.1"))
        s.set_logs("kube-system", coredns["metadata"]["name"], "coredns",
                   [".:53", "CoreDNS-1.11.1", "linux/amd64, go1.22.2", "[INFO] plugin/reload: Running configuration"])
        s.put("services", service("kube-system", "kube-dns", {"k8s-app": "kube-dns"}, port=53))
        s.put("endpoints", endpoints("kube-system", "kube-dns", [("10.244.0.2", coredns["metadata"]["name"])], [], 53))

    def step(self) -> bool:
        """Play the next step; False when there is none left."""
        if self.position >= len(self.steps):
            return False
        self.steps[self.position]()
        self.position += 1
        return True

    async def run(self, interval_s: float = 2.0, repeat_last: int = 0) -> None:
        for _ in range(len(self.steps) - self.position):
            self.step()
            await asyncio.sleep(interval_s)
        for _ in range(repeat_last):
            self.steps[-1]()
            await asyncio.sleep(interval_s)


class CrashLoop(Scenario):
    """``shop/checkout`` crashes on start (its database refuses connections) and goes CrashLoopBackOff."""

    name = "crashloop"
    namespace = "shop"
    pod_name = "checkout-6d8f7c9b5-x2k4q"

    def __init__(self, state: ClusterState) -> None:
        super().__init__(state)
        self.restarts = 0
        self.steps = [self.crash, self.back_off, self.crash, self.back_off]

    def seed(self) -> None:
        super().seed()
        s, ns = self.state, self.namespace
        s.put("namespaces", {"metadata": {"name": ns}})
        s.put("pods", pod(ns, "frontend-7f9c8d-qwert", labels={"app": "frontend"}, image="registry.example/frontend:2.3"))
        s.set_logs(ns, "frontend-7f9c8d-qwert", "app", ["GET / 200 3ms", "GET /cart 200 5ms"])
        s.put("pods", self._checkout(running(), ready=True))
        s.set_logs(ns, self.pod_name, "app", CRASH_LOG[:2])
        s.put("services", service(ns, "checkout", {"app": "checkout"}))
        s.put("endpoints", endpoints(ns, "checkout", [("10.244.1.7", self.pod_name)], []))
        s.put("networkpolicies", {"metadata": {"name": "default-deny-ingress", "namespace": ns},
                                  "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})

    def _checkout(self, state: Obj, ready: bool, last: Obj | None = None) -> Obj:
        return pod(self.namespace, self.pod_name, labels={"app": "checkout"}, image="registry.example/checkout:4.1",
                   state=state, last_state=last, restarts=self.restarts, ready=ready,
                   env=[{"name": "DB_HOST", "value": "db.shop.svc"},
                        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "checkout-db", "key": "password"}}}])

    def crash(self) -> None:
        s, ns = self.state, self.namespace
        s.set_logs(ns, self.pod_name, "app", CRASH_LOG)  # what the container wrote before it died
        s.rotate_logs(ns, self.pod_name, "app")
        s.append_log(ns, self.pod_name, "app", *CRASH_LOG[:2])
        self.restarts += 1
        s.put("pods", self._checkout(running(), ready=False, last=terminated("Error", 1)))
        s.put("endpoints", endpoints(ns, "checkout", [], [("10.244.1.7", self.pod_name)]))

    def back_off(self) -> None:
        s, ns = self.state, self.namespace
        s.append_log(ns, self.pod_name, "app", *CRASH_LOG[2:])
        message = f"back-off {10 * 2 ** (self.restarts - 1)}s restarting failed container=app pod={self.pod_name}"
        checkout = s.put("pods", self._checkout(waiting("CrashLoopBackOff", message), ready=False,
                                                last=terminated("Error", 1)))
        s.put("events", event(ns, f"{self.pod_name}.backoff", checkout, "BackOff",
                              "Back-off restarting failed container app in pod " + self.pod_name,
                              count=self.restarts))


SCENARIOS: dict[str, type[Scenario]] = {"quiet": Scenario, "crashloop": CrashLoop}


def build(name: str, state: ClusterState) -> Scenario:
    try:
        return SCENARIOS[name](state)
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None


def describe() -> dict[str, Any]:
    return {name: (cls.__doc__ or "").strip() for name, cls in SCENARIOS.items()}
