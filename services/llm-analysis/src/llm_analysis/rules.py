"""Rules: categorisation and k8sgpt-style deterministic diagnosis. Pure functions, no I/O.

Every signal is a named check over "documents" (an evidence item's ref and its text). A
check that fires adds weight to a category and leaves a finding that cites the ref, so the
deterministic result always explains itself. Root-cause categories (OOM, DNS, disk, node,
network policy, throttling, image/scheduling problems) outrank the symptoms they cause
(crash loops, restarts, a service down) when both fire.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from llm_analysis.safety import redact_text
from logmesh_contracts.models import CATEGORIES


@dataclass(frozen=True)
class Doc:
    """Something the rules read: an evidence item, an alert, a cluster event, an anomaly."""

    ref: str
    text: str
    kind: str = "evidence"  # alert | cluster-event | anomaly | request | cluster | logs | similar-cases


@dataclass(frozen=True)
class Check:
    name: str
    category: str
    weight: float
    pattern: re.Pattern[str]
    finding: str


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Each regex matches the wording kubelet, the scheduler, container runtimes, CoreDNS clients,
# CNIs and kube-prometheus alerts use for that condition.
CHECKS: tuple[Check, ...] = (
    Check("oom-killed", "oom-killed", 3.0,
          # kubelet's "OOMKilled" reason, exit 137 in describe/status, kernel oom-killer lines
          _rx(r"oomkill|out ?of ?memory|exit ?code[\"']?[:= ]+137\b|exited with (?:code|status) 137\b|"
              r"memory cgroup out of memory|oom-kill|killed process \d+"),
          "container killed by the OOM killer (exit code 137)"),
    Check("crash-loop", "pod-crash", 2.0,
          _rx(r"crashloopbackoff|back-off restarting failed container"),
          "container is in CrashLoopBackOff"),
    Check("non-zero-exit", "pod-crash", 1.0,
          # exit codes 1..255 except 137 (OOM) and 143 (SIGTERM on a normal stop)
          _rx(r"exit ?code[\"']?[:= ]+(?!137\b|143\b|0\b)\d{1,3}\b|exit(?:ed|ing) with (?:code|status) (?!137\b|143\b|0\b)\d{1,3}"),
          "container exited with a non-zero code"),
    Check("panic", "pod-crash", 1.0,
          _rx(r"\bpanic:|\bfatal\b|unhandled exception|traceback \(most recent call last\)|segmentation fault"),
          "the application crashed (panic/fatal error in its logs)"),
    Check("image-pull", "pod-pending", 3.0,
          _rx(r"imagepullbackoff|errimagepull|failed to pull image|pull access denied|manifest unknown|"
              r"repository does not exist|invalidimagename"),
          "image cannot be pulled (ImagePullBackOff)"),
    Check("unschedulable", "pod-pending", 3.0,
          _rx(r"failedscheduling|unschedulable|insufficient (?:cpu|memory|nvidia|ephemeral)|"
              r"didn'?t match (?:pod'?s )?node (?:affinity|selector)|untolerated taint|had taint|"
              r"unbound immediate persistentvolumeclaims|0/\d+ nodes are available|persistentvolumeclaim .* not found"),
          "pod cannot be scheduled"),
    Check("pending", "pod-pending", 0.7, _rx(r"\bphase[:= ]+pending\b|\bstatus[:= ]+pending\b|containercreating"),
          "pod is stuck in Pending"),
    Check("liveness-probe", "pod-restart", 2.0, _rx(r"liveness probe failed|failed liveness probe"),
          "liveness probe fails, so kubelet restarts the container"),
    Check("readiness-probe", "endpoint-missing", 1.5, _rx(r"readiness probe failed|failed readiness probe"),
          "readiness probe fails, so the pod is removed from the service endpoints"),
    Check("restarts", "pod-restart", 1.5,
          _rx(r"restart(?:s|_?count)[\"']?[:= ]+(?:[3-9]|\d{2,})\b|containerrestarted|restarted \d+ times"),
          "container restarted repeatedly"),
    Check("no-endpoints", "endpoint-missing", 3.0,
          _rx(r"no endpoints available|has no (?:ready )?endpoints|ready ?endpoints[:= ]+0\b|endpoints? (?:not ready|missing)|"
              r"selector matches no pods|notreadyaddresses|endpointslice .* no ready"),
          "the service has no ready endpoints"),
    Check("service-down", "service-down", 1.5,
          _rx(r"connection refused|no healthy upstream|503 service unavailable|upstream connect error|"
              r"probe_success[:= ]+0\b|\bup[:= ]+0\b|target is down|targetdown|health ?check failed|"
              r"\bavailablereplicas[:= ]+0\b|unavailablereplicas[:= ]+[1-9]"),
          "the service does not answer (connection refused / 503)"),
    Check("node-not-ready", "node-not-ready", 3.0,
          _rx(r"nodenotready|node\.kubernetes\.io/unreachable|node[\w\- ./]* (?:is )?not ?ready|kubelet stopped posting node status|nodestatusunknown|"
              # a bare "Ready=False" is also a pod condition: only a node's own Ready condition counts
              r"node\b[^\n]{0,80}\bready[:= ]+(?:false|unknown)\b|pleg is not healthy|container runtime is down|node is unreachable"),
          "node is NotReady"),
    Check("node-pressure", "node-not-ready", 1.5, _rx(r"memorypressure|pidpressure|networkunavailable"),
          "node reports a pressure condition"),
    Check("disk-pressure", "disk-pressure", 3.0,
          _rx(r"diskpressure|disk pressure|no space left on device|ephemeral-storage|imagefs|nodefs|"
              r"filesystem (?:is )?(?:full|almost full|filling up)|disk usage (?:above|over|at) 9\d%|volume .* full"),
          "disk is full or under pressure"),
    Check("dns", "dns-issues", 3.0,
          _rx(r"no such host|nxdomain|servfail|temporary failure in name resolution|could not resolve|"
              r"name resolution|dns (?:lookup|resolution|query) (?:failed|error|timeout)|lookup [\w.\-]+ on [\d.]+:53|"
              r":53: (?:i/o timeout|read udp)|coredns|getaddrinfo|unknown host"),
          "DNS lookups fail"),
    Check("network-policy", "network-policy", 3.0,
          _rx(r"networkpolicy|network policy|policy denied|denied by (?:network ?)?policy|policy[- ]verdict.*deny|"
              r"dropped by policy|policy drop"),
          "traffic is blocked by a NetworkPolicy"),
    Check("network-timeout", "network-policy", 0.8,
          _rx(r"connection timed out|dial tcp [\d.:]+: (?:i/o timeout|connect: connection timed out)"),
          "connections time out"),
    Check("cpu-throttling", "cpu-throttling", 3.0,
          _rx(r"cputhrottl|cpu throttl|cfs_throttled|throttled (?:cpu|periods)|throttling (?:high|ratio)"),
          "CPU is throttled by the container's limit"),
)

# kube-prometheus and common alert names; the alert name alone is a strong hint.
ALERT_NAMES: dict[str, str] = {
    "kubepodcrashlooping": "pod-crash",
    "podcrashlooping": "pod-crash",
    "kubecontainercrashing": "pod-crash",
    "kubepodnotready": "pod-pending",
    "kubecontainerwaiting": "pod-pending",
    "kubepodpending": "pod-pending",
    "podpending": "pod-pending",
    "kubepodfrequentlyrestarting": "pod-restart",
    "kubepodrestartingtoooften": "pod-restart",
    "containerrestarts": "pod-restart",
    "podrestarting": "pod-restart",
    "kubecontaineroomkilled": "oom-killed",
    "containeroomkilled": "oom-killed",
    "oomkilled": "oom-killed",
    "kubememoryovercommit": "oom-killed",
    "containermemorynearlimit": "oom-killed",
    "targetdown": "service-down",
    "servicedown": "service-down",
    "blackboxprobefailed": "service-down",
    "probefailed": "service-down",
    "kubeapidown": "service-down",
    "kubedeploymentreplicasmismatch": "service-down",
    "httperrorratehigh": "service-down",
    "kubeendpointsnotready": "endpoint-missing",
    "kubeservicewithoutendpoints": "endpoint-missing",
    "endpointsmissing": "endpoint-missing",
    "serviceendpointsdown": "endpoint-missing",
    "kubenodenotready": "node-not-ready",
    "kubenodeunreachable": "node-not-ready",
    "nodenotready": "node-not-ready",
    "kubeletdown": "node-not-ready",
    "kubenodereadinessflapping": "node-not-ready",
    "nodefilesystemspacefillingup": "disk-pressure",
    "nodefilesystemalmostoutofspace": "disk-pressure",
    "kubepersistentvolumefillingup": "disk-pressure",
    "nodediskpressure": "disk-pressure",
    "kubeletdiskpressure": "disk-pressure",
    "diskpressure": "disk-pressure",
    "corednsdown": "dns-issues",
    "corednserrorshigh": "dns-issues",
    "corednslatencyhigh": "dns-issues",
    "dnsresolutionfailures": "dns-issues",
    "networkpolicydrops": "network-policy",
    "ciliumpolicydrops": "network-policy",
    "networkpolicydenied": "network-policy",
    "cputhrottlinghigh": "cpu-throttling",
    "containercputhrottling": "cpu-throttling",
}

CLUSTER_REASONS: dict[str, tuple[str, float]] = {
    "OOMKilled": ("oom-killed", 3.0),
    "CrashLoopBackOff": ("pod-crash", 2.0),
    "ImagePullBackOff": ("pod-pending", 3.0),
    "ErrImagePull": ("pod-pending", 3.0),
    "Unschedulable": ("pod-pending", 3.0),
    "Pending": ("pod-pending", 2.0),
    "ProbeFailed": ("pod-restart", 1.0),
    "Evicted": ("disk-pressure", 0.5),
    "NodeNotReady": ("node-not-ready", 3.0),
    "MemoryPressure": ("node-not-ready", 1.5),
    "DiskPressure": ("disk-pressure", 3.0),
    "PIDPressure": ("node-not-ready", 2.0),
    "NetworkUnavailable": ("node-not-ready", 2.0),
    "ContainerRestarted": ("pod-restart", 1.5),
}

# A cause explains the symptoms it produces; when both are seen, the cause is the category.
CAUSES = frozenset({"oom-killed", "dns-issues", "network-policy", "disk-pressure", "node-not-ready", "cpu-throttling"})
CAUSE_BOOST = 1.6
UNSURE_BELOW = 0.5

ROOT_CAUSES: dict[str, str] = {
    "oom-killed": "{what} was OOMKilled (exit code 137): the container exceeded its memory limit, "
                  "from a memory leak, a load spike or a limit set too low.",
    "pod-crash": "{what} is crash-looping: the container process exits with an error shortly after start "
                 "(see the last error lines in its logs).",
    "pod-restart": "{what} restarts repeatedly: kubelet kills it after failed liveness probes or the process exits.",
    "pod-pending": "{what} stays Pending: it cannot be scheduled or its image cannot be pulled.",
    "service-down": "{what} is down: its targets refuse connections or fail health checks.",
    "endpoint-missing": "{what} has no ready endpoints: no pod behind the service passes its readiness probe "
                        "or the selector matches no pods.",
    "node-not-ready": "{what}: the node is NotReady (kubelet stopped reporting, runtime or resource pressure), "
                      "so its pods are unavailable or evicted.",
    "disk-pressure": "{what}: disk is full or under DiskPressure (no space left on device), "
                     "so kubelet evicts pods and writes fail.",
    "network-policy": "{what}: traffic is blocked by a NetworkPolicy (connections time out or are denied).",
    "dns-issues": "{what}: DNS resolution fails (no such host / lookup timeouts against CoreDNS), "
                  "so dependencies cannot be reached by name.",
    "cpu-throttling": "{what} is CPU-throttled: its CPU limit is too low for the load, so requests slow down.",
    "unknown": "{what}: the evidence does not point to a known failure pattern.",
}

ACTIONS: dict[str, list[str]] = {
    "oom-killed": ["Compare the container's memory usage with its limit (kubectl top pod, metrics).",
                   "Raise the memory limit or fix the leak; check recent deploys for changed memory use."],
    "pod-crash": ["Read the previous container's logs (kubectl logs --previous) for the first error.",
                  "Roll back the last deploy or config change if the crash started with it."],
    "pod-restart": ["Check the liveness probe's endpoint, timeout and initialDelaySeconds.",
                    "Look at the restart reasons and last state in kubectl describe pod."],
    "pod-pending": ["Run kubectl describe pod and read the scheduler and kubelet events.",
                    "Fix the image reference/pull secret, or free/add capacity matching the pod's constraints."],
    "service-down": ["Check the targets' health endpoints and the pods behind the service.",
                     "Check recent deploys, config changes and dependencies of the service."],
    "endpoint-missing": ["Compare the service selector with the pods' labels (kubectl get endpoints).",
                         "Fix the failing readiness probe or scale the backing deployment."],
    "node-not-ready": ["Check kubelet and container runtime status on the node; cordon and drain if needed.",
                       "Look at the node's conditions and recent kernel/system logs."],
    "disk-pressure": ["Free disk space (images, logs, emptyDir) or grow the volume.",
                      "Set ephemeral-storage requests/limits and log rotation."],
    "network-policy": ["List NetworkPolicies selecting the source and destination pods.",
                       "Add an explicit allow rule for the required port, or roll back the policy change."],
    "dns-issues": ["Check CoreDNS pods, their logs and the kube-dns service endpoints.",
                   "Verify the hostname and the pod's resolv.conf/ndots; check upstream resolvers."],
    "cpu-throttling": ["Compare CPU usage with the limit; raise or remove the CPU limit.",
                       "Scale out horizontally if the load grew."],
    "unknown": ["Inspect recent events, logs and deploys for the affected object."],
}

PREVENTION: dict[str, list[str]] = {
    "oom-killed": ["Alert on memory usage above 80% of the limit; load-test memory before release."],
    "pod-crash": ["Add startup checks and canary rollouts so crashing builds stop early."],
    "pod-restart": ["Tune probes to the application's real start and response times."],
    "pod-pending": ["Validate image references in CI; keep capacity headroom and quotas monitored."],
    "service-down": ["Run more than one replica with a PodDisruptionBudget; alert on error rates."],
    "endpoint-missing": ["Test readiness probes and selectors in CI; alert on services without endpoints."],
    "node-not-ready": ["Monitor node conditions; keep spare capacity to reschedule pods."],
    "disk-pressure": ["Alert on filesystem usage trends; enforce image garbage collection and log rotation."],
    "network-policy": ["Review NetworkPolicy changes with connectivity tests before rollout."],
    "dns-issues": ["Monitor CoreDNS error rates and latency; use NodeLocal DNSCache."],
    "cpu-throttling": ["Alert on throttled periods; right-size CPU requests and limits."],
    "unknown": ["Add an alert or runbook for this failure once its cause is known."],
}


@dataclass
class Diagnosis:
    category: str
    confidence: float
    root_cause: str
    findings: list[str] = field(default_factory=list)
    cited: list[tuple[str, str]] = field(default_factory=list)  # (ref, excerpt)
    actions: list[str] = field(default_factory=list)
    prevention: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def unsure(self) -> bool:
        return self.category == "unknown" or self.confidence < UNSURE_BELOW


def category_from_alertname(alertname: str | None) -> str | None:
    if not alertname:
        return None
    return ALERT_NAMES.get(re.sub(r"[^a-z0-9]", "", alertname.lower()))


def _excerpt(text: str, match: re.Match[str], width: int = 90) -> str:
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    line = text[start: end if end != -1 else len(text)].strip()
    if len(line) > 2 * width:
        centre = match.start() - start
        line = line[max(0, centre - width): centre + width].strip()
    return redact_text(line)[0]


def diagnose(
    docs: Iterable[Doc],
    *,
    alertnames: Iterable[str] = (),
    cluster_reasons: Iterable[str] = (),
    what: str = "The workload",
    hint: str | None = None,
) -> Diagnosis:
    """Run every check over every document; score categories; explain the winner."""
    scores: dict[str, float] = defaultdict(float)
    findings: list[str] = []
    cited: list[tuple[str, str]] = []
    fired: dict[str, list[str]] = defaultdict(list)

    for name in alertnames:
        category = category_from_alertname(name)
        if category:
            scores[category] += 2.5
            findings.append(f"alert {name} maps to {category}")
    for reason in cluster_reasons:
        if reason in CLUSTER_REASONS:
            category, weight = CLUSTER_REASONS[reason]
            scores[category] += weight
    if hint and hint in CATEGORIES and hint != "unknown":
        scores[hint] += 0.5

    for doc in docs:
        for check in CHECKS:
            match = check.pattern.search(doc.text)
            if match is None:
                continue
            # similar past cases inform, but they are not this incident's evidence
            weight = check.weight * (0.3 if doc.kind == "similar-cases" else 1.0)
            scores[check.category] += weight
            if doc.kind == "similar-cases":
                continue
            excerpt = _excerpt(doc.text, match)
            if check.name not in fired or len(fired[check.name]) < 2:
                findings.append(f"{check.finding}: \"{excerpt}\" [{doc.ref}]")
                if doc.ref not in {r for r, _ in cited}:
                    cited.append((doc.ref, excerpt))
            fired[check.name].append(doc.ref)

    ranked = {c: s * (CAUSE_BOOST if c in CAUSES else 1.0) for c, s in scores.items() if s > 0}
    # Strong evidence of a cause in this incident's own evidence explains the symptoms
    # (an OOM kill explains the crash loop, a DNS failure the crashing client).
    strong_causes = {check.category for check in CHECKS
                     if check.category in CAUSES and check.weight >= 3.0 and check.name in fired}
    if not ranked:
        category, confidence = "unknown", 0.2
    else:
        category = max(ranked, key=lambda c: (ranked[c], c in CAUSES))
        if category not in CAUSES and strong_causes:
            category = max(strong_causes, key=lambda c: ranked.get(c, 0.0))
        total = sum(ranked.values())
        top = ranked[category]
        confidence = round(min(0.95, (0.4 + 0.6 * top / total) * min(1.0, top / 3.0)), 2)
    root_cause = ROOT_CAUSES[category].format(what=what)
    return Diagnosis(
        category=category,
        confidence=confidence,
        root_cause=root_cause,
        findings=findings[:20],
        cited=cited[:12],
        actions=list(ACTIONS[category]),
        prevention=list(PREVENTION[category]),
        scores={c: round(s, 2) for c, s in sorted(ranked.items(), key=lambda kv: -kv[1])},
    )
