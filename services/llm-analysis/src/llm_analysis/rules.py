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
from llm_analysis.signals import (
    LEVELS,
    LogLine,
    TemplateDoc,
    after_change,
    autoscaler,
    causal_lines,
    containers,
    line_level,
    log_lines,
    looks_like_instruction,
    node_conditions,
    pod_labels,
    resource_containers,
    selector_mismatch,
    selector_of,
    template_level,
    weight_for_level,
)
from logmesh_contracts.models import CATEGORIES


@dataclass(frozen=True)
class Doc:
    """Something the rules read: an evidence item, an alert, a cluster event, an anomaly."""

    ref: str
    text: str
    kind: str = "evidence"  # alert | cluster-event | anomaly | request | cluster | logs | similar-cases
    title: str = ""
    body: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    name: str
    category: str
    weight: float
    pattern: re.Pattern[str]
    finding: str
    unless: re.Pattern[str] | None = None


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Each regex matches the wording kubelet, the scheduler, container runtimes, CoreDNS clients,
# CNIs, SDKs and kube-prometheus alerts use for that condition. Checks run line by line; a log
# line's level comes from its level field (or its template's levels), never from its words, and
# INFO/DEBUG lines never add weight. ``unless`` drops a match whose line also matches it.
# The category "@app" is an application error: the cause of a crash when the process exits,
# otherwise of the service failing its callers (resolved in ``diagnose``).
CHECKS: tuple[Check, ...] = (
    Check("oom-killed", "oom-killed", 3.0,
          # kubelet's "OOMKilled" reason, kernel oom-killer lines, runtime heap exhaustion
          _rx(r"oomkill|out ?of ?memory|memory cgroup out of memory|oom-kill|killed process \d+|heap limit allocation failed"),
          "container killed by the OOM killer"),
    Check("exit-137", "oom-killed", 0.5,
          # SIGKILL: the OOM killer, but also kubelet after failed liveness probes
          _rx(r"exit ?code[\"']?[:= ]+137\b|exited with (?:code|status) 137\b"),
          "container was killed (exit code 137, SIGKILL)"),
    Check("crash-loop", "pod-crash", 2.0,
          _rx(r"crashloopbackoff|back-off restarting failed container"),
          "container is in CrashLoopBackOff"),
    Check("non-zero-exit", "pod-crash", 1.0,
          # exit codes 1..255 except 137 (SIGKILL) and 143 (SIGTERM on a normal stop)
          _rx(r"exit ?code[\"']?[:= ]+(?!137\b|143\b|0\b)\d{1,3}\b|exit(?:ed|ing) with (?:code|status) (?!137\b|143\b|0\b)\d{1,3}"),
          "container exited with a non-zero code"),
    Check("panic", "pod-crash", 1.5,
          _rx(r"\bpanic:|\bfatal\b|unhandled exception|traceback \(most recent call last\)|segmentation (?:fault|violation)"),
          "the application crashed (panic/fatal error in its logs)"),
    Check("port-in-use", "pod-crash", 3.0,
          _rx(r"address already in use|eaddrinuse|bind: address|port is already allocated|errno 98"),
          "the process cannot bind its port: the address is already in use"),
    Check("migration", "pod-crash", 2.5,
          _rx(r"failed migration|migrations? (?:have )?failed|duplicatecolumn|duplicatetable|relation .* already exists|"
              r"column .* already exists|alembic\.util|schema history|flyway.*(?:error|failed)|liquibase.*(?:error|failed)"),
          "a database schema migration failed"),
    Check("config-parse", "pod-crash", 2.0,
          _rx(r"invalid value .* for |yaml: line \d+|failed to (?:load|parse) (?:config|configuration|rules|settings)|"
              r"invalid syntax|unknown (?:config|configuration) key|config(?:uration)? (?:error|invalid)|"
              r"missing required (?:config|setting|env)"),
          "the application rejects its configuration"),
    Check("image-pull", "pod-pending", 3.0,
          _rx(r"imagepullbackoff|errimagepull|failed to pull image|pull access denied|manifest unknown|"
              r"repository does not exist|invalidimagename|back-off pulling image|toomanyrequests"),
          "image cannot be pulled (ImagePullBackOff)"),
    Check("config-missing", "pod-pending", 3.5,
          _rx(r"createcontainerconfigerror|couldn'?t find key|non-existent (?:config |secret )?key|mountvolume\.setup failed|"
              r"failedmount|(?:secret|configmap) \"[^\"]+\" not found|createcontainererror"),
          "the container cannot start: a Secret/ConfigMap (or one of its keys) it mounts or reads is missing"),
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
    Check("restarts", "pod-restart", 1.0,
          _rx(r"restart(?:s|_?count)[\"']?[:= ]+(?:[3-9]|\d{2,})\b|containerrestarted|restarted \d+ times"),
          "container restarted repeatedly"),
    Check("no-endpoints", "endpoint-missing", 3.0,
          _rx(r"no endpoints available|has no (?:ready )?endpoints|ready ?endpoints[:= ]+0\b|endpoints? (?:not ready|missing)|"
              r"selector matches no pods|endpoints of [\w./\-]+: 0 ready|endpointslice .* no ready"),
          "the service has no ready endpoints"),
    Check("service-down", "service-down", 1.5,
          _rx(r"connection refused|no healthy upstream|503 service unavailable|upstream connect error|"
              r"probe_success[:= ]+0\b|\bup[:= ]+0\b|target is down|health ?check failed|"
              r"\bavailablereplicas[:= ]+0\b|unavailablereplicas[:= ]+[1-9]|upstream request timeout"),
          "the service does not answer (connection refused / 503)"),
    Check("tls", "@app", 3.0,
          _rx(r"x509:|certificate (?:has )?expired|expired certificate|certificate verify|unknown authority|"
              r"tls: failed to verify|ssl certificate|certificate request has failed|acme:error|issuernotready|"
              r"certificate [\w./\-]+: .*ready=false"),
          "TLS fails: a certificate is expired, not issued or not trusted"),
    Check("pool-exhausted", "@app", 3.0,
          _rx(r"connection is not available, request timed out|queuepool limit|too many clients|"
              r"remaining connection slots|max(?:imum)? number of clients|pool (?:is )?exhausted|"
              r"(?:connection )?pool timeout|could not obtain (?:a )?connection|waiting=[1-9]\d*\)"),
          "the connection pool to a dependency is exhausted"),
    Check("auth-error", "@app", 2.5,
          _rx(r"authenticationerror|invalidaccesskeyid|signaturedoesnotmatch|invalid_grant|invalid_api_key|invalid[_ ]token|"
              r"403 forbidden|"
              r"expiredtoken|401 unauthorized|\b401\b.*(?:unauthori[sz]ed|api key)|unauthori[sz]ed|"
              r"accessdenied|password authentication failed|permission denied for|invalid credentials|token expired"),
          "a dependency rejects the service's credentials",
          unless=_rx(r"pull|image|probe")),
    Check("dependency-refused", "@app", 1.0,
          _rx(r"dial tcp [\w.\-]+:\d+: connect: connection refused|econnrefused"),
          "a dependency refuses connections"),
    Check("hpa-max", "cpu-throttling", 3.5,
          _rx(r"scalinglimited=true|toomanyreplicas|desired replica count is more than the maximum|hpamaxedout|"
              r"running at max replicas"),
          "the autoscaler is pinned at its maximum replicas, so the load is not absorbed"),
    Check("node-not-ready", "node-not-ready", 3.0,
          _rx(r"nodenotready|node\.kubernetes\.io/unreachable|node[\w\- ./]* (?:is )?not ?ready|kubelet stopped posting node status|nodestatusunknown|"
              # a bare "Ready=False" is also a pod condition: only a node's own Ready condition counts
              r"node\b[^\n]{0,80}\bready[:= ]+(?:false|unknown)\b|pleg is not healthy|container runtime is down|node is unreachable|"
              r"kubeletnotready|container runtime network not ready|networkpluginnotready|cni plugin not initialized"),
          "node is NotReady"),
    Check("memory-eviction", "node-not-ready", 3.5,
          _rx(r"low on resource: memory|memorypressure=true|kubelethasinsufficientmemory|memory-pressure|"
              r"attempting to reclaim memory|evictionthresholdmet"),
          "the node ran low on memory (MemoryPressure) and kubelet evicted pods"),
    Check("node-pressure", "node-not-ready", 1.5, _rx(r"pidpressure=true|pidpressure\b(?!=false)|networkunavailable=true|\bmemorypressure\b(?!=false|=unknown)"),
          "node reports a pressure condition"),
    Check("disk-pressure", "disk-pressure", 3.0,
          _rx(r"diskpressure(?!=false)|disk pressure|no space left on device|ephemeral[- ](?:local )?storage|imagefs|nodefs|"
              r"filesystem (?:is )?(?:full|almost full|filling up)|filesystem [^\s]+ is 9\d(?:\.\d+)?% used|"
              r"disk usage (?:above|over|at) 9\d%|volume .* full|(?:pvc|persistentvolumeclaim) [\w\-]+ is 9\d% full|"
              r"node_filesystem_avail_bytes.*\b[0-4](?:\.\d+)?%$"),
          "disk is full or under pressure"),
    Check("dns", "dns-issues", 3.0,
          _rx(r"no such host|nxdomain|servfail|temporary failure in name resolution|could not resolve|server misbehaving|"
              r"name resolution|dns (?:lookup|resolution|query) (?:failed|error|timeout)|lookup [\w.\-]+ on [\d.]+:53|"
              r":53: (?:i/o timeout|read udp)|coredns|getaddrinfo|unknown host|"
              r"lookup [\w.\-]+(?: on [\d.:]+)?: (?:i/o timeout|no such host|server misbehaving|temporary failure)"),
          "DNS lookups fail"),
    Check("network-policy", "network-policy", 3.0,
          _rx(r"policy denied|denied by (?:network ?)?policy|policy[- ]verdict.*deny|dropped by policy|policy drop|"
              r"blocked by (?:a )?networkpolicy|networkpolicy.*(?:deny|denied|drop)"),
          "traffic is blocked by a NetworkPolicy"),
    Check("network-timeout", "network-policy", 0.8,
          _rx(r"connection timed out|dial tcp [\d.:]+: (?:i/o timeout|connect: connection timed out)|context deadline exceeded"),
          "connections time out",
          unless=_rx(r"(?:liveness|readiness|startup) probe|lookup|:53\b")),
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


# Words in an alert's name are a prior, never a verdict: exact names above, else these hints
# (first match wins). Generic symptom names (error rate, latency) say little about the cause.
_NAME_HINTS: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (_rx(r"node.*(?:memory|pid)pressure|nodenotready|nodeunreachable|kubeletdown|readinessflapping"), "node-not-ready", 1.0),
    (_rx(r"oom|memorynearlimit|memoryovercommit"), "oom-killed", 1.0),
    (_rx(r"(?:disk|filesystem|pvc|persistentvolume|volume|storage).*(?:full|usage|space|filling|pressure|high)|diskpressure"),
     "disk-pressure", 1.0),
    (_rx(r"crashloop|crashing|jobfailed"), "pod-crash", 1.0),
    (_rx(r"restart"), "pod-restart", 1.0),
    (_rx(r"pending|containerwaiting|podnotready"), "pod-pending", 1.0),
    (_rx(r"endpoint"), "endpoint-missing", 1.0),
    (_rx(r"coredns|dns"), "dns-issues", 1.0),
    (_rx(r"networkpolicy|policydrop|policydenied"), "network-policy", 1.0),
    (_rx(r"throttl|hpamaxed|hpa.*max"), "cpu-throttling", 1.0),
    (_rx(r"targetdown|servicedown|probe.*fail|apidown|replicasmismatch|rolloutstuck|unavailable|cert|ssl|tls"),
     "service-down", 1.0),
    (_rx(r"errorrate|errorratio|5xx|errorshigh|higherror|errorbudget|errors$|failures$|failing$"), "service-down", 0.6),
)
ALERT_PRIOR = 1.2  # an exact known name; evidence checks weigh 1.0 to 3.5 each


