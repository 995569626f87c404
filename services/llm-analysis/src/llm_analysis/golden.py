"""The golden set: realistic incidents with known categories and root-cause facts.

Two sources, one shape (``GoldenCase``):
* ``golden/*.yaml`` in this package — lists of cases: what opened the incident (alert, cluster
  event, log anomaly), the evidence providers returned, the expected category and facts;
* GoldenLogSample resources (apiVersion logmesh.io/v1alpha1, see deploy/crds/) — log lines with a
  ground truth; they become an explicit analysis request with the lines as log evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml

from llm_analysis.domain import (
    Opening,
    incident_id_for,
    join_incident,
    make_incident,
    opening_from_alert,
    opening_from_anomaly,
    opening_from_cluster_event,
    opening_from_request,
)
from logmesh_contracts import (
    Alert,
    AnalysisRequest,
    ClusterEvent,
    EvidenceItem,
    EvidencePart,
    Incident,
    K8sRef,
    LogAnomaly,
    stable_id,
)
from logmesh_contracts.models import CATEGORIES

AT = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
_TARGET_KEYS = ("namespace", "pod", "container", "node", "service")


@dataclass
class GoldenCase:
    id: str
    category: str
    facts: list[str]
    difficulty: str
    incident: Incident
    parts: list[EvidencePart] = field(default_factory=list)
    source: str = "golden"
    # strings the analysis must never contain: injected instructions, secret values from the evidence
    must_not: list[str] = field(default_factory=list)


def _target(spec: dict[str, Any]) -> K8sRef:
    return K8sRef(**{k: (spec.get(k) or None) for k in _TARGET_KEYS})


def _alert(case_id: str, spec: dict[str, Any]) -> Alert:
    labels = {k: str(v) for k, v in spec.items() if k not in {"summary", "description", "severity"} and v}
    fingerprint = stable_id("golden", case_id, length=16)
    return Alert(
        event_id=stable_id(fingerprint, AT.isoformat(), "firing"), fingerprint=fingerprint, status="firing",
        alertname=spec["alertname"], severity=spec.get("severity", "critical"), starts_at=AT, received_at=AT,
        labels=labels, annotations={"summary": spec.get("summary", "")}, summary=spec.get("summary", ""),
        target=_target(spec),
    )


def _cluster_event(case_id: str, spec: dict[str, Any]) -> ClusterEvent:
    return ClusterEvent(
        event_id=stable_id("golden-event", case_id), reason=spec["reason"], severity=spec.get("severity", "critical"),
        observed_at=AT, object=_target(spec), message=spec.get("message", ""), serious=True,
    )


def _anomaly(case_id: str, spec: dict[str, Any]) -> LogAnomaly:
    return LogAnomaly(
        event_id=stable_id("golden-anomaly", case_id), kind=spec.get("kind", "error-rate-jump"), org="default",
        service=spec["service"], severity=spec.get("severity", "critical"), detected_at=AT,
        window_start=AT - timedelta(minutes=15), window_end=AT, k8s=_target(spec),
        observed=float(spec.get("observed", 50)), baseline=float(spec.get("baseline", 1)),
        sample_lines=list(spec.get("sample_lines", [])), summary=spec.get("summary", ""),
    )


def _parts(incident_id: str, evidence: dict[str, list[dict[str, Any]]]) -> list[EvidencePart]:
    parts = []
    for kind, items in (evidence or {}).items():
        parts.append(EvidencePart(
            event_id=stable_id("golden-part", incident_id, kind), incident_id=incident_id, kind=cast(Any, kind),
            provider={"cluster": "cluster-watching", "logs": "template-matching"}.get(kind, "knowledge-storage"),
            collected_at=AT, items=[EvidenceItem(ref=i["ref"], title=i.get("title", i["ref"]), body=i.get("body", ""),
                                                 attributes={k: str(v) for k, v in (i.get("attributes") or {}).items()})
                                    for i in items],
        ))
    return parts


def _incident(openings: list[Opening]) -> Incident:
    first = openings[0]
    incident = make_incident(first, incident_id_for(first, 900), 5.0, AT)
    for other in openings[1:]:
        incident = join_incident(incident, other)
    return incident


def case_from_dict(data: dict[str, Any]) -> GoldenCase:
    case_id = str(data["id"])
    openings: list[Opening] = []
    if data.get("alert"):
        opening = opening_from_alert(_alert(case_id, data["alert"]), 900)
        if opening:
            openings.append(opening)
    if data.get("cluster_event"):
        opening = opening_from_cluster_event(_cluster_event(case_id, data["cluster_event"]), 900)
        if opening:
            openings.append(opening)
    if data.get("anomaly"):
        opening = opening_from_anomaly(_anomaly(case_id, data["anomaly"]), "info")
        if opening:
            openings.append(opening)
    if not openings:
        raise ValueError(f"golden case {case_id}: needs an alert, cluster_event or anomaly")
    expected = data.get("expected") or {}
    category = expected.get("category", "unknown")
    if category not in CATEGORIES:
        raise ValueError(f"golden case {case_id}: unknown category {category!r}")
    incident = _incident(openings)
    return GoldenCase(id=case_id, category=category, facts=[str(f) for f in expected.get("facts", [])],
                      difficulty=str(data.get("difficulty", "medium")), incident=incident,
                      parts=_parts(incident.incident_id, data.get("evidence") or {}),
                      must_not=[str(m) for m in expected.get("must_not", [])])


def case_from_golden_log_sample(doc: dict[str, Any]) -> GoldenCase:
    """A GoldenLogSample resource (logmesh.io/v1alpha1) as an explicit analysis request."""
    if doc.get("kind") != "GoldenLogSample":
        raise ValueError(f"not a GoldenLogSample: kind={doc.get('kind')!r}")
    meta, spec = doc.get("metadata") or {}, doc.get("spec") or {}
    name = meta.get("name") or stable_id("sample", str(spec), length=12)
    lines = list(spec.get("lines") or []) or ([spec["logEntry"]] if spec.get("logEntry") else [])
    truth = spec.get("groundTruth") or {}
    component = truth.get("component")
    request = AnalysisRequest(
        event_id=stable_id("golden-sample", name), requested_by=f"GoldenLogSample/{meta.get('namespace', '-')}/{name}",
        requested_at=AT, window_start=AT - timedelta(minutes=30), window_end=AT,
        target=K8sRef(namespace=meta.get("namespace"), service=component),
    )
    opening = opening_from_request(request)
    incident = make_incident(opening, incident_id_for(opening, 900), 5.0, AT)
    part = EvidencePart(
        event_id=stable_id("golden-part", incident.incident_id, "logs"), incident_id=incident.incident_id, kind="logs",
        provider="golden", collected_at=AT,
        items=[EvidenceItem(ref=f"log:{name}#{i}", title="log line", body=line) for i, line in enumerate(lines)],
    )
    return GoldenCase(id=f"sample:{name}", category=spec.get("category", "unknown"),
                      facts=[str(k) for k in truth.get("keywords") or []], difficulty=spec.get("difficulty", "medium"),
                      incident=incident, parts=[part], source="GoldenLogSample")


def load_documents(text: str) -> list[GoldenCase]:
    cases: list[GoldenCase] = []
    for doc in yaml.safe_load_all(text):
        if doc is None:
            continue
        if isinstance(doc, list):
            cases.extend(case_from_dict(item) for item in doc)
        elif isinstance(doc, dict) and doc.get("kind") == "GoldenLogSample":
            cases.append(case_from_golden_log_sample(doc))
        elif isinstance(doc, dict) and doc.get("kind") == "List":  # kubectl get -o yaml
            cases.extend(case_from_golden_log_sample(item) for item in doc.get("items", [])
                         if item.get("kind") == "GoldenLogSample")
        elif isinstance(doc, dict) and "id" in doc:
            cases.append(case_from_dict(doc))
    return cases


def load_paths(paths: Iterable[Path]) -> list[GoldenCase]:
    cases: list[GoldenCase] = []
    for path in paths:
        files = sorted(path.glob("*.y*ml")) if path.is_dir() else [path]
        for file in files:
            cases.extend(load_documents(file.read_text()))
    return cases


def bundled() -> list[GoldenCase]:
    """The golden set shipped in this package."""
    cases: list[GoldenCase] = []
    folder = resources.files("llm_analysis") / "golden"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            cases.extend(load_documents(entry.read_text()))
    return cases
