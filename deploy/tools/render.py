"""Render deploy/base/<service>.yaml for every service from one table.

Run `python deploy/tools/render.py` after changing the table; a test fails when the
committed manifests drift from what this renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

BASE = Path(__file__).resolve().parents[1] / "base"

# service: (replicas, cpu request, memory request, memory limit, hpa max, extra env, secret env)
SERVICES: dict[str, dict] = {
    "ingestion": {"replicas": 2, "cpu": "200m", "memory": "256Mi", "limit": "512Mi", "hpa_max": 10,
                  "secret_env": {"LOGMESH_INGEST_TOKEN": "ingest-token"}},
    "template-matching": {"replicas": 2, "cpu": "500m", "memory": "512Mi", "limit": "1Gi", "hpa_max": 6,
                          "secret_env": {"LOGMESH_CLICKHOUSE_DSN": "clickhouse-dsn"}},
    "cluster-watching": {"replicas": 1, "cpu": "100m", "memory": "256Mi", "limit": "512Mi", "hpa_max": 0,
                         "service_account_rbac": True, "env": {"LOGMESH_KUBECONFIG": "in-cluster"}},
    "alert-intake": {"replicas": 2, "cpu": "100m", "memory": "128Mi", "limit": "256Mi", "hpa_max": 4,
                     "secret_env": {"LOGMESH_INTAKE_TOKENS": "intake-tokens"}},
    # a StatefulSet: each replica reads every evidence part through a consumer group named after its
    # pod, and only StatefulSet pod names (llm-analysis-0, -1) survive restarts
    "llm-analysis": {"replicas": 2, "cpu": "250m", "memory": "512Mi", "limit": "1Gi", "hpa_max": 6,
                     "kind": "StatefulSet", "secret_env": {"LOGMESH_LLM_API_KEY": "llm-api-key"}},
    "knowledge-storage": {"replicas": 1, "cpu": "200m", "memory": "256Mi", "limit": "512Mi", "hpa_max": 0,
                          "env": {"LOGMESH_QDRANT_URL": "http://qdrant:6333"}},
    "notification": {"replicas": 2, "cpu": "100m", "memory": "128Mi", "limit": "256Mi", "hpa_max": 0,
                     "secret_env": {"LOGMESH_SLACK_BOT_TOKEN": "slack-bot-token",
                                    "LOGMESH_SLACK_SIGNING_SECRET": "slack-signing-secret"}},
    "console": {"replicas": 1, "cpu": "50m", "memory": "128Mi", "limit": "256Mi", "hpa_max": 0,
                "env": {"LOGMESH_LLM_ANALYSIS_URL": "http://llm-analysis:8080",
                        "LOGMESH_TEMPLATE_MATCHING_URL": "http://template-matching:8080",
                        "LOGMESH_CLUSTER_WATCHING_URL": "http://cluster-watching:8080",
                        "LOGMESH_KNOWLEDGE_STORAGE_URL": "http://knowledge-storage:8080"}},
}


# every client of the mesh authenticates to Kafka the same way (LOGMESH_KAFKA_* in logmesh-config)
KAFKA_SECRET_ENV = {"LOGMESH_KAFKA_SASL_PASSWORD": "kafka-sasl-password"}


def labels(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "logmesh"}


def manifests(name: str, spec: dict) -> list[dict]:
    env = [{"name": "LOGMESH_SERVICE_NAME", "value": name}, {"name": "OTEL_SERVICE_NAME", "value": name}]
    env += [{"name": k, "value": v} for k, v in spec.get("env", {}).items()]
    env += [
        {"name": k, "valueFrom": {"secretKeyRef": {"name": "logmesh-secrets", "key": v, "optional": True}}}
        for k, v in {**spec.get("secret_env", {}), **KAFKA_SECRET_ENV}.items()
    ]
    probe = {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 10, "timeoutSeconds": 3}
    container = {
        "name": name,
        "image": f"logmesh/{name}:0.1.0",
        "ports": [{"name": "http", "containerPort": 8080}],
        "envFrom": [{"configMapRef": {"name": "logmesh-config"}}],
        "env": env,
        "readinessProbe": probe,
        "livenessProbe": {**probe, "httpGet": {"path": "/health", "port": "http"}, "initialDelaySeconds": 10},
        "startupProbe": {**probe, "failureThreshold": 30, "periodSeconds": 2},
        "resources": {
            "requests": {"cpu": spec["cpu"], "memory": spec["memory"]},
            "limits": {"memory": spec["limit"]},
        },
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "tmp", "mountPath": "/tmp"},
                         {"name": "kafka-tls", "mountPath": "/etc/logmesh/kafka-tls", "readOnly": True},
                         {"name": "keys", "mountPath": "/keys", "readOnly": True}],
    }
    kind = spec.get("kind", "Deployment")
    docs: list[dict] = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": name, "labels": labels(name)},
            "automountServiceAccountToken": bool(spec.get("service_account_rbac")),
        },
        {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": {"name": name, "labels": labels(name)},
            "spec": {
                **({"serviceName": name, "podManagementPolicy": "Parallel"} if kind == "StatefulSet" else {}),
                "replicas": spec["replicas"],
                "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                "template": {
                    "metadata": {"labels": labels(name)},
                    "spec": {
                        "serviceAccountName": name,
                        "terminationGracePeriodSeconds": 30,
                        "securityContext": {"runAsNonRoot": True, "fsGroup": 10001},
                        "containers": [container],
                        "volumes": [
                            {"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}},
                            # CA and client certificate for Kafka over TLS (LOGMESH_KAFKA_SSL_*), when configured
                            {"name": "kafka-tls", "secret": {"secretName": "logmesh-kafka-tls", "optional": True}},
                            # the API key store (LOGMESH_KEYS_PATH): Secret `logmesh-keys`, key keys.sqlite
                            {"name": "keys", "secret": {"secretName": "logmesh-keys", "optional": True}},
                        ],
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": labels(name)},
            "spec": {
                "selector": {"app.kubernetes.io/name": name},
                "ports": [{"name": "http", "port": 8080, "targetPort": "http"}],
            },
        },
        {
            # voluntary evictions (node drains, upgrades) take one pod at a time; the group rebalances
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": name, "labels": labels(name)},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": name}}},
        },
    ]
    if spec["hpa_max"]:
        docs.append(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": name, "labels": labels(name)},
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name},
                    "minReplicas": spec["replicas"],
                    # more replicas than partitions would sit idle in the consumer group
                    "maxReplicas": spec["hpa_max"],
                    "metrics": [
                        {"type": "Resource",
                         "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}
                    ],
                },
            }
        )
    return docs


def render() -> dict[Path, str]:
    out = {}
    for name, spec in SERVICES.items():
        kind = spec.get("kind", "Deployment")
        header = f"# {name}: ServiceAccount, {kind}, Service, PodDisruptionBudget{', HPA' if spec['hpa_max'] else ''}.\n"
        header += "# Generated by deploy/tools/render.py; edit the table there.\n"
        out[BASE / f"{name}.yaml"] = header + yaml.safe_dump_all(manifests(name, spec), sort_keys=False)
    return out


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for path, text in render().items():
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
        else:
            path.write_text(text)
    for path in stale:
        print(f"{path} is stale: run python deploy/tools/render.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