def category_from_alertname(alertname: str | None) -> str | None:
    """Exact known alert names only (the naive peer the evaluation compares with)."""
    if not alertname:
        return None
    return ALERT_NAMES.get(re.sub(r"[^a-z0-9]", "", alertname.lower()))


def alert_prior(alertname: str | None) -> tuple[str, float] | None:
    """The category an alert's name suggests and how much that suggestion weighs."""
    if not alertname:
        return None
    exact = category_from_alertname(alertname)
    if exact:
        return exact, ALERT_PRIOR
    squashed = re.sub(r"[^a-z0-9]", "", alertname.lower())
    for pattern, category, weight in _NAME_HINTS:
        if pattern.search(squashed):
            return category, weight
    return None


def _excerpt(text: str, match: re.Match[str], width: int = 150) -> str:
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    line = text[start: end if end != -1 else len(text)].strip()
    if len(line) > 2 * width:
        centre = match.start() - start
        line = line[max(0, centre - width): centre + width].strip()
    return redact_text(line)[0]


def _clip_line(text: str, width: int = 220) -> str:
    text = redact_text(text.strip())[0]
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _about(ref: str, names: Iterable[str]) -> bool:
    """Whether an evidence ref concerns the incident's own object (or its whole namespace)."""
    obj = ref.split(":", 1)[-1]
    if "/" not in obj or ref.startswith(("events:", "networkpolicies:", "pods-labels:", "metrics:node", "incident:")):
        return True
    leaf = obj.split("/")[-1]
    return any(n and (n in leaf or leaf in n) for n in names)


