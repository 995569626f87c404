"""Pure logic of knowledge-storage: case texts and payloads, verdicts, statistics, evidence. No I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from logmesh_contracts import AnalysisResult, EvidenceItem, EvidencePart, Feedback, Incident, stable_id

PROVIDER = "knowledge-storage"
# Version of the payload stored with every case. Bump it with a step in ``migrate_payload`` and the
# service copies (and re-embeds) older collections into the new one on start.
PAYLOAD_SCHEMA = 1
VERDICT_SCHEMA = 1
_ID_NAMESPACE = uuid.UUID("5b0e6c1e-7a43-4d55-9f0e-6b6e0c9a3c11")

VALIDATED = "validated"
REJECTED = "rejected"
UNVALIDATED = "unvalidated"


def case_point_id(incident_id: str) -> str:
    """Qdrant point id of a case: the same incident always lands on the same point (upsert = idempotent)."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"case\x1f{incident_id}"))


def verdict_point_id(incident_id: str, given_by: str) -> str:
    """One verdict per person and incident: a changed verdict replaces the earlier one."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"verdict\x1f{incident_id}\x1f{given_by}"))


def ts(value: datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


# ----------------------------------------------------------------------------- texts

_MAX_EVIDENCE = 3
_MAX_EXCERPT = 240


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def case_text(result: AnalysisResult) -> str:
    """What a case's vector is made of: the incident as it looked, plus its key evidence.

    The root cause is the answer, not the question: it stays out, so a new incident (which has
    no root cause yet) is compared with what past incidents looked like.
    """
    lines = [
        f"alert: {result.alertname or ''}",
        f"severity: {result.severity}",
        f"category: {result.category}",
        f"title: {_clean(result.title)}",
    ]
    where = _target_line(result.target.namespace, result.target.service, result.target.container)
    if where:
        lines.append(where)
    evidence = [_clean(c.excerpt)[:_MAX_EXCERPT] for c in result.evidence if c.excerpt][:_MAX_EVIDENCE]
    findings = [_clean(d)[:_MAX_EXCERPT] for d in result.diagnosis][:_MAX_EVIDENCE]
    if findings:
        lines.append("findings: " + " | ".join(findings))
    if evidence:
        lines.append("evidence: " + " | ".join(evidence))
    return "\n".join(lines)


_QUERY_LABELS = ("reason", "container", "job", "deployment", "statefulset", "daemonset", "persistentvolumeclaim")


def incident_text(incident: Incident) -> str:
    """The query side: the same fields a case's text starts with, from a just-opened incident."""
    lines = [
        f"alert: {incident.alertname or incident.labels.get('alertname', '')}",
        f"severity: {incident.severity}",
        f"category: {incident.category_hint if incident.category_hint != 'unknown' else ''}",
        f"title: {_clean(incident.title)}",
    ]
    where = _target_line(incident.target.namespace, incident.target.service, incident.target.container)
    if where:
        lines.append(where)
    extra = [f"{k}={incident.labels[k]}" for k in _QUERY_LABELS if incident.labels.get(k)]
    if extra:
        lines.append("labels: " + " ".join(extra))
    return "\n".join(lines)


def _target_line(namespace: str | None, service: str | None, container: str | None) -> str:
    parts = [f"{k}: {v}" for k, v in (("namespace", namespace), ("service", service), ("container", container)) if v]
    return " ".join(parts)


# --------------------------------------------------------------------------- payloads


def case_payload(result: AnalysisResult, text: str, embedding_model: str, stored_at: datetime) -> dict[str, Any]:
    """The payload stored with a case (schema ``PAYLOAD_SCHEMA``); validation starts unvalidated."""
    target = result.target
    return {
        "schema": PAYLOAD_SCHEMA,
        "incident_id": result.incident_id,
        "event_id": result.event_id,
        "org": result.org,
        "alertname": result.alertname or "",
        "severity": result.severity,
        "category": result.category,
        "title": result.title,
        "namespace": target.namespace or "",
        "service": target.service or "",
        "pod": target.pod or "",
        "node": target.node or "",
        "cluster": target.cluster or "",
        "analysis": {
            "status": result.status,
            "root_cause": result.root_cause,
            "confidence": result.confidence,
            "impact": result.impact,
            "actions": list(result.actions),
            "prevention": list(result.prevention),
            "diagnosis": list(result.diagnosis),
            "evidence": [{"ref": c.ref, "excerpt": c.excerpt} for c in result.evidence],
        },
        "model": result.model or "deterministic",
        "completed_at": result.completed_at.isoformat(),
        "completed_ts": ts(result.completed_at),
        "stored_at": stored_at.isoformat(),
        "validation": UNVALIDATED,
        "verdicts": {"correct": 0, "incorrect": 0},
        "validated_at": None,
        "corrected_root_cause": None,
        "corrected_category": None,
        "embedding_model": embedding_model,
        "text": text,
    }


