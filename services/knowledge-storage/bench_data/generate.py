"""Generate the labelled retrieval set for bench/knowledge_retrieval.py (deterministic, seeded).

Each root-cause family is one way Kubernetes workloads fail. A *pair* is a past analysed case
and a new incident of the same root cause, phrased differently (other pod, often another
namespace or service, a different alert wording, a paraphrased title, a category hint only
sometimes). Distractors are cases of other root causes, many behind the *same alert name*
(a crash loop from a missing secret versus one from an unreachable database), so alert-name
matching alone cannot score well.

    python services/knowledge-storage/bench_data/generate.py > services/knowledge-storage/bench_data/incident_pairs.jsonl
"""

from __future__ import annotations

import json
import random
import sys

SERVICES = ["checkout", "payments", "cart", "search", "catalog", "auth", "orders", "inventory", "shipping",
            "notifications", "recommendations", "billing", "gateway", "profile", "reports"]
NAMESPACES = ["shop", "prod", "payments", "platform", "data", "staging", "edge", "internal"]
NODES = ["worker-1", "worker-2", "worker-3", "ip-10-0-3-17", "gke-pool-a-7x2k", "aks-nodepool1-3981"]
DBS = ["postgres", "mysql", "redis", "mongodb", "kafka"]
KEYS = ["DATABASE_URL", "API_TOKEN", "STRIPE_KEY", "REDIS_HOST", "JWT_SECRET", "SMTP_PASSWORD"]