@dataclass
class _Hit:
    check: Check
    ref: str
    excerpt: str
    line: str
    own: bool  # about the incident's own object, not a dependency or the alert's claim


_LABEL_KEY = re.compile(r"^[\w.\-/]+=")
_CRASH_CHECKS = {"crash-loop", "non-zero-exit", "port-in-use", "migration"}
_POLICY_LINE = re.compile(r"^([\w.\-]+/[\w.\-]+): (\{.*\})(?: created=(\S+))?$", re.M)


def _network_policies(docs: list[Doc]) -> list[tuple[str, str, str]]:
    """(ref, name, spec) of policies that restrict traffic (not allow-all) from cluster-watching's listing."""
    out = []
    for doc in docs:
        if doc.ref.startswith("networkpolicies:"):
            listed = [(name, spec) for name, spec, _created in _POLICY_LINE.findall(doc.body or doc.text)]
        elif doc.ref.startswith(("netpol:", "networkpolicy:")):
            listed = [(doc.ref.split(":", 1)[1], doc.body or doc.text)]
        else:
            continue
        for name, spec in listed:
            if "'egress': [{}]" in spec or "'ingress': [{}]" in spec:
                continue  # allows everything in that direction
            out.append((doc.ref, name, spec))
    return out


def diagnose(
    docs: Iterable[Doc],
    *,
    alertnames: Iterable[str] = (),
    cluster_reasons: Iterable[str] = (),
    what: str = "The workload",
    hint: str | None = None,
    target_names: Iterable[str] = (),
) -> Diagnosis:
    """Score every category from checks over the evidence; the alert name is only a prior."""
    docs = list(docs)
    names = [n for n in target_names if n]
    evidence: dict[str, float] = defaultdict(float)
    prior: dict[str, float] = defaultdict(float)
    findings: list[str] = []
    hits: list[_Hit] = []
    injected: list[str] = []

    for name in alertnames:
        suggested = alert_prior(name)
        if suggested:
            prior[suggested[0]] += suggested[1]
            findings.append(f"alert {name} suggests {suggested[0]} (a prior; the evidence decides)")
    for reason in cluster_reasons:
        if reason in CLUSTER_REASONS:
            category, weight = CLUSTER_REASONS[reason]
            evidence[category] += weight
    if hint and hint in CATEGORIES and hint != "unknown" and not prior:
        prior[hint] += 0.5

    template_docs: list[TemplateDoc] = []
    for doc in docs:
        is_log = doc.kind == "logs" or doc.ref.startswith(("log:", "logtemplate:"))
        factor = 0.3 if doc.kind == "similar-cases" else 0.5 if doc.kind == "alert" else 1.0
        own = doc.kind != "alert" and (not names or doc.kind != "cluster" or _about(doc.ref, names))
        if doc.kind == "cluster" and not own:
            factor *= 0.5  # a dependency's state explains the caller's symptom, not the caller's category
        if is_log:
            tdoc = TemplateDoc(doc.ref, doc.title, doc.body or doc.text, dict(doc.attributes))
            template_docs.append(tdoc)
            lines = log_lines(tdoc) or [LogLine(doc.ref, doc.title, template_level(doc.title), tdoc.count, tdoc.new)]
        else:
            # a stated level counts here too (anomaly samples in an incident's labels: "anomaly.sample.0=INFO ...")
            lines = [LogLine(doc.ref, line, line_level(_LABEL_KEY.sub("", line)), 1, False)
                     for line in doc.text.splitlines() if line.strip()]
        for line in lines:
            if looks_like_instruction(line.text) and doc.ref not in injected:
                injected.append(doc.ref)
        for check in CHECKS:
            if check.pattern.search(doc.text) is None and (not is_log or check.pattern.search(doc.title) is None):
                continue  # cheap document-level test first
            for line in lines:
                if looks_like_instruction(line.text):
                    continue
                if weight_for_level(line.level) == 0.0:
                    continue  # INFO/DEBUG lines never decide a category
                match = check.pattern.search(line.text)
                if match is None or (check.unless is not None and check.unless.search(line.text)):
                    continue
                weight = check.weight * factor
                if is_log and line.level is not None and line.level >= LEVELS["FATAL"]:
                    weight *= 1.5  # the log's own level field says the process died
                if doc.kind == "alert":
                    prior[check.category] += weight  # the alert's own words are its claim, not evidence
                else:
                    evidence[check.category] += weight
                if doc.kind != "similar-cases":
                    hits.append(_Hit(check, doc.ref, _excerpt(line.text, match), line.text, own))
                break  # one line per check and document

    # Application errors (TLS, pools, credentials, refused dependencies) are why a crashing
    # process exits; in a process that keeps running they are why the service fails its callers.
    crashing = any(h.check.name in _CRASH_CHECKS and h.own for h in hits)
    app_category = "pod-crash" if crashing else "service-down"
    for pool in (evidence, prior):
        if "@app" in pool:
            pool[app_category] += pool.pop("@app")

    # A restrictive NetworkPolicy plus connections that time out is the policy at work.
    extra: list[tuple[str, str, str]] = []  # (category, finding, ref)
    timeouts = [h for h in hits if h.check.name == "network-timeout"]
    policies = _network_policies(docs)
    if timeouts and policies:
        ref, name, spec = policies[0]
        types = re.search(r"policyTypes'?: \[([^\]]*)\]", spec)
        evidence["network-policy"] += 3.0
        extra.append(("network-policy", f"NetworkPolicy {name} restricts "
                      f"{(types.group(1) if types else 'traffic').replace(chr(39), '')} and connections to "
                      f"{_endpoint_in(timeouts[0].line) or 'a dependency'} time out", ref))

    # A node's own conditions: Ready not True, or a pressure condition True.
    for d in docs:
        if d.ref.startswith("node:"):
            conditions = node_conditions(d.body or d.text)
            if conditions.get("Ready") in ("False", "Unknown") and not any(h.ref == d.ref and h.check.name == "node-not-ready"
                                                                          for h in hits):
                evidence["node-not-ready"] += 3.0
                extra.append(("node-not-ready", f"node {d.ref.split(':', 1)[1]} reports Ready={conditions['Ready']}", d.ref))

    # Service selector against the pods' labels.
    selector_problems: list[tuple[str, str]] = []
    selector = next(((d.ref, s) for d in docs if d.ref.startswith("service:") and (s := selector_of(d.body or d.text))), None)
    if selector:
        labels: dict[str, dict[str, str]] = {}
        for d in docs:
            labels.update(pod_labels(d.body or d.text))
        for problem in selector_mismatch(selector[1], labels):
            selector_problems.append((problem, selector[0]))
        if selector_problems:
            evidence["endpoint-missing"] += 3.0

    # Contrary evidence overrides the name: a prior counts only where the evidence does not
    # clearly point elsewhere.
    strongest = max(evidence.values(), default=0.0)
    scores: dict[str, float] = defaultdict(float, evidence)
    for category, weight in prior.items():
        if evidence.get(category, 0.0) >= 1.0 or strongest < 2.0:
            scores[category] += weight
        else:
            findings.append(f"the evidence contradicts the alert's suggestion of {category}")

    ranked = {c: s * (CAUSE_BOOST if c in CAUSES else 1.0) for c, s in scores.items() if s > 0}
    strong_causes = {h.check.category for h in hits
                     if h.check.category in CAUSES and h.check.weight >= 3.0 and h.own}
    if not ranked:
        category, confidence = "unknown", 0.2
    else:
        category = max(ranked, key=lambda c: (ranked[c], c in CAUSES))
        if category not in CAUSES and strong_causes:
            category = max(strong_causes, key=lambda c: ranked.get(c, 0.0))
        total = sum(ranked.values())
        top = ranked[category]
        confidence = round(min(0.95, (0.4 + 0.6 * top / total) * min(1.0, top / 3.0)), 2)
        if not evidence.get(category):
            confidence = min(confidence, 0.4)  # only the alert's name speaks for it

    # Findings: injected text noticed, every check that fired (a line each), then the causal log lines.
    findings.extend(f"text addressed to the analyst in {ref} was ignored (possible prompt injection)" for ref in injected)
    cited: list[tuple[str, str]] = []
    seen_checks: dict[str, int] = defaultdict(int)
    ordered = sorted(hits, key=lambda h: (_resolve(h.check.category, app_category) != category, -h.check.weight))
    for h in ordered:
        if seen_checks[h.check.name] >= 3:
            continue
        seen_checks[h.check.name] += 1
        said = "the alert itself says" if h.ref.startswith("incident:") else h.check.finding
        findings.append(f"{said}: \"{h.excerpt}\" [{h.ref}]")
        if (h.ref, h.excerpt) not in cited:
            cited.append((h.ref, h.excerpt))
    for _cat, finding, ref in extra:
        findings.append(f"{finding} [{ref}]")
    for problem, ref in selector_problems:
        findings.append(f"{problem} [{ref}]")
    changed_at = next((m.group(1) for d in docs if d.ref.startswith("change:")
                       for m in [re.search(r"changed at (\S+)", d.title)] if m), None)
    causal = causal_lines(template_docs, {(h.ref, h.line) for h in hits}, changed_at=changed_at)
    by_ref = {t.ref: t for t in template_docs}
    for line in causal:
        quoted = _clip_line(line.text)
        notes = [n for n, on in (("new template", line.new),
                                 (f"first seen after the change at {changed_at}",
                                  line.ref in by_ref and after_change(by_ref[line.ref], changed_at))) if on]
        findings.append(f"log line{' (' + '; '.join(notes) + ')' if notes else ''}: \"{quoted}\" [{line.ref}]")
        if all(ref != line.ref for ref, _ in cited):
            cited.append((line.ref, quoted))

    root_cause = _root_cause(category, what, docs, hits, app_category, extra, selector_problems, causal)
    return Diagnosis(
        category=category,
        confidence=confidence,
        root_cause=root_cause,
        findings=findings[:24],
        cited=cited[:12],
        actions=list(ACTIONS[category]),
        prevention=list(PREVENTION[category]),
        scores={c: round(s, 2) for c, s in sorted(ranked.items(), key=lambda kv: -kv[1])},
    )


