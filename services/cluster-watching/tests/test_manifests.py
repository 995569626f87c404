"""CRDs and RBAC validate offline (kubernetes-validate); the examples validate against their CRD's schema."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
OWN = [*sorted((DEPLOY / "crds").glob("*.logmesh.io.yaml")), DEPLOY / "base" / "cluster-watching-rbac.yaml"]


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@pytest.mark.parametrize("path", OWN, ids=lambda p: p.name)
def test_manifests_validate_against_kubernetes_schemas(path: Path) -> None:
    for doc in docs(path):
        kubernetes_validate.validate(doc, "1.33.0", strict=True)


def crd_schemas() -> dict[str, dict]:
    schemas = {}
    for path in (DEPLOY / "crds").glob("*.logmesh.io.yaml"):
        (crd,) = docs(path)
        (version,) = crd["spec"]["versions"]
        schemas[crd["spec"]["names"]["kind"]] = version["schema"]["openAPIV3Schema"]
    return schemas


def openapi_to_jsonschema(schema: object) -> object:
    """Drop the Kubernetes extensions (x-kubernetes-*, nullable) that JSON Schema does not know."""
    if isinstance(schema, dict):
        out = {k: openapi_to_jsonschema(v) for k, v in schema.items() if not k.startswith("x-kubernetes")}
        if out.pop("nullable", False) and "type" in out:
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(schema, list):
        return [openapi_to_jsonschema(v) for v in schema]
    return schema


def test_examples_and_a_controller_status_validate_against_the_crds() -> None:
    from datetime import UTC, datetime

    from cluster_watching import domain
    from logmesh_contracts import AnalysisResult

    schemas = {kind: openapi_to_jsonschema(s) for kind, s in crd_schemas().items()}
    examples = docs(DEPLOY / "crds" / "examples.yaml")
    assert {e["kind"] for e in examples} == {"LogAnalysisJob", "GoldenLogSample"}
    for example in examples:
        jsonschema.validate(example, schemas[example["kind"]])
    job = next(e for e in examples if e["kind"] == "LogAnalysisJob")
    job["metadata"].update(uid="u", generation=1)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    request = domain.job_request(job, now)
    result = AnalysisResult(event_id="r", incident_id="i", completed_at=now, title="t", severity="critical",
                            category="pod-crash", root_cause="db down", confidence=0.9, model=None,
                            latencies_ms={"llm": 1.5}, prompt_tokens=10, completion_tokens=5)
    for status in (domain.status_pending(job, now), domain.status_running(job, request, now),
                   domain.status_from_result(job, result, now), domain.status_failed(job, "invalid", now)):
        without_nulls = {k: v for k, v in status.items() if v is not None}  # merge-patch deletions
        jsonschema.validate({**job, "status": without_nulls}, schemas["LogAnalysisJob"])
    bad = {**job, "spec": {**job["spec"], "analysisType": "magic"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schemas["LogAnalysisJob"])


def test_rbac_is_read_only_except_job_status_and_never_grants_secrets() -> None:
    role = next(d for d in docs(DEPLOY / "base" / "cluster-watching-rbac.yaml") if d["kind"] == "ClusterRole")
    for rule in role["rules"]:
        assert "secrets" not in rule["resources"] and "*" not in rule["resources"]
        writes = set(rule["verbs"]) - {"get", "list", "watch"}
        assert not writes or rule["resources"] == ["loganalysisjobs/status"], rule
