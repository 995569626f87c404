"""Every message that travels on the mesh. Topics and their models are paired in ``topics.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from logmesh_contracts.base import Event, ExternalPayload, Value

Level = Literal["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"]
Severity = Literal["info", "warning", "critical"]
Category = Literal[
    "pod-crash",
    "pod-restart",
    "pod-pending",
    "service-down",
    "endpoint-missing",
    "node-not-ready",
    "disk-pressure",
    "network-policy",
    "dns-issues",
    "oom-killed",
    "cpu-throttling",
    "unknown",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]


class K8sRef(Value):
    """Where in Kubernetes something happened. Every field is optional."""

    cluster: str | None = None
    namespace: str | None = None
    pod: str | None = None
    container: str | None = None
    node: str | None = None
    service: str | None = None
    kind: str | None = Field(default=None, description="Kind of the involved object when not a pod, e.g. Deployment.")
    name: str | None = Field(default=None, description="Name of the involved object when not a pod.")


# --------------------------------------------------------------------------- logs


class RawLogInput(ExternalPayload):
    """A log record as producers send it (HTTP body item or `logs.raw` value)."""

    org: str | None = Field(
        default=None,
        description="Optional: the org comes from the credential, a trusted X-Scope-OrgID header or the "
        "listener's default; a body org that disagrees with the credential is refused.",
    )
    message: str
    timestamp: str | float | int | None = None
    service: str | None = None
    host: str | None = None
    level: str | None = None
    dashboard: str | None = None
    metadata: dict[str, Any] | None = None
    namespace: str | None = None
    pod: str | None = None
    container: str | None = None
    node: str | None = None
    cluster: str | None = None
    k8s: dict[str, Any] | None = Field(
        default=None, description="The Kubernetes fields nested (namespace, pod, container, node, cluster, service)."
    )


class OtlpLogsExport(ExternalPayload):
    """An OTLP ``ExportLogsServiceRequest``, as the OpenTelemetry Collector's Kafka exporter publishes
    it: encoding ``otlp_proto`` (protobuf bytes) or ``otlp_json`` (this JSON form). The org comes from
    the message's ``org`` (or ``x-logmesh-org``) header, else ingestion's default org."""

    resource_logs: list[dict[str, Any]] = Field(default_factory=list, alias="resourceLogs")


class LogRecord(Event):
    """A validated, normalised log record. ``event_id`` is the record id."""

    org: str = Field(min_length=1, max_length=128)
    timestamp: datetime = Field(description="Event time, UTC.")
    received_at: datetime
    service: str = Field(default="unknown", max_length=256)
    host: str | None = None
    level: Level = "INFO"
    message: str
    dashboard: str | None = None
    k8s: K8sRef = Field(default_factory=K8sRef)
    metadata: dict[str, str] = Field(default_factory=dict)
    redacted: bool = False
    truncated: bool = False


class TemplateEvent(Event):
    """Announces a template on the compacted registry topic (key: template_id)."""

    template_id: str = Field(description="Content-based id: same template text gives the same id everywhere.")
    template: str
    kind: Literal["created", "updated", "merged", "llm-refined", "deleted"]
    previous_template_id: str | None = Field(default=None, description="Template this one replaces after a merge.")
    source: Literal["miner", "llm", "operator"] = "miner"
    service: str | None = None
    org: str | None = None
    sample: str | None = Field(default=None, description="One example line, redacted.")
    first_seen: datetime
    updated_at: datetime
    count: int = 0


class LogAnomaly(Event):
    kind: Literal["new-template", "frequency-spike", "error-rate-jump"]
    org: str
    service: str
    severity: Severity
    detected_at: datetime
    window_start: datetime
    window_end: datetime
    k8s: K8sRef = Field(default_factory=K8sRef)
    template_id: str | None = None
    template: str | None = None
    observed: float = Field(description="Count or rate observed in the window.")
    baseline: float = Field(description="Expected count or rate from the rolling baseline.")
    score: float = Field(default=0.0, description="How far from the baseline, e.g. a z-score or ratio.")
    sample_lines: list[str] = Field(default_factory=list)
    summary: str = ""


# ----------------------------------------------------------------------- cluster


class ClusterEvent(Event):
    """A normalised state transition observed in Kubernetes."""

    reason: Literal[
        "CrashLoopBackOff",
        "OOMKilled",
        "ImagePullBackOff",
        "ErrImagePull",
        "Unschedulable",
        "Pending",
        "ProbeFailed",
        "Evicted",
        "NodeNotReady",
        "MemoryPressure",
        "DiskPressure",
        "PIDPressure",
        "NetworkUnavailable",
        "ContainerRestarted",
        "Warning",
    ]
    severity: Severity
    observed_at: datetime
    object: K8sRef
    message: str = ""
    count: int = Field(default=1, description="How many times it was seen while deduplicated.")
    serious: bool = Field(default=False, description="Opens an incident without any alert.")
    details: dict[str, str] = Field(default_factory=dict)


# ------------------------------------------------------------------------ alerts


class AlertmanagerAlert(ExternalPayload):
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime
    endsAt: datetime | None = None
    generatorURL: str | None = None
    fingerprint: str | None = None


class AlertmanagerWebhook(ExternalPayload):
    """Alertmanager webhook payload, version 4."""

    version: str = "4"
    groupKey: str | None = None
    truncatedAlerts: int = 0
    status: Literal["firing", "resolved"]
    receiver: str
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str | None = None
    alerts: list[AlertmanagerAlert]


class Alert(Event):
    """One alert as received by alert-intake. ``event_id`` = fingerprint + startsAt + status."""

    fingerprint: str
    status: Literal["firing", "resolved"]
    alertname: str
    severity: Severity = "warning"
    starts_at: datetime
    ends_at: datetime | None = None
    received_at: datetime
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    summary: str = ""
    generator_url: str | None = None
    receiver: str | None = None
    group_key: str | None = None
    external_url: str | None = None
    truncated_alerts: int = 0
    target: K8sRef = Field(default_factory=K8sRef, description="Routing hints extracted from labels.")
    org: str = "default"


# -------------------------------------------------------------------- incidents

EvidenceKind = Literal["cluster", "logs", "similar-cases"]
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = ("cluster", "logs", "similar-cases")


class AnalysisRequest(Event):
    """Explicit request to analyse a time range (LogAnalysisJob, CLI, REST)."""

    requested_by: str = Field(description="e.g. 'LogAnalysisJob/ns/name', 'cli', 'rest'.")
    requested_at: datetime
    window_start: datetime
    window_end: datetime
    target: K8sRef = Field(default_factory=K8sRef)
    pod_selector: dict[str, str] = Field(default_factory=dict)
    severities: list[str] = Field(default_factory=list)
    analysis_type: Literal["root-cause", "summary", "anomaly", "security"] = "root-cause"
    query: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    org: str = "default"


class Incident(Event):
    """Opened by llm-analysis; doubles as the evidence request for every provider."""

    incident_id: str
    opened_at: datetime
    source: Literal["alert", "log-anomaly", "cluster-event", "request"]
    source_ids: list[str] = Field(default_factory=list, description="event_ids of what opened or joined it.")
    title: str
    severity: Severity
    category_hint: Category = "unknown"
    target: K8sRef = Field(default_factory=K8sRef)
    window_start: datetime
    window_end: datetime
    alertname: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    expected_evidence: list[EvidenceKind] = Field(default_factory=lambda: list(EVIDENCE_KINDS))
    evidence_deadline: datetime
    requested_by: str | None = None
    org: str = "default"


class IncidentResolved(Event):
    incident_id: str
    resolved_at: datetime
    reason: str = ""


class EvidenceItem(Value):
    ref: str = Field(description="Stable reference the analysis can cite, e.g. 'log:ns/pod/c#42' or 'event:uid'.")
    title: str
    body: str = ""
    attributes: dict[str, str] = Field(default_factory=dict)


class EvidencePart(Event):
    """One provider's answer for one incident (key: incident_id)."""

    incident_id: str
    kind: EvidenceKind
    provider: str
    collected_at: datetime
    items: list[EvidenceItem] = Field(default_factory=list)
    truncated: bool = False
    error: str | None = Field(default=None, description="Why the provider could not answer fully.")


