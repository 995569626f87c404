"""Incidents, correlation, evidence assembly and result composition. Pure logic, no I/O."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from llm_analysis.rules import Diagnosis, Doc, alert_prior, diagnose
from llm_analysis.safety import LlmAnswer, frame, redact_obj, redact_text, system_prompt
from logmesh_contracts import (
    Alert,
    AnalysisRequest,
    AnalysisResult,
    Citation,
    ClusterEvent,
    EvidenceItem,
    EvidencePart,
    Incident,
    K8sRef,
    LogAnomaly,
    stable_id,
)
from logmesh_contracts.models import CATEGORIES

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
EVIDENCE_KINDS: tuple[str, ...] = ("cluster", "logs", "similar-cases")
SourceKind = Literal["alert", "log-anomaly", "cluster-event", "request"]

# ReplicaSet pods: <deployment>-<pod-template-hash 5-10 chars>-<5 chars>; StatefulSets: <name>-<ordinal>;
# DaemonSets/Jobs: <name>-<5 chars>. The workload name correlates a pod with its service and alerts.
_RS_POD = re.compile(r"^(?P<w>.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$")
_SHORT_POD = re.compile(r"^(?P<w>.+)-(?:[a-z0-9]{5}|\d+)$")


def workload_of(pod: str) -> str:
    for pattern in (_RS_POD, _SHORT_POD):
        match = pattern.match(pod)
        if match:
            return match.group("w")
    return pod


def correlation_keys(org: str, target: K8sRef) -> list[str]:
    """Every name under which sources about the same object meet; the first is the primary key."""
    ns = target.namespace or "-"
    keys: list[str] = []
    if target.pod:
        keys.append(f"{org}/{ns}/app:{workload_of(target.pod)}")
        keys.append(f"{org}/{ns}/pod:{target.pod}")
    if target.service:
        keys.append(f"{org}/{ns}/app:{target.service}")
    if target.name and target.kind not in {None, "Node"}:
        keys.append(f"{org}/{ns}/app:{target.name}")
    if target.node and not target.pod and not target.service:
        keys.append(f"{org}/node:{target.node}")
    if target.kind == "Node" and target.name:
        keys.append(f"{org}/node:{target.name}")
    return list(dict.fromkeys(keys))


def target_from_labels(labels: dict[str, str], base: K8sRef | None = None) -> K8sRef:
    """Fill gaps in a target from Prometheus-style labels."""
    base = base or K8sRef()
    return K8sRef(
        cluster=base.cluster or labels.get("cluster"),
        namespace=base.namespace or labels.get("namespace") or labels.get("exported_namespace"),
        pod=base.pod or labels.get("pod") or labels.get("pod_name"),
        container=base.container or labels.get("container"),
        node=base.node or labels.get("node") or labels.get("instance_node"),
        service=base.service or labels.get("service") or labels.get("job_service") or labels.get("app")
        or labels.get("app_kubernetes_io_name"),
        kind=base.kind or ("Deployment" if labels.get("deployment") else None),
        name=base.name or labels.get("deployment") or labels.get("statefulset") or labels.get("daemonset"),
    )


def describe_target(target: K8sRef) -> str:
    if target.pod:
        return f"pod {target.namespace or '-'}/{target.pod}" + (f" (container {target.container})" if target.container else "")
    if target.service:
        return f"service {target.namespace or '-'}/{target.service}"
    if target.name:
        return f"{(target.kind or 'object').lower()} {target.namespace or '-'}/{target.name}"
    if target.node:
        return f"node {target.node}"
    if target.namespace:
        return f"namespace {target.namespace}"
    return "the workload"


@dataclass(frozen=True)
class Opening:
    """A source that opens an incident or joins one about the same object."""

    source: SourceKind
    source_id: str
    org: str
    at: datetime
    title: str
    severity: str
    category_hint: str
    target: K8sRef
    labels: dict[str, str]
    window_start: datetime
    window_end: datetime
    alertname: str | None = None
    requested_by: str | None = None
    fingerprint: str | None = None

    @property
    def keys(self) -> list[str]:
        return correlation_keys(self.org, self.target)

    @property
    def joinable(self) -> bool:
        """Explicit requests always get their own incident; other sources correlate."""
        return self.source != "request" and bool(self.keys)


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def opening_from_alert(alert: Alert, window_s: float) -> Opening | None:
    if alert.status != "firing":
        return None
    labels = dict(alert.labels)
    for key in ("summary", "description", "message"):
        if alert.annotations.get(key):
            labels[f"annotation.{key}"] = _clip(alert.annotations[key])
    target = target_from_labels(alert.labels, alert.target)
    summary = alert.summary or alert.annotations.get("summary") or ""
    return Opening(
        source="alert", source_id=alert.event_id, org=alert.org, at=alert.starts_at,
        title=_clip(f"{alert.alertname}: {summary}" if summary else alert.alertname, 200),
        severity=alert.severity, category_hint=(alert_prior(alert.alertname) or ("unknown", 0))[0],
        target=target, labels=labels,
        window_start=alert.starts_at - timedelta(seconds=window_s), window_end=alert.starts_at + timedelta(minutes=5),
        alertname=alert.alertname, fingerprint=alert.fingerprint,
    )


def opening_from_anomaly(anomaly: LogAnomaly, min_severity: str) -> Opening | None:
    if SEVERITY_RANK[anomaly.severity] < SEVERITY_RANK[min_severity]:
        return None
    target = anomaly.k8s if anomaly.k8s.service else anomaly.k8s.model_copy(update={"service": anomaly.service})
    labels = {"anomaly.kind": anomaly.kind, "service": anomaly.service,
              "anomaly.observed": f"{anomaly.observed:g}", "anomaly.baseline": f"{anomaly.baseline:g}"}
    if anomaly.template:
        labels["anomaly.template"] = _clip(anomaly.template)
    for index, line in enumerate(anomaly.sample_lines[:3]):
        labels[f"anomaly.sample.{index}"] = _clip(line)
    title = anomaly.summary or f"{anomaly.kind} in {anomaly.service}"
    return Opening(
        source="log-anomaly", source_id=anomaly.event_id, org=anomaly.org, at=anomaly.detected_at,
        title=_clip(f"Log anomaly: {title}", 200), severity=anomaly.severity, category_hint="unknown",
        target=target, labels=labels, window_start=anomaly.window_start, window_end=anomaly.window_end,
    )


def opening_from_cluster_event(event: ClusterEvent, window_s: float, org: str = "default") -> Opening | None:
    if not event.serious:
        return None
    from llm_analysis.rules import CLUSTER_REASONS

    labels = {"event.reason": event.reason, "event.count": str(event.count)}
    if event.message:
        labels["event.message"] = _clip(event.message)
    for key, value in list(event.details.items())[:10]:
        labels[f"event.{key}"] = _clip(value, 200)
    return Opening(
        source="cluster-event", source_id=event.event_id, org=org, at=event.observed_at,
        title=_clip(f"{event.reason} on {describe_target(event.object)}" + (f": {event.message}" if event.message else ""), 200),
        severity=event.severity, category_hint=CLUSTER_REASONS.get(event.reason, ("unknown", 0))[0],
        target=event.object, labels=labels,
        window_start=event.observed_at - timedelta(seconds=window_s), window_end=event.observed_at + timedelta(minutes=5),
    )


def opening_from_request(request: AnalysisRequest) -> Opening:
    labels = {f"selector.{k}": v for k, v in request.pod_selector.items()}
    labels["request.analysis_type"] = request.analysis_type
    if request.severities:
        labels["request.severities"] = ",".join(request.severities)
    if request.query:
        labels["request.query"] = _clip(request.query)
    return Opening(
        source="request", source_id=request.event_id, org=request.org, at=request.requested_at,
        title=_clip(f"Analysis requested by {request.requested_by}: {describe_target(request.target)}", 200),
        severity="warning", category_hint="unknown", target=request.target, labels=labels,
        window_start=request.window_start, window_end=request.window_end, requested_by=request.requested_by,
    )


def incident_id_for(opening: Opening, window_s: float) -> str:
    """Deterministic: the same object in the same correlation bucket gives the same id on every replica."""
    if not opening.joinable:
        return "inc-" + stable_id("request", opening.source_id, length=20)
    bucket = int(opening.at.timestamp() // window_s)
    return "inc-" + stable_id("incident", opening.keys[0], bucket, length=20)


def make_incident(opening: Opening, incident_id: str, deadline_s: float, now: datetime,
                  expected: tuple[str, ...] = EVIDENCE_KINDS) -> Incident:
    return Incident(
        event_id=stable_id("incident", incident_id),
        incident_id=incident_id,
        opened_at=now,
        source=opening.source,
        source_ids=[opening.source_id],
        title=opening.title,
        severity=opening.severity,  # type: ignore[arg-type]
        category_hint=opening.category_hint if opening.category_hint in CATEGORIES else "unknown",  # type: ignore[arg-type]
        target=opening.target,
        window_start=opening.window_start,
        window_end=opening.window_end,
        alertname=opening.alertname,
        labels=opening.labels,
        expected_evidence=list(expected),  # type: ignore[arg-type]
        evidence_deadline=now + timedelta(seconds=deadline_s),
        requested_by=opening.requested_by,
        org=opening.org,
    )


def join_incident(existing: Incident, opening: Opening) -> Incident:
    """The incident with one more source; published again under the same incident id."""
    deadline_s = (existing.evidence_deadline - existing.opened_at).total_seconds()
    return merge_incidents(existing, make_incident(opening, existing.incident_id, deadline_s, existing.opened_at))


def merge_incidents(first: Incident, other: Incident) -> Incident:
    """Two announcements of one incident (joins, or two replicas in one bucket) become one."""
    if first.incident_id != other.incident_id:
        raise ValueError("cannot merge different incidents")
    sources = list(dict.fromkeys([*first.source_ids, *other.source_ids]))
    labels = {**other.labels, **first.labels}
    severity = max(first.severity, other.severity, key=SEVERITY_RANK.__getitem__)
    hint = first.category_hint if first.category_hint != "unknown" else other.category_hint
    alertname = first.alertname or other.alertname
    # an alert's title names the incident better than a log anomaly's or an event's
    title = first.title if first.source == "alert" or other.source != "alert" else other.title
    target = first.target.model_copy(update={k: v for k, v in other.target.model_dump().items()
                                             if v is not None and getattr(first.target, k) is None})
    return first.model_copy(update={
        "source_ids": sources,
        "labels": labels,
        "severity": severity,
        "category_hint": hint,
        "alertname": alertname,
        "title": title,
        "target": target,
        "window_start": min(first.window_start, other.window_start),
        "window_end": max(first.window_end, other.window_end),
        "opened_at": min(first.opened_at, other.opened_at),
        "evidence_deadline": min(first.evidence_deadline, other.evidence_deadline),
    })


# ------------------------------------------------------------------- assembly


@dataclass
class Context:
    incident: Incident
    items: list[EvidenceItem]
    docs: list[Doc]
    missing: list[str]
    similar_case_ids: list[str] = field(default_factory=list)
    provider_errors: list[str] = field(default_factory=list)

    @property
    def refs(self) -> set[str]:
        return {item.ref for item in self.items}


def incident_item(incident: Incident) -> EvidenceItem:
    body = "\n".join(f"{k}={v}" for k, v in sorted(incident.labels.items()))
    return EvidenceItem(ref=f"incident:{incident.incident_id}", title=incident.title, body=body,
                        attributes={"source": incident.source, "severity": incident.severity})


def _doc_text(item: EvidenceItem) -> str:
    attrs = " ".join(f"{k}={v}" for k, v in item.attributes.items())
    return f"{item.title}\n{item.body}\n{attrs}"


def assemble(incident: Incident, parts: list[EvidencePart]) -> Context:
    """The incident with what arrived; kinds expected but absent (or failed empty) are missing."""
    header = incident_item(incident)
    items = [header]
    docs = [Doc(header.ref, _doc_text(header), "alert", header.title, header.body)]
    seen = {header.ref}
    arrived: set[str] = set()
    similar: list[str] = []
    errors: list[str] = []
    for part in sorted(parts, key=lambda p: (EVIDENCE_KINDS.index(p.kind), p.provider, p.event_id)):
        if part.error and not part.items:
            errors.append(f"{part.kind} from {part.provider}: {part.error[:200]}")
            continue
        arrived.add(part.kind)
        if part.error:
            errors.append(f"{part.kind} from {part.provider} (partial): {part.error[:200]}")
        for item in part.items:
            if item.ref in seen:
                continue
            seen.add(item.ref)
            items.append(item)
            docs.append(Doc(item.ref, _doc_text(item), part.kind, item.title, item.body, dict(item.attributes)))
            if part.kind == "similar-cases":
                similar.append(item.attributes.get("incident_id") or item.ref)
    missing: list[str] = [kind for kind in incident.expected_evidence if kind not in arrived]
    return Context(incident, items, docs, missing, similar, errors)


def run_diagnosis(ctx: Context) -> Diagnosis:
    incident = ctx.incident
    alertnames = [n for n in {incident.alertname, incident.labels.get("alertname")} if n]
    reasons = [incident.labels["event.reason"]] if "event.reason" in incident.labels else []
    return diagnose(ctx.docs, alertnames=alertnames, cluster_reasons=reasons,
                    what=describe_target(incident.target).capitalize(), hint=incident.category_hint,
                    target_names=[v for v in (incident.target.pod, incident.target.service, incident.target.node,
                                              incident.target.container, incident.target.name) if v])


def result_id(incident_id: str) -> str:
    return stable_id("analysis-result", incident_id)


def deterministic_result(
    ctx: Context, diagnosis: Diagnosis, now: datetime, *, status: str = "complete",
    latencies: dict[str, float] | None = None, note: str | None = None,
) -> AnalysisResult:
    incident = ctx.incident
    findings = list(diagnosis.findings)
    if ctx.missing:
        findings.append("missing evidence: " + ", ".join(ctx.missing))
    findings.extend(ctx.provider_errors[:5])
    if note:
        findings.append(note)
    evidence = [Citation(ref=ref, excerpt=excerpt) for ref, excerpt in diagnosis.cited]
    return AnalysisResult(
        event_id=result_id(incident.incident_id),
        incident_id=incident.incident_id,
        completed_at=now,
        status=status,  # type: ignore[arg-type]
        title=redact_text(incident.title)[0],
        severity=incident.severity,
        target=incident.target,
        alertname=incident.alertname,
        category=diagnosis.category,  # type: ignore[arg-type]
        root_cause=diagnosis.root_cause,
        confidence=diagnosis.confidence,
        evidence=evidence,
        impact=impact_of(incident),
        actions=diagnosis.actions,
        prevention=diagnosis.prevention,
        diagnosis=findings,
        missing_evidence=ctx.missing,  # type: ignore[arg-type]
        similar_case_ids=ctx.similar_case_ids[:10],
        latencies_ms=latencies or {},
        requested_by=incident.requested_by,
        org=incident.org,
    )


def impact_of(incident: Incident) -> str:
    return f"{incident.severity} incident affecting {describe_target(incident.target)}."


def llm_result(
    ctx: Context, diagnosis: Diagnosis, answer: LlmAnswer, now: datetime, *, model: str | None,
    prompt_tokens: int, completion_tokens: int, cost_usd: float, latencies: dict[str, float], notes: list[str],
) -> AnalysisResult:
    """The deterministic result with the model's validated answer on top. Rules win when they are sure."""
    base = deterministic_result(ctx, diagnosis, now, latencies=latencies)
    category = diagnosis.category
    if diagnosis.unsure and answer.category != "unknown":
        category = answer.category
    cited = {c.ref: c for c in base.evidence}
    for citation in answer.evidence:
        cited.setdefault(citation.ref, Citation(ref=citation.ref, excerpt=citation.excerpt))
    confidence = answer.confidence if category == answer.category else min(answer.confidence, diagnosis.confidence)
    findings = list(base.diagnosis) + [f"output check: {n}" for n in notes[:5]]
    return base.model_copy(update={
        "category": category,
        "root_cause": answer.root_cause,
        "confidence": round(confidence, 2),
        "evidence": list(cited.values())[:15],
        "impact": answer.impact or base.impact,
        "actions": answer.actions or base.actions,
        "prevention": answer.prevention or base.prevention,
        "diagnosis": findings,
        "model": model,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "cost_usd": round(cost_usd, 8),
    })


