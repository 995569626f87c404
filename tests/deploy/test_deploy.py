"""The compose file and Kubernetes manifests validate offline, and cover every service."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from logmesh_contracts.topics import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def manifest_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*.yaml") if "compose" not in p.parts and "grafana" not in p.parts and p.name != "kustomization.yaml"
                  and "examples" not in p.parts)


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_manifest_validates_against_kubernetes_schemas(path: Path) -> None:
    import kubernetes_validate

    for doc in yaml.safe_load_all(path.read_text()):
        if not doc:
            continue
        if doc["kind"] in {"LogAnalysisJob", "GoldenLogSample"}:
            continue  # custom resources: validated against their CRD in cluster-watching's tests
        if doc["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # Prometheus Operator resources: tests/deploy/test_monitoring.py
        kubernetes_validate.validate(doc, "1.33.0", strict=True)


def test_base_manifests_are_rendered_from_the_table() -> None:
    result = subprocess.run([sys.executable, str(DEPLOY / "tools" / "render.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_service_has_a_deployment_service_account_and_locked_down_container() -> None:
    for name in SERVICES:
        docs = {d["kind"]: d for d in yaml.safe_load_all((DEPLOY / "base" / f"{name}.yaml").read_text())}
        workload = docs.get("Deployment") or docs.get("StatefulSet")
        assert workload and {"ServiceAccount", "Service", "PodDisruptionBudget"} <= set(docs), name
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        security = container["securityContext"]
        assert security["runAsNonRoot"] and security["readOnlyRootFilesystem"]
        assert security["capabilities"]["drop"] == ["ALL"]
        assert container["readinessProbe"] and container["livenessProbe"]
        assert container["resources"]["requests"] and container["resources"]["limits"]


def test_kustomization_lists_every_base_file() -> None:
    listed = set(yaml.safe_load((DEPLOY / "base" / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in (DEPLOY / "base").glob("*.yaml") if p.name != "kustomization.yaml"}
    assert listed == present


def test_one_parameterised_dockerfile_builds_every_service_with_the_runtime_only() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG SERVICE" in dockerfile and "USER 10001" in dockerfile
    assert "services/devstack" not in dockerfile and "services/testing" not in dockerfile
    assert not list((ROOT / "services").glob("*/Dockerfile"))
    services = compose_services()
    for name in SERVICES:
        build = services[name]["build"]
        assert build["context"] == "." and build["args"]["SERVICE"] == name, name
        assert (ROOT / "services" / name / "pyproject.toml").exists(), name
    # topic creation ships with the runtime: the init job needs no developer CLI
    assert services["topics-init"]["command"][:3] == ["python", "-m", "logmesh_runtime.topic_admin"]


def compose_services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_runs_every_service_with_healthcheck_and_memory_limit() -> None:
    services = compose_services()
    assert set(SERVICES) <= set(services)
    for name in {*SERVICES, "kafka", "clickhouse", "qdrant", "jaeger", "otel-collector"}:
        # anchors are merged by the YAML loader, so inherited keys count
        assert "healthcheck" in services[name], name
        assert "mem_limit" in services[name], name
    for name in SERVICES:
        assert services[name]["environment"]["LOGMESH_SERVICE_NAME"] == name
        assert services[name]["environment"]["OTEL_SERVICE_NAME"] == name


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose is installed by `make system-deps`")
def test_compose_file_validates() -> None:
    env = {**os.environ, "CLICKHOUSE_PASSWORD": "validation-only", "LOGMESH_INTAKE_TOKENS": "validation-only",
           "GRAFANA_ADMIN_PASSWORD": "validation-only"}
    result = subprocess.run(
        ["docker-compose", "--env-file", ".env.example", "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