# family: category, alert names (case side, query side), title paraphrases, evidence lines, root cause.
# Placeholders: {svc} {ns} {node} {db} {key} {tag} {mem} {pct}
FAMILIES: list[dict] = [
    dict(id="crash-missing-env", category="pod-crash", alerts=["KubePodCrashLooping"],
         titles=["Pod {ns}/{svc} is crash looping: KeyError '{key}' on startup",
                 "{svc} in {ns} restarting repeatedly, container exits because env var {key} is not set",
                 "CrashLoopBackOff for {svc}: missing environment variable {key}",
                 "{svc} keeps crashing at boot, config value {key} undefined"],
         evidence=["KeyError: '{key}'", "environment variable {key} not set", "Back-off restarting failed container"],
         cause="The {key} key was removed from the configmap/secret the deployment references; the app exits at start."),
    dict(id="crash-db-unreachable", category="pod-crash", alerts=["KubePodCrashLooping"],
         titles=["Pod {ns}/{svc} is crash looping: connection refused to {db}",
                 "{svc} restarting, cannot connect to {db} at startup (ECONNREFUSED)",
                 "CrashLoopBackOff for {svc}: {db} connection timed out during init",
                 "{svc} crashes on boot, database {db} unreachable"],
         evidence=["dial tcp {db}:5432: connect: connection refused", "could not connect to server: Connection refused",
                   "FATAL: failed to initialise {db} pool"],
         cause="The {db} backend was down/unreachable and the service exits when its startup connection fails."),
    dict(id="crash-bad-entrypoint", category="pod-crash", alerts=["KubePodCrashLooping"],
         titles=["Pod {ns}/{svc} is crash looping: exec format error",
                 "{svc} container fails immediately: exec /app/start.sh: no such file or directory",
                 "CrashLoopBackOff for {svc} after image {tag}: entrypoint not found",
                 "{svc} exits with code 127, command not found in new image"],
         evidence=["exec /app/start.sh: no such file or directory", "standard_init_linux.go: exec user process caused: exec format error",
                   "exit code 127"],
         cause="Image {tag} was built for the wrong architecture / without the entrypoint script."),
    dict(id="crash-migration", category="pod-crash", alerts=["KubePodCrashLooping"],
         titles=["Pod {ns}/{svc} is crash looping: database migration failed",
                 "{svc} restarting: schema migration error relation already exists",
                 "CrashLoopBackOff for {svc}: flyway/alembic migration aborted",
                 "{svc} fails at startup running migrations against {db}"],
         evidence=["alembic.util.exc.CommandError: Can't locate revision", "ERROR: relation \"orders\" already exists",
                   "migration 0042 failed"],
         cause="A schema migration shipped with the release failed against {db}; the app runs migrations at start."),
    dict(id="oom-heap", category="oom-killed", alerts=["KubeContainerOOMKilled", "KubePodOOMKilled"],
         titles=["Container {svc} in {ns} was OOMKilled (limit {mem})",
                 "{svc} killed by the kernel: out of memory at {mem} limit",
                 "OOMKilled: {svc} JVM heap exceeds container memory limit",
                 "Memory limit {mem} reached for {svc}, container terminated with exit code 137"],
         evidence=["Last State: Terminated Reason: OOMKilled Exit Code: 137", "java.lang.OutOfMemoryError: Java heap space",
                   "memory usage {mem} of {mem}"],
         cause="JVM -Xmx was larger than the {mem} container limit, so the heap grows past it and the kernel kills it."),
    dict(id="oom-leak", category="oom-killed", alerts=["KubeContainerOOMKilled", "ContainerMemoryNearLimit"],
         titles=["{svc} memory grows steadily until OOMKilled every few hours",
                 "Container {svc} in {ns} OOMKilled after slow memory growth (leak)",
                 "{svc} restarted by OOM killer, memory climbs linearly since release",
                 "Memory leak suspected in {svc}: working set rises until the {mem} limit"],
         evidence=["container_memory_working_set_bytes rising linearly", "Reason: OOMKilled after 6h uptime",
                   "heap dump shows unbounded cache"],
         cause="An unbounded in-process cache added in the last release leaks memory until the {mem} limit."),
    dict(id="image-pull-tag", category="pod-pending", alerts=["KubePodNotReady", "KubeImagePullBackOff"],
         titles=["{svc} pods stuck in ImagePullBackOff: manifest for {tag} not found",
                 "Pod {ns}/{svc} cannot pull image tag {tag} (not found)",
                 "ErrImagePull for {svc}: image registry says tag {tag} does not exist",
                 "{svc} rollout blocked, image {tag} missing from registry"],
         evidence=["Failed to pull image: manifest unknown", "rpc error: code = NotFound desc = failed to resolve reference {tag}",
                   "Back-off pulling image"],
         cause="The deployment references image tag {tag}, which CI never pushed (typo in the release pipeline)."),
    dict(id="image-pull-auth", category="pod-pending", alerts=["KubePodNotReady", "KubeImagePullBackOff"],
         titles=["{svc} pods stuck in ImagePullBackOff: unauthorized from registry",
                 "Pod {ns}/{svc} cannot pull image: 401 authentication required",
                 "ErrImagePull for {svc}: pull secret expired",
                 "{svc} cannot fetch its image, registry denies access"],
         evidence=["unauthorized: authentication required", "pull access denied, repository does not exist or may require authorization",
                   "imagePullSecrets regcred token expired"],
         cause="The registry pull secret in {ns} expired; nodes without a cached image cannot pull."),
    dict(id="pending-resources", category="pod-pending", alerts=["KubePodPending", "KubePodNotScheduled"],
         titles=["Pod {ns}/{svc} pending: 0/6 nodes available, insufficient cpu",
                 "{svc} cannot be scheduled, not enough memory on any node",
                 "FailedScheduling for {svc}: Insufficient cpu, Insufficient memory",
                 "{svc} replicas stay Pending, cluster out of allocatable resources"],
         evidence=["0/6 nodes are available: 6 Insufficient cpu", "FailedScheduling", "cluster-autoscaler: max node group size reached"],
         cause="Requests exceed free capacity and the autoscaler hit its node-group maximum."),
    dict(id="pending-pvc", category="pod-pending", alerts=["KubePodPending", "KubePersistentVolumeClaimPending"],
         titles=["Pod {ns}/{svc} pending: persistentvolumeclaim is not bound",
                 "{svc} stuck Pending waiting for its volume to bind",
                 "PVC for {svc} in {ns} unbound, no storage class provisioner",
                 "{svc} cannot start, volume claim pending (waiting for first consumer)"],
         evidence=["pod has unbound immediate PersistentVolumeClaims", "no persistent volumes available for this claim and no storage class is set",
                   "waiting for a volume to be created by external provisioner"],
         cause="The PVC names a storage class that does not exist in this cluster, so no volume is provisioned."),
    dict(id="pending-affinity", category="pod-pending", alerts=["KubePodPending"],
         titles=["Pod {ns}/{svc} pending: node(s) didn't match node selector",
                 "{svc} unschedulable because of node affinity / taints",
                 "FailedScheduling for {svc}: 3 node(s) had untolerated taint",
                 "{svc} cannot find a node matching its nodeSelector"],
         evidence=["node(s) didn't match Pod's node affinity/selector", "had untolerated taint {{dedicated: gpu}}",
                   "FailedScheduling"],
         cause="The deployment's nodeSelector/toleration targets a node pool that was renamed/removed."),
    dict(id="node-kubelet", category="node-not-ready", alerts=["KubeNodeNotReady", "KubeNodeUnreachable"],
         titles=["Node {node} is NotReady: kubelet stopped posting status",
                 "{node} went NotReady, kubelet not responding",
                 "Kubelet on {node} down, node status Unknown",
                 "Node {node} unreachable: NodeStatusUnknown since minutes"],
         evidence=["Kubelet stopped posting node status", "node.kubernetes.io/unreachable:NoExecute", "PLEG is not healthy"],
         cause="The kubelet on {node} hung (PLEG not healthy) after the container runtime stalled; restart fixed it."),
    dict(id="node-disk", category="disk-pressure", alerts=["KubeNodeDiskPressure", "NodeFilesystemAlmostOutOfSpace"],
         titles=["Node {node} has DiskPressure, pods being evicted",
                 "{node} filesystem {pct}% full, kubelet evicting pods",
                 "Disk almost full on {node}: imagefs below threshold",
                 "Evictions on {node} due to ephemeral storage pressure"],
         evidence=["The node was low on resource: ephemeral-storage", "imagefs.available < 15%", "Evicted: DiskPressure"],
         cause="Unrotated container logs and unused images filled the node disk on {node}."),
    dict(id="pvc-full", category="disk-pressure", alerts=["KubePersistentVolumeFillingUp"],
         titles=["Volume of {svc} in {ns} is {pct}% full",
                 "PersistentVolume for {svc} filling up, {pct}% used",
                 "{svc} data volume almost out of space",
                 "Disk usage on {svc} PVC predicted to fill within 4h"],
         evidence=["kubelet_volume_stats_available_bytes low", "No space left on device", "WAL segments accumulating"],
         cause="{db} WAL/segments were not cleaned because retention/archiving was misconfigured on {svc}'s volume."),
    dict(id="dns-coredns", category="dns-issues", alerts=["CoreDNSErrorsHigh", "KubeDNSLatencyHigh"],
         titles=["DNS resolution failures in {ns}: {svc} cannot resolve service names",
                 "{svc} reports 'no such host' for internal services",
                 "CoreDNS errors high, lookups timing out for {svc}",
                 "Intermittent DNS timeouts (SERVFAIL) from {svc} pods"],
         evidence=["dial tcp: lookup {db}.{ns}.svc.cluster.local: no such host", "i/o timeout on 10.96.0.10:53",
                   "coredns: plugin/errors: 2 SERVFAIL"],
         cause="CoreDNS pods were CPU-throttled and dropping queries; only 2 replicas for the cluster size."),
    dict(id="dns-ndots", category="dns-issues", alerts=["KubeDNSLatencyHigh"],
         titles=["{svc} external API calls slow, DNS lookups take seconds",
                 "High DNS latency for external names from {svc} (ndots)",
                 "{svc} resolves external hosts slowly, many NXDOMAIN search queries",
                 "DNS query volume explodes from {svc}, search domain expansion"],
         evidence=["5 NXDOMAIN lookups per external name", "resolv.conf options ndots:5", "dns latency p99 2.1s"],
         cause="ndots:5 makes every external lookup walk the search domains; set ndots:2 or use FQDNs with trailing dot."),
    dict(id="netpol-deny", category="network-policy", alerts=["ServiceErrorRateHigh", "KubeNetworkPolicyDenied"],
         titles=["{svc} cannot reach {db}: connections time out after network policy change",
                 "Traffic from {svc} to {db} blocked in {ns}",
                 "{svc} upstream calls fail with timeout, NetworkPolicy default-deny",
                 "Connection timeouts between {svc} and {db} after policy rollout"],
         evidence=["dial tcp {db}:5432: i/o timeout", "networkpolicy default-deny-ingress applied", "cilium: Policy denied DROPPED"],
         cause="A default-deny NetworkPolicy in {ns} was rolled out without an allow rule for {svc} -> {db}."),
    dict(id="svc-no-endpoints", category="endpoint-missing", alerts=["KubeServiceWithoutEndpoints", "TargetDown"],
         titles=["Service {ns}/{svc} has no endpoints",
                 "{svc} service selector matches no pods, 503 from ingress",
                 "No ready endpoints behind {svc}, requests failing",
                 "Ingress returns 503 for {svc}: backend has no endpoints"],
         evidence=["endpoints {svc} has no addresses", "upstream connect error or disconnect/reset before headers",
                   "selector app={svc}-v2 matches 0 pods"],
         cause="The Service selector was changed to a label the new deployment's pods do not carry."),
    dict(id="svc-readiness", category="service-down", alerts=["KubeDeploymentReplicasMismatch", "TargetDown"],
         titles=["{svc} deployment has 0/3 ready replicas, readiness probe failing",
                 "Readiness probe failing for {svc}: HTTP 500 on /healthz",
                 "{svc} pods never become Ready after rollout",
                 "All {svc} replicas unready, probe returns error"],
         evidence=["Readiness probe failed: HTTP probe failed with statuscode: 500", "Unhealthy", "health check: dependency {db} down"],
         cause="The readiness endpoint checks {db}, which was down; the probe should not depend on downstreams."),
    dict(id="liveness-timeout", category="pod-restart", alerts=["KubePodRestartingOften", "KubeContainerRestarts"],
         titles=["{svc} restarting often: liveness probe timeout",
                 "Liveness probe failures restart {svc} under load",
                 "{svc} killed by kubelet, liveness probe timed out (1s)",
                 "Frequent restarts of {svc} during traffic peaks, probe timeouts"],
         evidence=["Liveness probe failed: Get http://10.0.1.4:8080/health: context deadline exceeded",
                   "Killing container with id ... failed liveness probe", "timeoutSeconds: 1"],
         cause="The liveness probe has a 1s timeout; under load GC pauses exceed it and the kubelet restarts healthy pods."),
    dict(id="cpu-throttle", category="cpu-throttling", alerts=["CPUThrottlingHigh"],
         titles=["{svc} in {ns} is CPU throttled {pct}% of periods",
                 "High CPU throttling on {svc}, latency up",
                 "{svc} hits CPU limit, CFS throttling causes slow responses",
                 "Container {svc} throttled, cpu limit too low"],
         evidence=["container_cpu_cfs_throttled_periods_total high", "cpu limit 500m, usage 498m", "p99 latency 3s"],
         cause="The CPU limit (500m) is below the steady-state need of {svc}; throttling inflates latency."),
    dict(id="cert-expired", category="service-down", alerts=["SSLCertExpiringSoon", "ProbeFailure"],
         titles=["TLS certificate for {svc} expired, clients fail handshake",
                 "{svc} HTTPS errors: x509 certificate has expired",
                 "Certificate expiry for {svc} ingress, cert-manager renewal failed",
                 "Clients of {svc} see certificate expired errors"],
         evidence=["x509: certificate has expired or is not yet valid", "cert-manager: failed to perform self check GET request",
                   "ACME challenge failed"],
         cause="cert-manager could not renew: the HTTP-01 challenge path was blocked by the ingress auth rule."),
    dict(id="hpa-max", category="cpu-throttling", alerts=["KubeHpaMaxedOut"],
         titles=["HPA for {svc} at max replicas, CPU still high",
                 "{svc} autoscaler maxed out, cannot scale further",
                 "{svc} running at maximum replicas for an hour",
                 "Horizontal pod autoscaler of {svc} pinned at maxReplicas"],
         evidence=["HPA {svc} desired replicas 20 == max 20", "cpu utilisation 180% of target", "traffic 3x baseline"],
         cause="A traffic spike from a marketing campaign exceeded the HPA maxReplicas of {svc}."),
    dict(id="job-failed", category="pod-crash", alerts=["KubeJobFailed", "KubeCronJobFailed"],
         titles=["Job {svc}-backup in {ns} failed",
                 "CronJob {svc} nightly run failed: BackoffLimitExceeded",
                 "{svc} batch job did not complete, backoff limit reached",
                 "Scheduled job {svc} failing since last night"],
         evidence=["Job has reached the specified backoff limit", "pg_dump: error: connection to server failed",
                   "exit code 1"],
         cause="The backup job's credentials to {db} were rotated but the job's secret was not updated."),
    dict(id="evicted-memory", category="pod-restart", alerts=["KubeNodeMemoryPressure", "KubePodEvicted"],
         titles=["Pods evicted from {node}: node memory pressure",
                 "{node} MemoryPressure, kubelet evicting {svc} pods",
                 "Evictions due to low memory on {node}",
                 "{svc} pods evicted, node {node} running out of memory"],
         evidence=["The node was low on resource: memory", "Evicted", "MemoryPressure True"],
         cause="BestEffort pods without memory requests packed {node}; overcommit led to memory-pressure evictions."),
    dict(id="rollout-stuck", category="service-down", alerts=["KubeDeploymentRolloutStuck", "KubeDeploymentGenerationMismatch"],
         titles=["Deployment {svc} rollout stuck, progress deadline exceeded",
                 "{svc} rollout not progressing for 10 minutes",
                 "ProgressDeadlineExceeded on {svc} deployment",
                 "New ReplicaSet of {svc} never becomes available"],
         evidence=["ProgressDeadlineExceeded", "ReplicaSet has timed out progressing", "maxUnavailable 0, new pods not ready"],
         cause="The new version of {svc} fails readiness because a feature flag service URL was wrong in the release config."),
    dict(id="5xx-upstream", category="service-down", alerts=["ServiceErrorRateHigh", "IngressHigh5xxRate"],
         titles=["{svc} 5xx error rate {pct}% in {ns}",
                 "High rate of HTTP 502 from {svc} via ingress",
                 "{svc} returning server errors, upstream timeouts",
                 "Error budget burn for {svc}: many 5xx responses"],
         evidence=["upstream timed out (110: Connection timed out) while reading response header", "HTTP 502", "p99 30s"],
         cause="{svc}'s connection pool to {db} was exhausted by slow queries after an index was dropped."),
    dict(id="kafka-lag", category="service-down", alerts=["KafkaConsumerLagHigh"],
         titles=["Consumer group {svc} lag growing on orders topic",
                 "{svc} consumers falling behind, Kafka lag {pct}k messages",
                 "Kafka consumer lag for {svc} keeps increasing",
                 "{svc} not keeping up with topic, consumer lag alert"],
         evidence=["consumer group lag 250000", "rebalance in progress", "max.poll.interval.ms exceeded"],
         cause="Processing of a slow message exceeds max.poll.interval.ms, so {svc} consumers rebalance in a loop."),
    dict(id="configmap-reload", category="pod-restart", alerts=["KubePodRestartingOften"],
         titles=["{svc} restarting after config reload fails to parse",
                 "{svc} pods restart when the configmap changes: invalid YAML",
                 "Config reload crash in {svc}: yaml: line 12: mapping values not allowed",
                 "{svc} restarts repeatedly since config update"],
         evidence=["yaml: line 12: mapping values are not allowed in this context", "config reload failed", "exit code 2"],
         cause="An invalid YAML edit in the {svc} configmap; the sidecar reload triggers a crash on parse."),
    dict(id="etcd-slow", category="node-not-ready", alerts=["EtcdHighFsyncDurations", "KubeAPIErrorsHigh"],
         titles=["API server slow, etcd fsync latency high",
                 "etcd WAL fsync durations above 500ms, kube-apiserver timeouts",
                 "Control plane degraded: etcd slow disk",
                 "kubectl timeouts, etcd leader changes and slow fsync"],
         evidence=["etcd: wal fsync duration 1.2s", "apiserver request timeout", "etcdserver: leader changed"],
         cause="etcd shares a slow network disk with other workloads; fsync latency spikes under IO contention."),
]