def _resolve(category: str, app_category: str) -> str:
    return app_category if category == "@app" else category


_HOSTPORT = re.compile(r"(?:https?://)?([a-z0-9][\w.\-]*:\d{2,5})", re.I)


def _endpoint_in(line: str) -> str | None:
    match = _HOSTPORT.search(line)
    return match.group(1) if match else None


def _root_cause(category: str, what: str, docs: list[Doc], hits: list[_Hit], app_category: str,
                extra: list[tuple[str, str, str]], selector_problems: list[tuple[str, str]],
                causal: list[LogLine]) -> str:
    """A root cause that names the object, the value and the line, not a fixed sentence."""
    mine = [h for h in hits if _resolve(h.check.category, app_category) == category]
    mine.sort(key=lambda h: (not h.own, -h.check.weight))
    parts: list[str] = []
    pods = [c for d in docs if d.ref.startswith("pod:") for c in containers(d.body or d.text)]
    if category == "oom-killed":
        pods += [c for d in docs if d.ref.startswith("resources:") for c in resource_containers(d.body or d.text)]
        killed = [c for c in pods if "OOMKilled" in (c.last_state + c.state)]
        for c in killed[:2]:
            limit = c.memory_limit()
            parts.append(f"container {c.name}" + (f" of pod {c.pod}" if c.pod != "?" else "") + " was OOMKilled (exit code 137)"
                         + (f" at its memory limit of {limit}" if limit else " at its memory limit")
                         + f" after {c.restarts} restart(s)")
    elif category == "cpu-throttling":
        for d in docs:
            hpa = autoscaler(d.body or d.text) if d.ref.startswith("hpa:") else None
            if hpa and hpa.current >= hpa.maximum:
                parts.append(f"the HorizontalPodAutoscaler {hpa.name} is pinned at its maximum replica count "
                             f"(max={hpa.maximum}, current={hpa.current}; {hpa.metrics or 'metrics unknown'}): "
                             "load grew past the capacity it may add, so requests queue and slow down")
    elif category == "endpoint-missing" and selector_problems:
        parts.append("the Service's selector matches no pod: " + "; ".join(p for p, _ in selector_problems[:3]))
    elif category == "network-policy" and extra:
        parts.extend(f for c, f, _ in extra if c == "network-policy")
    elif category in ("pod-crash", "pod-restart"):
        for c in pods:
            code = c.exit_code()
            reason = c.reason()
            if code and code != "0" and ("CrashLoopBackOff" in c.state or c.restarts or "terminated" in c.state):
                parts.append(f"container {c.name} of pod {c.pod} last terminated with reason={reason or '?'} "
                             f"exit code {code} after {c.restarts} restart(s)"
                             + (" (SIGKILL from kubelet, not an OOM kill)" if code == "137" and reason != "OOMKilled" else ""))
                break
    elif category == "node-not-ready":
        nodes = list(dict.fromkeys([d.ref.split(":", 1)[1] for d in docs if d.ref.startswith("node:")]
                                   + [m for d in docs if d.ref.startswith("pod:")
                                      for m in re.findall(r"^Node: ([\w.\-]+)$", d.body, re.M) if m != "<none>"]
                                   + [m for h in hits for m in re.findall(r"\bNode/([\w.\-]+)", h.line)]
                                   + [m for d in docs for m in re.findall(r"\bNode/([\w.\-]+)", d.body)]))
        if nodes:
            conditions = [f"{k}={v}" for d in docs if d.ref.startswith("node:")
                          for k, v in node_conditions(d.body or d.text).items() if (k == "Ready") != (v == "True")]
            parts.append(f"node {', '.join(nodes[:3])}" + (f" reports {', '.join(conditions[:4])}" if conditions else ""))
    if not parts:
        parts.append(ROOT_CAUSES[category].format(what="it").rstrip("."))
    if any(h.check.name == "tls" for h in mine):
        dates = [m.group(1) or m.group(2) for d in docs
                 for m in re.finditer(r"notAfter=(\S+)|is after (\S+)", d.body or d.text)]
        if dates:
            parts.append(f"the certificate is valid only until {dates[0]}")
    if any(h.check.name == "port-in-use" for h in mine):
        for d in docs:
            port = re.search(r"(?:listen \w+ [^\s]*:|bind\(\(\S+, |port[ =:]+)(\d{2,5})", d.body or d.text)
            if port:
                parts.append(f"port {port.group(1)} is already bound by another process in the pod or on the host")
                break
    if mine:
        lead = mine[0]
        parts.append(f"{lead.check.finding}: \"{lead.excerpt}\" [{lead.ref}]")
        for h in mine[1:]:
            if h.check.name != lead.check.name and h.check.weight >= 2.0:
                parts.append(f"{h.check.finding}: \"{h.excerpt}\" [{h.ref}]")
                break
    if causal and category not in ("unknown",):
        line = causal[0]
        quoted = _clip_line(line.text)
        if not any(quoted[:60] in p for p in parts):
            parts.append(f"first error in the logs: \"{quoted}\" [{line.ref}]")
    changes = [d for d in docs if d.ref.startswith("change:")]
    if changes and category in ("pod-crash", "pod-restart", "service-down", "oom-killed"):
        d = changes[0]
        diff = "; ".join(line.strip() for line in (d.body or "").splitlines()[:4] if line.strip())
        parts.append(f"it follows a change: {d.title} ({_clip_line(diff, 200)}) [{d.ref}]")
    text = f"{what}: " + "; ".join(parts) + "."
    return text if len(text) <= 1600 else text[:1599] + "\u2026"