_TERM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*[A-Za-z0-9]")


def _specific(term: str) -> bool:
    """An identifier or value (a pod name, 256Mi, OOMKilled, host:port), not an ordinary word."""
    return len(term) >= 3 and (any(c.isdigit() for c in term) or any(c in "._:/-" for c in term)
                               or any(c.isupper() for c in term[1:]))


def grounded_terms(text: str, ctx: Context) -> set[str]:
    """The specific terms of `text` that the evidence itself contains: what the text can be checked against."""
    corpus: set[str] = set()
    for item in ctx.items:
        text_of_item = f"{item.title}\n{item.body}\n" + " ".join(f"{k} {v}" for k, v in item.attributes.items())
        for term in _TERM.findall(text_of_item):  # whole terms and their parts (ns/pod, host:port)
            corpus.add(term.lower())
            corpus.update(part.lower() for part in re.split(r"[/:=]", term) if part)
    return {t.lower() for t in _TERM.findall(text) if _specific(t) and t.lower() in corpus}


def weaker_than_floor(ctx: Context, diagnosis: Diagnosis, answer: LlmAnswer) -> str | None:
    """Why a validated model answer may not replace the deterministic result, or None when it may.

    The deterministic result is the floor: the model's answer replaces it only when it agrees with
    a confident rule category, cites evidence when the rules could, and names at least as many of
    the evidence's own identifiers and values as the rules' root cause does.
    """
    if not diagnosis.unsure and answer.category != diagnosis.category:
        return f"category {answer.category!r} contradicts the rules' confident {diagnosis.category!r}"
    if diagnosis.unsure and answer.category == "unknown" and diagnosis.category != "unknown":
        return "no category where the rules have one"
    if diagnosis.cited and not answer.evidence:
        return "cites no valid evidence ref"
    floor = grounded_terms(diagnosis.root_cause, ctx)
    model = grounded_terms(answer.root_cause, ctx)
    if len(model) < len(floor):
        return (f"less supported by evidence: names {len(model)} evidence term(s), "
                f"the rules' root cause {len(floor)}")
    return None