def migrate_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Bring a stored payload up to ``PAYLOAD_SCHEMA``; each version adds one step here."""
    migrated = dict(payload)
    version = int(migrated.get("schema", 1))
    if version > PAYLOAD_SCHEMA:
        raise ValueError(f"case payload schema {version} is newer than this service ({PAYLOAD_SCHEMA})")
    # version 1 is the first; future steps go here, e.g. `if version < 2: migrated["x"] = ...; version = 2`.
    migrated["schema"] = PAYLOAD_SCHEMA
    return migrated


# --------------------------------------------------------------------------- verdicts


def verdict_payload(feedback: Feedback, case: Mapping[str, Any] | None) -> dict[str, Any]:
    """A person's verdict as stored; alert/category/model are copied from the case when it is known."""
    return {
        "schema": VERDICT_SCHEMA,
        "incident_id": feedback.incident_id,
        "event_id": feedback.event_id,
        "given_by": feedback.given_by,
        "verdict": feedback.verdict,
        "given_at": feedback.given_at.isoformat(),
        "given_ts": ts(feedback.given_at),
        "channel": feedback.channel,
        "comment": feedback.comment,
        "corrected_root_cause": feedback.corrected_root_cause,
        "corrected_category": feedback.corrected_category,
        **case_keys(case),
    }


def case_keys(case: Mapping[str, Any] | None) -> dict[str, Any]:
    """The case fields a verdict carries so past feedback can be found by alert name or category."""
    case = case or {}
    return {
        "org": case.get("org", ""),
        "alertname": case.get("alertname", ""),
        "category": case.get("category", ""),
        "model": case.get("model", ""),
        "root_cause": (case.get("analysis") or {}).get("root_cause", ""),
    }


def replaces(existing: Mapping[str, Any] | None, feedback: Feedback) -> bool:
    """Whether ``feedback`` should overwrite the stored verdict of the same person.

    Redelivery of the same event changes nothing; an older verdict arriving late never
    overwrites a newer one.
    """
    if existing is None:
        return True
    if existing.get("event_id") == feedback.event_id:
        return False
    return ts(feedback.given_at) >= float(existing.get("given_ts", 0.0))


@dataclass(frozen=True)
class Validation:
    state: str
    correct: int
    incorrect: int
    validated_at: str | None
    corrected_root_cause: str | None
    corrected_category: str | None

    def as_payload(self) -> dict[str, Any]:
        return {
            "validation": self.state,
            "verdicts": {"correct": self.correct, "incorrect": self.incorrect},
            "validated_at": self.validated_at,
            "corrected_root_cause": self.corrected_root_cause,
            "corrected_category": self.corrected_category,
        }


def validation(verdicts: Iterable[Mapping[str, Any]]) -> Validation:
    """A case is validated when more people said correct than incorrect, rejected when any
    ❌ is not outweighed, unvalidated without verdicts. Ties reject: only clear ✅ are served."""
    ordered = sorted(verdicts, key=lambda v: float(v.get("given_ts", 0.0)))
    correct = sum(1 for v in ordered if v.get("verdict") == "correct")
    incorrect = sum(1 for v in ordered if v.get("verdict") == "incorrect")
    if not ordered:
        state = UNVALIDATED
    elif correct > incorrect:
        state = VALIDATED
    else:
        state = REJECTED
    corrected_cause = next((v["corrected_root_cause"] for v in reversed(ordered) if v.get("corrected_root_cause")), None)
    corrected_category = next((v["corrected_category"] for v in reversed(ordered) if v.get("corrected_category")), None)
    return Validation(
        state=state,
        correct=correct,
        incorrect=incorrect,
        validated_at=ordered[-1].get("given_at") if ordered else None,
        corrected_root_cause=corrected_cause,
        corrected_category=corrected_category,
    )


# -------------------------------------------------------------------------- statistics


@dataclass
class Tally:
    validated: int = 0
    rejected: int = 0
    unvalidated: int = 0

    @property
    def judged(self) -> int:
        return self.validated + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "validated": self.validated,
            "rejected": self.rejected,
            "unvalidated": self.unvalidated,
            "accuracy": round(self.validated / self.judged, 4) if self.judged else None,
        }