class AnalysisProgress(Event):
    """A chunk of streamed analysis text (key: incident_id), in order by ``seq``."""

    incident_id: str
    seq: int = Field(ge=0)
    stage: Literal["started", "evidence", "diagnosis", "llm", "done", "failed"]
    text: str = ""
    at: datetime


class Citation(Value):
    ref: str
    excerpt: str = ""


class AnalysisResult(Event):
    incident_id: str
    completed_at: datetime
    status: Literal["complete", "degraded", "failed"] = "complete"
    title: str
    severity: Severity
    target: K8sRef = Field(default_factory=K8sRef)
    alertname: str | None = None
    category: Category
    root_cause: str
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[Citation] = Field(default_factory=list)
    impact: str = ""
    actions: list[str] = Field(default_factory=list)
    prevention: list[str] = Field(default_factory=list)
    diagnosis: list[str] = Field(default_factory=list, description="Deterministic findings, present without an LLM.")
    missing_evidence: list[EvidenceKind] = Field(default_factory=list)
    similar_case_ids: list[str] = Field(default_factory=list)
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latencies_ms: dict[str, float] = Field(default_factory=dict)
    requested_by: str | None = None
    org: str = "default"


class LlmCall(Event):
    """One call to a language model: what left the mesh, for whom, and how much of it was masked.

    Written (acks=all) before the prompt is sent: a call whose record cannot be written is not made.
    Never the prompt itself: its SHA-256 lets an auditor match a prompt captured elsewhere.
    """

    incident_id: str
    org: str = "default"
    model: str = Field(description="The model asked (the first of the fallback chain).")
    fallbacks: list[str] = Field(default_factory=list, description="Models the call may fall back to.")
    endpoint: str = Field(description="Where the prompt went: the api_base, or the provider for hosted models.")
    local: bool = Field(description="Whether the endpoint is loopback/in-cluster.")
    called_at: datetime
    attempt: int = 1
    redacted: bool = Field(description="Whether the prompt went through the redaction stage.")
    redactions: dict[str, int] = Field(default_factory=dict, description="Masked secrets/PII per kind.")
    prompt_sha256: str
    prompt_chars: int