SEVERITY = {"pod-crash": "critical", "oom-killed": "critical", "pod-pending": "warning", "node-not-ready": "critical",
            "disk-pressure": "warning", "dns-issues": "warning", "network-policy": "critical",
            "endpoint-missing": "critical", "service-down": "critical", "pod-restart": "warning",
            "cpu-throttling": "warning"}


def _values(rng: random.Random) -> dict[str, str]:
    return {
        "svc": rng.choice(SERVICES), "ns": rng.choice(NAMESPACES), "node": rng.choice(NODES), "db": rng.choice(DBS),
        "key": rng.choice(KEYS), "tag": f"v{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
        "mem": rng.choice(["256Mi", "512Mi", "1Gi", "2Gi"]), "pct": str(rng.randint(85, 99)),
    }


def _pod(rng: random.Random, svc: str) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return f"{svc}-{''.join(rng.choice('0123456789abcdef') for _ in range(9))}-{''.join(rng.choice(alphabet) for _ in range(5))}"


def case_record(rng: random.Random, family: dict, case_id: str, v: dict[str, str], title_index: int) -> dict:
    title = family["titles"][title_index].format(**v)
    if rng.random() < 0.5 and "{svc}" in family["titles"][title_index]:
        title = title.replace(v["svc"], _pod(rng, v["svc"]), 1)
    evidence = rng.sample(family["evidence"], k=min(2, len(family["evidence"])))
    return {
        "incident_id": case_id, "family": family["id"], "alertname": family["alerts"][0],
        "severity": SEVERITY[family["category"]], "category": family["category"], "title": title,
        "namespace": v["ns"], "service": v["svc"], "evidence": [e.format(**v) for e in evidence],
        "root_cause": family["cause"].format(**v),
    }