@dataclass
class Stats:
    total: Tally = field(default_factory=Tally)
    by_category: dict[str, Tally] = field(default_factory=dict)
    by_model: dict[str, Tally] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.total.judged + self.total.unvalidated,
            "overall": self.total.as_dict(),
            "by_category": {k: v.as_dict() for k, v in sorted(self.by_category.items())},
            "by_model": {k: v.as_dict() for k, v in sorted(self.by_model.items())},
        }


def accuracy_stats(cases: Iterable[Mapping[str, Any]]) -> Stats:
    """Accuracy of analyses as people judged them, overall, per category and per model."""
    stats = Stats()
    for case in cases:
        state = case.get("validation", UNVALIDATED)
        for tally in (
            stats.total,
            stats.by_category.setdefault(str(case.get("category", "unknown")), Tally()),
            stats.by_model.setdefault(str(case.get("model", "unknown")), Tally()),
        ):
            if state == VALIDATED:
                tally.validated += 1
            elif state == REJECTED:
                tally.rejected += 1
            else:
                tally.unvalidated += 1
    return stats


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class Hit:
    score: float
    payload: Mapping[str, Any]


def evidence_part_id(incident_id: str) -> str:
    return stable_id(PROVIDER, "similar-cases", incident_id)


def similar_cases_part(
    incident: Incident,
    hits: Sequence[Hit],
    past_verdicts: Sequence[Mapping[str, Any]],
    collected_at: datetime,
    *,
    error: str | None = None,
    truncated: bool = False,
) -> EvidencePart:
    """The answer to an incident: validated similar cases, then past verdicts for its alert/category."""
    items = [_case_item(hit) for hit in hits]
    items += [_verdict_item(v) for v in past_verdicts]
    return EvidencePart(
        event_id=evidence_part_id(incident.incident_id),
        incident_id=incident.incident_id,
        kind="similar-cases",
        provider=PROVIDER,
        collected_at=collected_at,
        items=items,
        truncated=truncated,
        error=error,
    )


def _case_item(hit: Hit) -> EvidenceItem:
    p = hit.payload
    analysis = p.get("analysis") or {}
    root_cause = p.get("corrected_root_cause") or analysis.get("root_cause", "")
    actions = analysis.get("actions") or []
    body = f"Root cause: {root_cause}"
    if actions:
        body += "\nActions taken: " + "; ".join(str(a) for a in actions[:5])
    verdicts = p.get("verdicts") or {}
    return EvidenceItem(
        ref=f"case:{p.get('incident_id', '')}",
        title=str(p.get("title", "")),
        body=body,
        attributes={
            "type": "similar-case",
            "similarity": f"{hit.score:.3f}",
            "category": str(p.get("corrected_category") or p.get("category", "")),
            "alertname": str(p.get("alertname", "")),
            "namespace": str(p.get("namespace", "")),
            "service": str(p.get("service", "")),
            "completed_at": str(p.get("completed_at", "")),
            "model": str(p.get("model", "")),
            "validated_by": str(verdicts.get("correct", 0)),
            "embedding_model": str(p.get("embedding_model", "")),
        },
    )


def _verdict_item(v: Mapping[str, Any]) -> EvidenceItem:
    body = f"Verdict: {v.get('verdict')} on analysis that said: {v.get('root_cause', '')}"
    if v.get("corrected_root_cause"):
        body += f"\nCorrected root cause: {v['corrected_root_cause']}"
    if v.get("comment"):
        body += f"\nComment: {v['comment']}"
    return EvidenceItem(
        ref=f"feedback:{v.get('incident_id', '')}/{v.get('event_id', '')}",
        title=f"Past feedback on {v.get('alertname') or v.get('category') or 'a similar alert'}",
        body=body,
        attributes={
            "type": "past-feedback",
            "verdict": str(v.get("verdict", "")),
            "alertname": str(v.get("alertname", "")),
            "category": str(v.get("category", "")),
            "given_at": str(v.get("given_at", "")),
        },
    )


def query_timeout(incident: Incident, now: datetime, ceiling_s: float, margin_s: float = 0.3) -> float:
    """Time left for a lookup: the configured bound, cut to the incident's evidence deadline."""
    left = ts(incident.evidence_deadline) - ts(now) - margin_s
    return max(0.2, min(ceiling_s, left))