# -------------------------------------------------------------------- delivery


class NotificationRecord(Event):
    """What a sink sent for an incident (key: incident_id); the thread map after restarts."""

    incident_id: str
    sink: str
    channel: str | None = None
    message_ref: str | None = Field(default=None, description="Sink's id of the message, e.g. Slack ts.")
    thread_ref: str | None = None
    state: Literal["started", "updated", "final", "resolved", "failed"]
    sent_at: datetime
    detail: str = ""


class Feedback(Event):
    """A person's verdict on an analysis. ``event_id`` dedups redelivered verdicts."""

    incident_id: str
    verdict: Literal["correct", "incorrect"]
    given_by: str
    given_at: datetime
    channel: str = Field(description="Where it came from: slack-reaction, slack-button, http, cli.")
    comment: str | None = None
    corrected_root_cause: str | None = None
    corrected_category: Category | None = None


# ------------------------------------------------------------------ dead letter


class DeadLetter(Event):
    """Envelope for a message that could not be processed."""

    source_topic: str
    source_partition: int | None = None
    source_offset: int | None = None
    consumer: str = Field(description="Service (consumer group) that gave up.")
    stage: Literal["decode", "validate", "process"]
    reason: str
    error_type: str
    attempts: int = 1
    failed_at: datetime
    key: str | None = None
    payload: str = Field(description="Original value; base64 when it was not valid UTF-8.")
    payload_encoding: Literal["utf-8", "base64"] = "utf-8"
    headers: dict[str, str] = Field(default_factory=dict)
