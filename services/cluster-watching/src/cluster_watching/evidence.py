"""Cluster evidence for an incident: what to collect for its category, how to show it, how to bound it.

Formatting and redaction are pure; ``EvidenceCollector`` does the reads through the port.
Secrets are never read: the collector never lists or gets Secret objects, env values that
come from ``secretKeyRef`` are named, never resolved, and token-like strings in log lines
are masked by the runtime's redaction stage (literal env values under secret-like names: ``<redacted>``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cluster_watching.buffer import ContextBuffer, Snapshot
from cluster_watching.domain import parse_time
from cluster_watching.ports import Kubernetes, KubernetesUnavailable
from logmesh_contracts import EvidenceItem, EvidencePart, Incident, stable_id
from logmesh_runtime.redaction import redact as runtime_redact

Obj = dict[str, Any]
PROVIDER = "cluster-watching"

POD_CATEGORIES = {"pod-crash", "pod-restart", "pod-pending"}
SERVICE_CATEGORIES = {"service-down", "endpoint-missing"}
NODE_CATEGORIES = {"node-not-ready", "disk-pressure"}
NETWORK_CATEGORIES = {"network-policy", "dns-issues"}
RESOURCE_CATEGORIES = {"oom-killed", "cpu-throttling"}

_SECRETISH_NAME = re.compile(r"(?i)pass|secret|token|key|credential|auth")  # env names whose literal values we hide


def redact(text: str) -> str:
    """Every evidence part goes through the runtime's one redaction stage before it is published."""
    return runtime_redact(text)


def clip(text: str, limit: int) -> tuple[str, bool]:
    data = text.encode()
    if len(data) <= limit:
        return text, False
    return data[: max(0, limit - 20)].decode(errors="ignore") + "\n…[truncated]", True