def generate(seed: int = 7, pairs_per_family: int = 4, distractors_per_family: int = 6) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    n = 0
    for family in FAMILIES:
        for p in range(pairs_per_family):
            n += 1
            case_v = _values(rng)
            case_title = rng.randrange(len(family["titles"]))
            query_title = rng.choice([i for i in range(len(family["titles"])) if i != case_title])
            query_v = dict(case_v)
            if rng.random() < 0.6:  # the same root cause elsewhere: another service and namespace
                query_v.update({k: v for k, v in _values(rng).items() if k in ("svc", "ns", "node", "mem", "pct", "tag")})
            case = case_record(rng, family, f"case-{n:03d}", case_v, case_title)
            title = family["titles"][query_title].format(**query_v)
            if "{svc}" in family["titles"][query_title]:
                title = title.replace(query_v["svc"], _pod(rng, query_v["svc"]), 1)
            query = {
                "incident_id": f"query-{n:03d}", "family": family["id"], "pair": case["incident_id"],
                "alertname": rng.choice(family["alerts"]), "severity": SEVERITY[family["category"]],
                # incidents know their category only sometimes (rules first, LLM later)
                "category_hint": family["category"] if rng.random() < 0.5 else "unknown",
                "title": title, "namespace": query_v["ns"], "service": query_v["svc"],
            }
            rows.append({"type": "case", **case})
            rows.append({"type": "query", **query})
            del p
    for family in FAMILIES:
        for _ in range(distractors_per_family):
            n += 1
            # distractors: other root causes, often behind the same alert names as the queries'
            v = _values(rng)
            rows.append({"type": "distractor", **case_record(rng, family, f"other-{n:03d}", v,
                                                               rng.randrange(len(family["titles"])))})
    return rows


def main() -> None:
    for row in generate():
        sys.stdout.write(json.dumps(row, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