# --------------------------------------------------------------------- prompt

_DIGITS = re.compile(r"\d+")


def _compress_lines(body: str, limit: int) -> str:
    """Collapse lines that differ only in numbers into one line with a count; then clip."""
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for line in body.splitlines():
        key = _DIGITS.sub("#", line.strip())
        if not key:
            continue
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, line.strip())
    lines = [f"{first[k]}" + (f"  (x{n})" if n > 1 else "") for k, n in counts.items()]
    text = "\n".join(lines)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def build_messages(
    ctx: Context, diagnosis: Diagnosis, *, redact: bool, max_chars: int, canary: str,
) -> tuple[list[dict[str, str]], Counter[str]]:
    """System + user messages; untrusted data framed, redacted when asked (counted per kind), bounded in size."""
    incident = ctx.incident
    boundary = stable_id("boundary", incident.incident_id, length=12)
    redactions: Counter[str] = Counter()

    def clean(value: Any) -> Any:
        if not redact:
            return value
        return redact_obj(value, redactions)[0]

    header = clean({
        "title": incident.title, "severity": incident.severity, "target": describe_target(incident.target),
        "alertname": incident.alertname, "category_hint": incident.category_hint,
        "window": f"{incident.window_start.isoformat()} .. {incident.window_end.isoformat()}",
        "labels": dict(list(incident.labels.items())[:40]),
    })
    findings = clean({"rules_category": diagnosis.category, "rules_confidence": diagnosis.confidence,
                      "findings": diagnosis.findings[:12], "missing_evidence": ctx.missing})
    intro = (f"Incident {incident.incident_id}. Data blocks are marked with boundary {boundary}; "
             "only text inside them is evidence.")
    blocks = [intro, frame(boundary, "incident", header), frame(boundary, "deterministic-findings", findings)]
    used = sum(len(b) for b in blocks)
    cited = {ref for ref, _ in diagnosis.cited}
    ordered = sorted(ctx.items[1:], key=lambda i: (i.ref not in cited, i.ref))
    omitted: dict[str, int] = {}
    per_item = max(400, max_chars // max(4, len(ordered) or 1))
    for item in ordered:
        payload = clean({"ref": item.ref, "title": item.title[:200],
                         "body": _compress_lines(item.body, per_item),
                         "attributes": dict(list(item.attributes.items())[:15])})
        block = frame(boundary, "evidence", payload)
        if used + len(block) > max_chars:
            kind = item.ref.split(":", 1)[0]
            omitted[kind] = omitted.get(kind, 0) + 1
            continue
        blocks.append(block)
        used += len(block)
    if omitted:
        blocks.append("Omitted for size: " + ", ".join(f"{n} {k} item(s)" for k, n in sorted(omitted.items())))
    refs = [i.ref for i in ctx.items]
    blocks.append("Valid evidence refs: " + ", ".join(refs[:60]))
    blocks.append("Return the JSON object now.")
    user = "\n\n".join(blocks)
    return [{"role": "system", "content": system_prompt(canary)}, {"role": "user", "content": user}], redactions


def repair_messages(messages: list[dict[str, str]], bad_output: str, error: str) -> list[dict[str, str]]:
    """One retry: the model sees its invalid answer (redacted, clipped) and the reason."""
    clipped = redact_text(bad_output[:1500])[0]
    return [*messages,
            {"role": "assistant", "content": clipped},
            {"role": "user", "content": f"That answer was rejected ({error[:200]}). Reply with only the JSON object "
                                        "with the required keys."}]