def _m(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _env_line(env: Obj) -> str:
    name = env.get("name", "?")
    source = env.get("valueFrom") or {}
    if "secretKeyRef" in source:
        ref = source["secretKeyRef"]
        return f"{name}: <from secret {ref.get('name')}/{ref.get('key')}, not read>"
    if "configMapKeyRef" in source:
        ref = source["configMapKeyRef"]
        return f"{name}: <from configmap {ref.get('name')}/{ref.get('key')}>"
    if source:
        return f"{name}: <from {next(iter(source))}>"
    value = str(env.get("value", ""))
    return f"{name}: {'<redacted>' if _SECRETISH_NAME.search(name) else redact(value)[:200]}"


def _state_line(state: Obj) -> str:
    if not state:
        return "-"
    kind, detail = next(iter(state.items()))
    detail = detail or {}
    parts = [kind]
    for key in ("reason", "exitCode", "startedAt", "finishedAt"):
        if detail.get(key) not in (None, ""):
            parts.append(f"{key}={detail[key]}")
    if detail.get("message"):
        parts.append(f"message={redact(str(detail['message']))[:300]}")
    return " ".join(parts)


def describe_pod(pod: Obj) -> str:
    m, spec, status = _m(pod), pod.get("spec") or {}, pod.get("status") or {}
    lines = [
        f"Name: {m.get('namespace')}/{m.get('name')}",
        f"Node: {spec.get('nodeName') or '<none>'}",
        f"Phase: {status.get('phase')}" + (f" ({status.get('reason')}: {status.get('message', '')})"
                                           if status.get("reason") else ""),
        f"QoS: {status.get('qosClass', '?')}",
        f"Labels: {', '.join(f'{k}={v}' for k, v in sorted((m.get('labels') or {}).items())) or '<none>'}",
        "Conditions: " + ", ".join(f"{c.get('type')}={c.get('status')}" + (f"({c['reason']})" if c.get("reason") else "")
                                   for c in status.get("conditions") or []),
    ]
    statuses = {cs.get("name"): cs for cs in (status.get("containerStatuses") or [])}
    for container in spec.get("containers") or []:
        name = container.get("name")
        cs = statuses.get(name, {})
        resources = container.get("resources") or {}
        lines += [
            f"Container {name}: image={container.get('image')} ready={cs.get('ready')} "
            f"restarts={cs.get('restartCount', 0)}",
            f"  State: {_state_line(cs.get('state') or {})}",
            f"  Last state: {_state_line(cs.get('lastState') or {})}",
            f"  Requests: {resources.get('requests') or {}}  Limits: {resources.get('limits') or {}}",
        ]
        env = container.get("env") or []
        if env:
            lines.append("  Env: " + "; ".join(_env_line(e) for e in env[:30]))
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if container.get(probe):
                lines.append(f"  {probe}: {container[probe]}")
    return "\n".join(lines)


def describe_node(node: Obj) -> str:
    m, status = _m(node), node.get("status") or {}
    lines = [f"Name: {m.get('name')}", "Conditions:"]
    for c in status.get("conditions") or []:
        lines.append(f"  {c.get('type')}={c.get('status')} {c.get('reason', '')}: {c.get('message', '')}")
    lines.append(f"Allocatable: {status.get('allocatable') or {}}")
    lines.append(f"Capacity: {status.get('capacity') or {}}")
    if (node.get("spec") or {}).get("taints"):
        lines.append(f"Taints: {node['spec']['taints']}")
    if (node.get("spec") or {}).get("unschedulable"):
        lines.append("Unschedulable: true (cordoned)")
    return "\n".join(lines)


def describe_service(service: Obj) -> str:
    m, spec = _m(service), service.get("spec") or {}
    ports = ", ".join(f"{p.get('name', '')}:{p.get('port')}->{p.get('targetPort')}/{p.get('protocol', 'TCP')}"
                      for p in spec.get("ports") or [])
    return (f"Name: {m.get('namespace')}/{m.get('name')}\nType: {spec.get('type')}  ClusterIP: {spec.get('clusterIP')}\n"
            f"Selector: {spec.get('selector') or {}}\nPorts: {ports}")


def describe_endpoints(endpoints: Obj | None) -> tuple[str, int, int]:
    if not endpoints:
        return "no Endpoints object", 0, 0
    ready, not_ready = [], []
    for subset in endpoints.get("subsets") or []:
        for a in subset.get("addresses") or []:
            ready.append(f"{a.get('ip')} ({(a.get('targetRef') or {}).get('name', '?')})")
        for a in subset.get("notReadyAddresses") or []:
            not_ready.append(f"{a.get('ip')} ({(a.get('targetRef') or {}).get('name', '?')})")
    body = f"Ready: {', '.join(ready) or '<none>'}\nNot ready: {', '.join(not_ready) or '<none>'}"
    return body, len(ready), len(not_ready)


def event_line(ev: Obj) -> str:
    involved = ev.get("involvedObject") or {}
    when = ev.get("lastTimestamp") or ev.get("eventTime") or ev.get("firstTimestamp") or ""
    return (f"{when} {ev.get('type')} {ev.get('reason')} {involved.get('kind')}/{involved.get('name')} "
            f"(x{ev.get('count') or 1}): {redact(str(ev.get('message') or ''))}")


def _event_sort_key(ev: Obj) -> str:
    return str(ev.get("lastTimestamp") or ev.get("eventTime") or ev.get("firstTimestamp") or "")


def plan(incident: Incident) -> str:
    """Which collection an incident gets: pod, service, node, network, resource or namespace."""
    category, target = incident.category_hint, incident.target
    has_service = bool(target.service or (target.kind or "").lower() == "service")
    # the hint is a guess from the alert's name: a plan it picks needs the object that plan reads
    if category in RESOURCE_CATEGORIES and (target.pod or target.namespace):
        return "resource"
    if category in NETWORK_CATEGORIES:
        return "network"
    if category in NODE_CATEGORIES and target.node:
        return "node"
    if category in SERVICE_CATEGORIES and has_service:
        return "service"
    if category in POD_CATEGORIES:
        return "pod"
    if target.pod:
        return "pod"
    if target.service or (target.kind or "").lower() == "service":
        return "service"
    if target.node:
        return "node"
    return "namespace"


# ----------------------------------------------------------- second round

_ZERO_READY = re.compile(r"^Endpoints of ([\w.\-]+)/([\w.\-]+): 0 ready")
_EVICTED = re.compile(r"evicted|low on resource|memorypressure|diskpressure|pidpressure", re.I)
_NODE_OF_POD = re.compile(r"^Node: ([\w.\-]+)$", re.M)
_EVICTED_POD = re.compile(r"\bEvicted Pod/([\w.\-]+)")
_NODE_REF = re.compile(r"\bNode/([\w.\-]+)")
_REFUSED = re.compile(r"(?:dial tcp |connect to |https?://)?([a-z0-9][a-z0-9\-]*)(?:\.([a-z0-9\-]+))?(?:\.svc[\w.]*)?:(\d{2,5})"
                      r"[^\n]{0,80}?(?:connection refused|econnrefused)", re.I)
_TLS = re.compile(r"x509:|certificate (?:has )?expired|expired certificate|tls: |ssl certificate|certificate verify", re.I)
MAX_FOLLOW_UPS = 4


def follow_ups(incident: Incident, items: list[EvidenceItem]) -> list[tuple[str, str, str]]:
    """What the first round's evidence points at: (kind, namespace, name), at most MAX_FOLLOW_UPS.

    no ready endpoints -> the pods' labels beside the selector; eviction or pressure -> the node's
    conditions; connection refused to X -> X's endpoints and pods; TLS errors -> certificate status.
    """
    namespace = incident.target.namespace or ""
    have = {item.ref for item in items}
    wanted: list[tuple[str, str, str]] = []

    def want(kind: str, ns: str, name: str) -> None:
        if (kind, ns, name) not in wanted and len(wanted) < MAX_FOLLOW_UPS:
            wanted.append((kind, ns, name))

    for item in items:
        text = f"{item.title}\n{item.body}"
        zero = _ZERO_READY.match(item.title)
        if zero:
            want("labels", zero.group(1), zero.group(2))
        if _EVICTED.search(text):
            for node in _NODE_OF_POD.findall(item.body) + _NODE_REF.findall(item.body):
                if f"node:{node}" not in have:
                    want("node", "", node)
            for pod in _EVICTED_POD.findall(item.body):
                if namespace and f"pod:{namespace}/{pod}" not in have:
                    want("evicted-pod", namespace, pod)
        for host, ns, _port in _REFUSED.findall(text):
            if host not in {"localhost", "127", "0"} and not host[0].isdigit():
                want("dependency", ns or namespace, host)
        if namespace and _TLS.search(text):
            want("certificates", namespace, "")
    return wanted


def describe_certificate(cert: Obj) -> str:
    """cert-manager Certificate status: names, dates and conditions only; the Secret is never read."""
    m, spec, status = _m(cert), cert.get("spec") or {}, cert.get("status") or {}
    conditions = ", ".join(f"{c.get('type')}={c.get('status')}" + (f" ({c.get('reason')}: {redact(str(c.get('message', '')))[:200]})"
                                                                  if c.get("reason") else "")
                           for c in status.get("conditions") or [])
    return (f"Certificate {m.get('namespace')}/{m.get('name')}: secret={spec.get('secretName')} "
            f"dnsNames={','.join(spec.get('dnsNames') or [])} issuer={(spec.get('issuerRef') or {}).get('name')} "
            f"notAfter={status.get('notAfter', '-')} renewalTime={status.get('renewalTime', '-')} "
            f"lastFailureTime={status.get('lastFailureTime', '-')} conditions: {conditions or '-'}")


def describe_hpa(hpa: Obj) -> str:
    m, spec, status = _m(hpa), hpa.get("spec") or {}, hpa.get("status") or {}
    target = spec.get("scaleTargetRef") or {}
    metrics = []
    for metric in status.get("currentMetrics") or []:
        resource = metric.get("resource") or {}
        current = (resource.get("current") or {}).get("averageUtilization")
        if resource.get("name") and current is not None:
            wanted = next((((s.get("resource") or {}).get("target") or {}).get("averageUtilization")
                           for s in spec.get("metrics") or [] if (s.get("resource") or {}).get("name") == resource["name"]), None)
            metrics.append(f"{resource['name']} {current}%" + (f" (target {wanted}%)" if wanted is not None else ""))
    conditions = ", ".join(f"{c.get('type')}={c.get('status')}({c.get('reason', '')})" for c in status.get("conditions") or [])
    limited = next((c for c in status.get("conditions") or [] if c.get("type") == "ScalingLimited" and c.get("status") == "True"), None)
    return (f"Name: {m.get('namespace')}/{m.get('name')}  Target: {target.get('kind')}/{target.get('name')}\n"
            f"Replicas: current={status.get('currentReplicas')} desired={status.get('desiredReplicas')} "
            f"min={spec.get('minReplicas', 1)} max={spec.get('maxReplicas')}\n"
            f"Metrics: {', '.join(metrics) or '-'}\n"
            f"Conditions: {conditions or '-'}" + (f": {limited.get('message', '')}" if limited else ""))


# ------------------------------------------------------------------ changes


def _template_summary(template: Obj) -> dict[str, str]:
    """What a rollout changes in a pod template: images, commands, env (secret values never), resources."""
    out: dict[str, str] = {}
    for c in (template.get("spec") or {}).get("containers") or []:
        name = c.get("name")
        out[f"{name}.image"] = str(c.get("image"))
        for key in ("command", "args"):
            if c.get(key):
                out[f"{name}.{key}"] = redact(" ".join(map(str, c[key])))[:200]
        for env in c.get("env") or []:
            out[f"{name}.env.{env.get('name')}"] = _env_line(env).split(": ", 1)[-1]
        if c.get("resources"):
            out[f"{name}.resources"] = str(c["resources"])
    return out


def _revision(rs: Obj) -> int:
    try:
        return int((_m(rs).get("annotations") or {}).get("deployment.kubernetes.io/revision", 0))
    except ValueError:
        return 0


def rollout_diff(replicasets: list[Obj]) -> tuple[Obj, Obj, list[str]] | None:
    """A Deployment's latest two revisions and what changed between their pod templates."""
    ordered = sorted(replicasets, key=_revision)
    if len(ordered) < 2:
        return None
    old, new = ordered[-2], ordered[-1]
    before = _template_summary((old.get("spec") or {}).get("template") or {})
    after = _template_summary((new.get("spec") or {}).get("template") or {})
    lines = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            if key in before:
                lines.append(f"- {key}: {before[key]}")
            if key in after:
                lines.append(f"+ {key}: {after[key]}")
    return old, new, lines


def last_changed(obj: Obj) -> str | None:
    """When an object was last written (managedFields), else created."""
    times = [f.get("time") for f in _m(obj).get("managedFields") or [] if f.get("time")]
    return max(times) if times else _m(obj).get("creationTimestamp")


def configmaps_of(pod: Obj) -> list[str]:
    spec = pod.get("spec") or {}
    names: list[str | None] = []
    for c in spec.get("containers") or []:
        for env in c.get("env") or []:
            ref = (env.get("valueFrom") or {}).get("configMapKeyRef") or {}
            names.append(ref.get("name"))
        names += [((e.get("configMapRef") or {}).get("name")) for e in c.get("envFrom") or []]
    names += [((v.get("configMap") or {}).get("name")) for v in spec.get("volumes") or []]
    return [str(n) for n in dict.fromkeys(names) if n]


@dataclass
class Budget:
    """Bounds the part's total size; once spent, further items are dropped and ``truncated`` is set."""

    total_bytes: int
    item_bytes: int
    used: int = 0
    truncated: bool = False
    items: list[EvidenceItem] = field(default_factory=list)

    def add(self, ref: str, title: str, body: str, limit: int | None = None, **attributes: Any) -> None:
        room = min(limit or self.item_bytes, self.total_bytes - self.used)
        if room <= 200:
            self.truncated = True
            return
        body, cut = clip(body, room)
        self.truncated = self.truncated or cut
        self.used += len(body.encode()) + len(title) + len(ref)
        self.items.append(EvidenceItem(ref=ref, title=title, body=body,
                                       attributes={k: str(v) for k, v in attributes.items() if v is not None}))


@dataclass
class EvidenceCollector:
    kubernetes: Kubernetes
    buffer: ContextBuffer
    log_lines: int = 100
    max_bytes: int = 128_000
    item_bytes: int = 24_000
    max_events: int = 25
    second_round_s: float = 20.0
    second_round_bytes: int = 32_000

    async def collect(self, incident: Incident, now: datetime) -> EvidencePart:
        errors: list[str] = []
        budget = Budget(self.max_bytes, self.item_bytes)
        kind = plan(incident)
        if not self.kubernetes.configured:
            errors.append("kubernetes not configured: no cluster evidence (set LOGMESH_KUBECONFIG)")
        else:
            try:
                await asyncio.wait_for(self._collect(kind, incident, budget, errors), 60)
            except KubernetesUnavailable as exc:
                errors.append(f"kubernetes unavailable: {exc}")
            except TimeoutError:
                errors.append("kubernetes evidence collection timed out after 60s")
            else:
                try:
                    await asyncio.wait_for(self._second_round(incident, budget, errors), self.second_round_s)
                except TimeoutError:
                    errors.append(f"second-round collection timed out after {self.second_round_s:g}s")
        return EvidencePart(
            event_id=stable_id("evidence", PROVIDER, incident.incident_id),
            incident_id=incident.incident_id,
            kind="cluster",
            provider=PROVIDER,
            collected_at=now,
            items=budget.items,
            truncated=budget.truncated,
            error="; ".join(errors)[:2000] or None,
        )

    async def _collect(self, kind: str, incident: Incident, budget: Budget, errors: list[str]) -> None:
        target = incident.target
        namespace = target.namespace
        if kind in ("pod", "resource"):
            pods = await self._target_pods(incident)
            if not pods:
                errors.append(f"no pod found for target {target.namespace}/{target.pod}")
            for pod in pods:
                await self._pod(pod, budget, errors, resource=(kind == "resource"))
            if pods:
                await self._changes(pods[0], incident, budget, errors)
            if namespace or pods:
                await self._events(budget, namespace or _m(pods[0]).get("namespace"),
                                   first={_m(p).get("name") for p in pods})
        elif kind == "service":
            await self._service(incident, budget, errors)
        elif kind == "node":
            await self._node(target.node, budget, errors)
        elif kind == "network":
            await self._network(namespace, budget, errors)
        else:
            if namespace:
                await self._events(budget, namespace, first=set())
            else:
                errors.append("incident has no Kubernetes target (namespace, pod, service or node)")

    async def _changes(self, pod: Obj, incident: Incident, budget: Budget, errors: list[str]) -> None:
        """The pod's Deployment rollout (last two revisions, diffed) and ConfigMaps it uses changed near the window."""
        m = _m(pod)
        namespace = m.get("namespace")
        try:
            owner = next((o.get("name") for o in m.get("ownerReferences") or [] if o.get("kind") == "ReplicaSet"), None)
            rs = await self.kubernetes.get("replicasets", namespace, owner) if owner else None
            deployment = next((o.get("name") for o in _m(rs or {}).get("ownerReferences") or []
                               if o.get("kind") == "Deployment"), None)
            if deployment:
                sets, _ = await self.kubernetes.list("replicasets", namespace)
                owned = [r for r in sets if any(o.get("kind") == "Deployment" and o.get("name") == deployment
                                                for o in _m(r).get("ownerReferences") or [])]
                diff = rollout_diff(owned)
                if diff and diff[2]:
                    old, new, lines = diff
                    budget.add(f"change:{namespace}/deployment/{deployment}",
                               f"Deployment {namespace}/{deployment} changed at {_m(new).get('creationTimestamp')} "
                               f"(revision {_revision(old)} -> {_revision(new)})", "\n".join(lines[:30]),
                               kind="Deployment", namespace=namespace, changed_at=_m(new).get("creationTimestamp"))
            since = incident.window_start - timedelta(hours=1)
            for name in configmaps_of(pod)[:5]:
                cm = await self.kubernetes.get("configmaps", namespace, name)
                changed = last_changed(cm) if cm else None
                at = parse_time(changed) if changed else None
                if cm is None or at is None or not since <= at <= incident.window_end:
                    continue
                keys = ", ".join(sorted((cm.get("data") or {}).keys())[:30])
                budget.add(f"change:{namespace}/configmap/{name}", f"ConfigMap {namespace}/{name} changed at {changed}",
                           f"keys: {keys or '-'} (values not shown; the API keeps no earlier version to diff)",
                           kind="ConfigMap", namespace=namespace, changed_at=changed)
        except KubernetesUnavailable as exc:
            errors.append(f"changes of {namespace}/{m.get('name')}: {exc}")

    async def _second_round(self, incident: Incident, budget: Budget, errors: list[str]) -> None:
        """Follow what the first round points at, within its own time and byte bounds."""
        plan_ = follow_ups(incident, list(budget.items))
        if not plan_:
            return
        room = Budget(min(self.second_round_bytes, max(0, budget.total_bytes - budget.used)), budget.item_bytes)
        for kind, namespace, name in plan_:
            try:
                if kind == "labels":
                    service = await self.kubernetes.get("services", namespace, name)
                    selector = set((((service or {}).get("spec") or {}).get("selector") or {}).items())
                    pods, _ = await self.kubernetes.list("pods", namespace)
                    stem = re.split(r"[-.]", name)[0]
                    # pods that match part of the selector, or carry the service's name: the near misses
                    similar = [p for p in pods if selector & set((_m(p).get("labels") or {}).items())
                               or (_m(p).get("name") or "").startswith(stem)][:20]
                    room.add(f"pods-labels:{namespace}", f"Pods in {namespace} near the selector of {name} "
                             f"({len(similar)}), with their labels", "\n".join(_labelled_pod_line(p) for p in similar) or "<none>",
                             namespace=namespace, count=len(similar), round="2")
                elif kind == "node":
                    node = await self.kubernetes.get("nodes", None, name)
                    if node is not None:
                        room.add(f"node:{name}", f"Node {name}", describe_node(node), kind="Node", node=name, round="2")
                elif kind == "evicted-pod":
                    pod = await self.kubernetes.get("pods", namespace, name)
                    node_name = ((pod or {}).get("spec") or {}).get("nodeName")
                    if pod is not None:
                        room.add(f"pod:{namespace}/{name}", f"Pod {namespace}/{name} (evicted)", describe_pod(pod),
                                 kind="Pod", namespace=namespace, pod=name, round="2")
                    if node_name:
                        node = await self.kubernetes.get("nodes", None, node_name)
                        if node is not None:
                            room.add(f"node:{node_name}", f"Node {node_name}", describe_node(node), kind="Node",
                                     node=node_name, round="2")
                elif kind == "dependency":
                    endpoints = await self.kubernetes.get("endpoints", namespace, name)
                    body, ready, not_ready = describe_endpoints(endpoints)
                    room.add(f"endpoints:{namespace}/{name}", f"Endpoints of {namespace}/{name}: {ready} ready, "
                             f"{not_ready} not ready", body, namespace=namespace, ready=ready, not_ready=not_ready, round="2")
                    service = await self.kubernetes.get("services", namespace, name)
                    selector = ((service or {}).get("spec") or {}).get("selector") or {}
                    if selector:
                        pods, _ = await self.kubernetes.list(
                            "pods", namespace, label_selector=",".join(f"{k}={v}" for k, v in sorted(selector.items())))
                        room.add(f"pods:{namespace}/{name}", f"Pods behind {namespace}/{name} ({len(pods)})",
                                 "\n".join(_pod_line(p) for p in pods[:20]) or "<none>", namespace=namespace,
                                 count=len(pods), round="2")
                elif kind == "certificates":
                    certs, _ = await self.kubernetes.list("certificates", namespace)
                    room.add(f"certificates:{namespace}", f"cert-manager Certificates in {namespace} ({len(certs)})",
                             "\n".join(describe_certificate(c) for c in certs[:20]) or "<none>",
                             namespace=namespace, count=len(certs), round="2")
            except KubernetesUnavailable as exc:
                errors.append(f"second round ({kind} {namespace}/{name}): {exc}")
        budget.items.extend(room.items)
        budget.used += room.used
        budget.truncated = budget.truncated or room.truncated

    async def _hpas(self, namespace: str, name: str, budget: Budget, errors: list[str]) -> None:
        """Autoscalers that scale the service's workload (matched by name)."""
        try:
            hpas, _ = await self.kubernetes.list("horizontalpodautoscalers", namespace)
        except KubernetesUnavailable as exc:
            errors.append(f"autoscalers in {namespace}: {exc}")
            return
        for hpa in hpas:
            target = ((hpa.get("spec") or {}).get("scaleTargetRef") or {}).get("name") or ""
            if name in (target, _m(hpa).get("name")):
                hname = _m(hpa).get("name")
                budget.add(f"hpa:{namespace}/{hname}", f"HorizontalPodAutoscaler {namespace}/{hname}", describe_hpa(hpa),
                           kind="HorizontalPodAutoscaler", namespace=namespace)

    async def _target_pods(self, incident: Incident) -> list[Obj]:
        target = incident.target
        if target.pod and target.namespace:
            pod = await self.kubernetes.get("pods", target.namespace, target.pod)
            return [pod] if pod else []
        if target.namespace:
            selector = ",".join(f"{k}={v}" for k, v in sorted(incident.labels.items()) if k in ("app", "app.kubernetes.io/name"))
            pods, _ = await self.kubernetes.list("pods", target.namespace, label_selector=selector or None)
            unhealthy = [p for p in pods if _unhealthy(p)]
            return (unhealthy or pods)[:3]
        return []

    async def _pod(self, pod: Obj, budget: Budget, errors: list[str], resource: bool = False) -> None:
        m = _m(pod)
        ns, name = m.get("namespace"), m.get("name")
        status = pod.get("status") or {}
        budget.add(f"pod:{ns}/{name}", f"Pod {ns}/{name} ({status.get('phase')})", describe_pod(pod),
                   kind="Pod", namespace=ns, pod=name, phase=status.get("phase"))
        history = self.buffer.pod_history(ns or "", name or "")[-20:]
        if history:
            budget.add(f"history:{ns}/{name}", f"Status history of {ns}/{name} ({len(history)} changes)",
                       "\n".join(_history_line(s) for s in history), namespace=ns, pod=name, changes=len(history))
        if resource:
            budget.add(f"resources:{ns}/{name}", f"Resources, QoS and OOM history of {ns}/{name}",
                       self._resource_history(pod), namespace=ns, pod=name)
        restarts = {cs.get("name"): int(cs.get("restartCount") or 0) for cs in status.get("containerStatuses") or []}
        for container in (pod.get("spec") or {}).get("containers") or []:
            cname = container.get("name")
            for previous in (False, True):
                if previous and not restarts.get(cname):
                    continue
                try:
                    text = await self.kubernetes.pod_log(str(ns), str(name), cname, tail=self.log_lines, previous=previous)
                except KubernetesUnavailable as exc:
                    errors.append(f"logs of {ns}/{name}/{cname}{' (previous)' if previous else ''}: {exc}")
                    continue
                lines = text.splitlines()[-self.log_lines:]
                suffix = "#previous" if previous else ""
                budget.add(f"log:{ns}/{name}/{cname}{suffix}",
                           f"{'Previous' if previous else 'Current'} log of {ns}/{name} container {cname} "
                           f"(last {len(lines)} lines)",
                           "\n".join(redact(line) for line in lines) or "<empty>",
                           namespace=ns, pod=name, container=cname, previous=str(previous).lower(), lines=len(lines))

    def _resource_history(self, pod: Obj) -> str:
        m, status = _m(pod), pod.get("status") or {}
        lines = [f"QoS class: {status.get('qosClass', '?')}"]
        for container in (pod.get("spec") or {}).get("containers") or []:
            res = container.get("resources") or {}
            lines.append(f"{container.get('name')}: requests={res.get('requests') or {}} limits={res.get('limits') or {}}")
        for cs in status.get("containerStatuses") or []:
            last = (cs.get("lastState") or {}).get("terminated") or {}
            lines.append(f"{cs.get('name')}: restarts={cs.get('restartCount', 0)} last termination="
                         f"{last.get('reason', '-')} exit={last.get('exitCode', '-')} at {last.get('finishedAt', '-')}")
        ooms = [s for s in self.buffer.pod_history(m.get("namespace", ""), m.get("name", ""))
                if any(c.get("last_terminated_reason") == "OOMKilled" for c in s.summary.get("containers", []))]
        events = self.buffer.query_events(reason="OOMKilled", namespace=m.get("namespace"), name=m.get("name"))
        lines.append(f"OOM history in the buffer: {len(ooms)} snapshot(s), {len(events)} OOMKilled event(s)")
        lines += [f"  {e.at.isoformat()} {e.type} {e.message}" for e in events[-10:]]
        return "\n".join(lines)

    async def _events(self, budget: Budget, namespace: str | None, first: set[str | None],
                      field_selector: str | None = None) -> None:
        events, _ = await self.kubernetes.list("events", namespace, field_selector=field_selector)
        events.sort(key=lambda e: (((e.get("involvedObject") or {}).get("name") in first), _event_sort_key(e)))
        chosen = events[-self.max_events:]
        if not chosen:
            budget.add(f"events:{namespace or 'cluster'}", f"Recent events in {namespace or 'the cluster'}", "<none>")
            return
        budget.add(f"events:{namespace or 'cluster'}", f"Recent events in {namespace or 'the cluster'} ({len(chosen)})",
                   "\n".join(event_line(e) for e in sorted(chosen, key=_event_sort_key)),
                   namespace=namespace, count=len(chosen),
                   warnings=sum(1 for e in chosen if e.get("type") == "Warning"))

    async def _service(self, incident: Incident, budget: Budget, errors: list[str]) -> None:
        target = incident.target
        name = target.service or (target.name if (target.kind or "").lower() == "service" else None)
        namespace = target.namespace
        if not (name and namespace):
            errors.append("service incident without target namespace and service")
            if namespace:
                await self._events(budget, namespace, first=set())
            return
        service = await self.kubernetes.get("services", namespace, name)
        if service is None:
            errors.append(f"service {namespace}/{name} not found")
        else:
            budget.add(f"service:{namespace}/{name}", f"Service {namespace}/{name}", describe_service(service),
                       kind="Service", namespace=namespace, service=name)
        endpoints = await self.kubernetes.get("endpoints", namespace, name)
        body, ready, not_ready = describe_endpoints(endpoints)
        budget.add(f"endpoints:{namespace}/{name}", f"Endpoints of {namespace}/{name}: {ready} ready, "
                   f"{not_ready} not ready", body, namespace=namespace, ready=ready, not_ready=not_ready)
        selector = (service or {}).get("spec", {}).get("selector") or {}
        if selector:
            pods, _ = await self.kubernetes.list(
                "pods", namespace, label_selector=",".join(f"{k}={v}" for k, v in sorted(selector.items())))
            budget.add(f"pods:{namespace}/{name}", f"Pods behind {namespace}/{name} ({len(pods)})",
                       "\n".join(_pod_line(p) for p in pods) or "<none>", namespace=namespace, count=len(pods))
            # an error-rate or probe alert names the service; its sick pods' state and logs say why
            for pod in [p for p in pods if _unhealthy(p)][:2]:
                await self._pod(pod, budget, errors)
        await self._hpas(namespace, name, budget, errors)
        await self._events(budget, namespace, first={name})

    async def _node(self, name: str | None, budget: Budget, errors: list[str]) -> None:
        if not name:
            errors.append("node incident without target node")
            return
        node = await self.kubernetes.get("nodes", None, name)
        if node is None:
            errors.append(f"node {name} not found")
        else:
            budget.add(f"node:{name}", f"Node {name}", describe_node(node), kind="Node", node=name)
        await self._events(budget, None, first={name}, field_selector=f"involvedObject.kind=Node,involvedObject.name={name}")
        pods, _ = await self.kubernetes.list("pods", None, field_selector=f"spec.nodeName={name}")
        budget.add(f"pods-on-node:{name}", f"Pods on node {name} ({len(pods)})",
                   "\n".join(_pod_line(p) for p in pods) or "<none>", node=name, count=len(pods))

    async def _network(self, namespace: str | None, budget: Budget, errors: list[str]) -> None:
        policies, _ = await self.kubernetes.list("networkpolicies", namespace)
        body = "\n".join(f"{_m(p).get('namespace')}/{_m(p).get('name')}: {p.get('spec') or {}}" for p in policies)
        budget.add(f"networkpolicies:{namespace or 'cluster'}", f"Network policies in {namespace or 'the cluster'} "
                   f"({len(policies)})", body or "<none>", count=len(policies))
        dns_pods, _ = await self.kubernetes.list("pods", "kube-system", label_selector="k8s-app=kube-dns")
        budget.add("dns:kube-system", f"CoreDNS pods ({len(dns_pods)})",
                   "\n".join(_pod_line(p) for p in dns_pods) or "<no CoreDNS pods found>", count=len(dns_pods))
        endpoints = await self.kubernetes.get("endpoints", "kube-system", "kube-dns")
        body, ready, not_ready = describe_endpoints(endpoints)
        budget.add("endpoints:kube-system/kube-dns", f"kube-dns endpoints: {ready} ready, {not_ready} not ready", body)
        for pod in dns_pods[:2]:
            name = _m(pod).get("name")
            for container in (pod.get("spec") or {}).get("containers") or []:
                try:
                    text = await self.kubernetes.pod_log("kube-system", str(name), container.get("name"), tail=50)
                except KubernetesUnavailable as exc:
                    errors.append(f"CoreDNS logs: {exc}")
                    continue
                budget.add(f"log:kube-system/{name}/{container.get('name')}", f"CoreDNS log {name}",
                           "\n".join(redact(line) for line in text.splitlines()[-50:]) or "<empty>")
        if namespace:
            await self._events(budget, namespace, first=set())


def _history_line(snapshot: Snapshot) -> str:
    containers = "; ".join(
        f"{c['name']} {c['state']}{'(' + c['reason'] + ')' if c.get('reason') else ''} restarts={c['restarts']}"
        + (f" last={c['last_terminated_reason']}" if c.get("last_terminated_reason") else "")
        for c in snapshot.summary.get("containers", [])
    )
    return f"{snapshot.at.isoformat(timespec='seconds')} {snapshot.change} phase={snapshot.summary.get('phase')} {containers}"


def _unhealthy(pod: Obj) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") not in ("Running", "Succeeded"):
        return True
    return any(not cs.get("ready") or cs.get("restartCount") for cs in status.get("containerStatuses") or [])


def _labelled_pod_line(pod: Obj) -> str:
    labels = ",".join(f"{k}={v}" for k, v in sorted((_m(pod).get("labels") or {}).items()))
    return f"{_pod_line(pod)} labels={labels or '<none>'}"


def _pod_line(pod: Obj) -> str:
    m, status = _m(pod), pod.get("status") or {}
    restarts = sum(int(cs.get("restartCount") or 0) for cs in status.get("containerStatuses") or [])
    ready = sum(1 for cs in status.get("containerStatuses") or [] if cs.get("ready"))
    total = len((pod.get("spec") or {}).get("containers") or [])
    waiting = [((cs.get("state") or {}).get("waiting") or {}).get("reason") for cs in status.get("containerStatuses") or []]
    reason = ",".join(w for w in waiting if w)
    return (f"{m.get('namespace')}/{m.get('name')} {status.get('phase')} ready={ready}/{total} restarts={restarts}"
            f"{' ' + reason if reason else ''} node={(pod.get('spec') or {}).get('nodeName')}")
