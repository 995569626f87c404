"""The topic registry: the single source of truth for who talks to whom.

Every topic names its message model, how messages are keyed, who produces and who
consumes it, and where messages go that its consumers cannot process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from logmesh_contracts import models as m

SERVICES: tuple[str, ...] = (
    "ingestion",
    "template-matching",
    "cluster-watching",
    "alert-intake",
    "llm-analysis",
    "knowledge-storage",
    "notification",
)

# Started with the mesh but no event processing: they read the services' APIs and topics and publish
# people's verdicts (services/console).
OPERATOR_SURFACES: tuple[str, ...] = ("console",)

EXTERNAL = "external"  # producers or consumers outside the mesh (log shippers, users' consumers)


@dataclass(frozen=True)
class Topic:
    name: str
    model: type[BaseModel]
    key: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    description: str
    compacted: bool = False
    partitions: int = 3
    config: dict[str, str] = field(default_factory=dict)
    retention_hours: int = 168  # streams only; a compacted registry keeps the latest value per key forever

    @property
    def dead_letter(self) -> str:
        return f"{self.name}.dlq"

    def kafka_config(self) -> dict[str, str]:
        """The topic's broker-side configuration: compaction for registries, time retention for streams,
        then anything in ``config``."""
        base = {"cleanup.policy": "compact"} if self.compacted else {"retention.ms": str(self.retention_hours * 3_600_000)}
        return base | self.config


LOGS_RAW = Topic(
    "logs.raw", m.RawLogInput, "any (service recommended)", (EXTERNAL,), ("ingestion",),
    "Log records as producers publish them: JSON objects, or plain text with metadata in headers.",
    retention_hours=72,
)
LOGS_OTLP = Topic(
    "logs.otlp", m.OtlpLogsExport, "any", (EXTERNAL,), ("ingestion",),
    "OTLP logs from the OpenTelemetry Collector's Kafka exporter (otlp_proto or otlp_json encoding).",
)
LOGS_RECORDS = Topic(
    "logs.records", m.LogRecord, "org/service", ("ingestion",), ("template-matching",),
    "Validated, normalised log records, ordered per org/service.",
    retention_hours=72,
)
TEMPLATES_EVENTS = Topic(
    "templates.events", m.TemplateEvent, "template_id", ("template-matching",), ("template-matching",),
    "The shared template registry; compacted so it can be replayed from the start.",
    compacted=True, partitions=1,
)
LOGS_ANOMALIES = Topic(
    "logs.anomalies", m.LogAnomaly, "org/service", ("template-matching",), ("llm-analysis",),
    "New templates, frequency spikes and error-rate jumps, with their evidence.",
)
CLUSTER_EVENTS = Topic(
    "cluster.events", m.ClusterEvent, "namespace/pod or node", ("cluster-watching",), ("llm-analysis",),
    "Normalised Kubernetes state transitions, deduplicated.",
)
ALERTS_RECEIVED = Topic(
    "alerts.received", m.Alert, "fingerprint", ("alert-intake",), ("llm-analysis",),
    "One message per distinct alert state (fingerprint + startsAt + status).",
)
ANALYSIS_REQUESTS = Topic(
    "analysis.requests", m.AnalysisRequest, "event_id", ("cluster-watching", "llm-analysis", EXTERNAL),
    ("llm-analysis",),
    "Explicit analysis requests from LogAnalysisJobs, the CLI and the REST API.",
)
INCIDENTS_OPENED = Topic(
    "incidents.opened", m.Incident, "incident_id", ("llm-analysis",),
    ("cluster-watching", "template-matching", "knowledge-storage", "llm-analysis"),
    "Opened incidents; also the evidence request every context provider answers.",
)
INCIDENTS_RESOLVED = Topic(
    "incidents.resolved", m.IncidentResolved, "incident_id", ("llm-analysis",), ("notification",),
    "An incident's alert resolved.",
)
EVIDENCE_PARTS = Topic(
    "evidence.parts", m.EvidencePart, "incident_id", ("cluster-watching", "template-matching", "knowledge-storage"),
    ("llm-analysis",),
    "Context providers' answers, on the incident's key.",
)
ANALYSIS_PROGRESS = Topic(
    "analysis.progress", m.AnalysisProgress, "incident_id", ("llm-analysis",), ("notification", EXTERNAL),
    "Streamed analysis text while it is generated.",
)
ANALYSIS_RESULTS = Topic(
    "analysis.results", m.AnalysisResult, "incident_id", ("llm-analysis",),
    ("notification", "knowledge-storage", "cluster-watching", EXTERNAL),
    "Final analyses.",
)
FEEDBACK = Topic(
    "feedback", m.Feedback, "incident_id", ("notification", "console", EXTERNAL), ("knowledge-storage",),
    "People's verdicts on analyses.",
)
NOTIFICATIONS_SENT = Topic(
    "notifications.sent", m.NotificationRecord, "incident_id/sink", ("notification",),
    ("notification", "console", EXTERNAL),
    "What each sink sent; compacted so notification rebuilds its thread map after a restart.",
    compacted=True,
)

LLM_AUDIT = Topic(
    "llm.audit", m.LlmCall, "incident_id", ("llm-analysis", "template-matching"), (EXTERNAL,),
    "Every LLM call: model, endpoint, org, incident, redaction counts per kind, prompt hash (`logmesh audit`).",
)

TOPICS: tuple[Topic, ...] = (
    LOGS_RAW,
    LOGS_OTLP,
    LOGS_RECORDS,
    TEMPLATES_EVENTS,
    LOGS_ANOMALIES,
    CLUSTER_EVENTS,
    ALERTS_RECEIVED,
    ANALYSIS_REQUESTS,
    INCIDENTS_OPENED,
    INCIDENTS_RESOLVED,
    EVIDENCE_PARTS,
    ANALYSIS_PROGRESS,
    ANALYSIS_RESULTS,
    FEEDBACK,
    NOTIFICATIONS_SENT,
    LLM_AUDIT,
)

DEAD_LETTER_MODEL = m.DeadLetter


def by_name(name: str) -> Topic:
    for topic in TOPICS:
        if topic.name == name:
            return topic
    raise KeyError(f"unknown topic {name!r}; known: {', '.join(t.name for t in TOPICS)}")


def consumed_by(service: str) -> tuple[Topic, ...]:
    return tuple(t for t in TOPICS if service in t.consumers)


def produced_by(service: str) -> tuple[Topic, ...]:
    return tuple(t for t in TOPICS if service in t.producers)


DEAD_LETTER_RETENTION_HOURS = 336  # two weeks for someone to look at what failed


def kafka_config_of(name: str) -> dict[str, str]:
    """Broker-side configuration for any mesh topic name, dead-letter topics included."""
    if name.endswith(".dlq"):
        return {"retention.ms": str(DEAD_LETTER_RETENTION_HOURS * 3_600_000)}
    return by_name(name).kafka_config()


def all_topic_names() -> list[str]:
    """Every topic the mesh needs, dead-letter topics included."""
    names = [t.name for t in TOPICS]
    names += [t.dead_letter for t in TOPICS if any(c != EXTERNAL for c in t.consumers)]
    return names
