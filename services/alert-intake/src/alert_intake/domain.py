"""Pure alert-intake logic: payload -> validated ``Alert`` events, fingerprints, severity, routing hints.

No I/O and no asyncio here; everything is testable with plain function calls.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, ValidationError

from logmesh_contracts import Alert, AlertmanagerWebhook, K8sRef, stable_id
from logmesh_contracts.base import ExternalPayload
from logmesh_contracts.models import Severity
from logmesh_runtime.redaction import Redactor

# Alertmanager writes Go's zero time ("0001-01-01T00:00:00Z") for "no end yet".
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_FINGERPRINT_LENGTH = 128


class PayloadError(ValueError):
    """A request Alertmanager should not retry: answered 4xx with a JSON reason."""

    def __init__(self, status: int, reason: str, details: list[str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.details = details or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.reason}
        if self.details:
            body["details"] = self.details
        return body


class GenericAlert(ExternalPayload):
    """One alert as posted to Alertmanager's ``/api/v2/alerts`` (postableAlert), unknown fields kept."""

    labels: dict[str, str] = Field(min_length=1)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime
    endsAt: datetime | None = None
    generatorURL: str | None = None
    status: Literal["firing", "resolved"] | None = None
    fingerprint: str | None = None


@dataclass(frozen=True)
class Intake:
    """What one request carried, ready to publish."""

    kind: Literal["webhook", "generic"]
    alerts: list[Alert]
    truncated_alerts: int = 0
    receiver: str | None = None
    group_key: str | None = None
    in_request_duplicates: int = 0
    unknown_fields: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ fingerprints and ids


_FNV64_OFFSET = 14695981039346656037
_FNV64_PRIME = 1099511628211
_SEPARATOR = 0xFF  # never valid inside UTF-8 text, so name/value boundaries cannot collide


def fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's own label-set fingerprint: FNV-1a 64 over sorted name, 0xff, value, 0xff.

    Matching it means an alert posted here directly and the same alert routed through
    Alertmanager get the same fingerprint, hence the same incident downstream.
    """
    value = _FNV64_OFFSET
    for name in sorted(labels):
        for chunk in (name.encode(), bytes([_SEPARATOR]), labels[name].encode(), bytes([_SEPARATOR])):
            for byte in chunk:
                value ^= byte
                value = (value * _FNV64_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def alert_event_id(fingerprint_: str, starts_at: datetime, status: str) -> str:
    """One id per alert state: Alertmanager's retries and repeat notifications map to the same id."""
    return stable_id(fingerprint_, _utc(starts_at).isoformat(), status)


# ------------------------------------------------------------------ severity and routing hints

_SEVERITY_LABELS = ("severity", "priority", "level")
_CRITICAL = frozenset({"critical", "crit", "fatal", "emergency", "emerg", "alert", "page", "disaster",
                       "high", "major", "p0", "p1", "sev0", "sev1", "s1"})
_WARNING = frozenset({"warning", "warn", "error", "err", "medium", "minor", "moderate", "average",
                      "p2", "p3", "sev2", "sev3", "s2", "s3"})
_INFO = frozenset({"info", "informational", "information", "notice", "low", "none", "debug", "ok",
                   "p4", "p5", "sev4", "sev5", "s4", "s5"})


def normalise_severity(labels: Mapping[str, str]) -> Severity:
    """critical / warning / info from the usual severity labels; unknown or missing means warning."""
    for name in _SEVERITY_LABELS:
        raw = labels.get(name, "").strip().lower()
        if raw in _CRITICAL:
            return "critical"
        if raw in _WARNING:
            return "warning"
        if raw in _INFO:
            return "info"
    return "warning"


# Prometheus renames a scraped metric's own label to exported_<name> when the target carries the
# same label (honor_labels: false), so exported_* names the object the alert is about: prefer it.
_TARGET_LABELS: dict[str, tuple[str, ...]] = {
    "cluster": ("cluster", "cluster_name", "k8s_cluster", "kubernetes_cluster"),
    "namespace": ("exported_namespace", "namespace", "kubernetes_namespace", "k8s_namespace_name"),
    "pod": ("exported_pod", "pod", "pod_name", "kubernetes_pod_name", "k8s_pod_name"),
    "container": ("exported_container", "container", "container_name", "k8s_container_name"),
    "node": ("node", "kubernetes_node", "nodename", "node_name", "k8s_node_name"),
    "service": ("exported_service", "service", "service_name", "kubernetes_service_name", "k8s_service_name"),
}
# Workload labels (kube-state-metrics names) -> involved object kind. ``job`` is Prometheus'
# scrape job, not a Kubernetes Job, so only ``job_name`` means Job.
_WORKLOAD_LABELS: tuple[tuple[str, str], ...] = (
    ("deployment", "Deployment"),
    ("statefulset", "StatefulSet"),
    ("daemonset", "DaemonSet"),
    ("replicaset", "ReplicaSet"),
    ("job_name", "Job"),
    ("cronjob", "CronJob"),
    ("horizontalpodautoscaler", "HorizontalPodAutoscaler"),
    ("persistentvolumeclaim", "PersistentVolumeClaim"),
)


def target_from_labels(labels: Mapping[str, str]) -> K8sRef:
    """Routing hints for evidence collection, extracted from well-known label names."""
    found: dict[str, str] = {}
    for attr, names in _TARGET_LABELS.items():
        for name in names:
            value = labels.get(name, "").strip()
            if value:
                found[attr] = value
                break
    for name, kind in _WORKLOAD_LABELS:
        value = labels.get(name, "").strip()
        if value:
            found["kind"], found["name"] = kind, value
            break
    return K8sRef(**found)


def summary_of(labels: Mapping[str, str], annotations: Mapping[str, str]) -> str:
    for name in ("summary", "description", "message"):
        if annotations.get(name, "").strip():
            return annotations[name].strip()[:2000]
    return labels.get("alertname", "")


# ------------------------------------------------------------------ payloads


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise PayloadError(400, "empty body: expected an Alertmanager webhook (JSON object) or a JSON list of alerts")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        # The position helps a sender find the fault; the body itself is never echoed.
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise PayloadError(400, f"body is not valid JSON{where}") from None


def _reasons(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[str]:
    """Validation errors as 'path: message' lines, without the offending values."""
    lines = []
    for err in exc.errors(include_input=False, include_url=False)[:20]:
        path = ".".join(str(p) for p in (*prefix, *err["loc"])) or "<root>"
        lines.append(f"{path}: {err['msg']}")
    return lines


def _ends_at(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    value = _utc(value)
    return None if value < _EPOCH else value


def _check_starts_at(value: datetime, where: str) -> datetime:
    value = _utc(value)
    if value < _EPOCH:
        raise PayloadError(422, "invalid alert", [f"{where}.startsAt: must be a real time, not the zero time"])
    return value


REDACTOR = Redactor()


def _masked(url: str | None) -> str | None:
    return REDACTOR.scan(url).text if url else url


def _build(
    *,
    labels: dict[str, str],
    annotations: dict[str, str],
    status: Literal["firing", "resolved"],
    starts_at: datetime,
    ends_at: datetime | None,
    generator_url: str | None,
    given_fingerprint: str | None,
    received_at: datetime,
    org: str,
    where: str,
    receiver: str | None = None,
    group_key: str | None = None,
    external_url: str | None = None,
    truncated_alerts: int = 0,
) -> Alert:
    fp = (given_fingerprint or "").strip() or fingerprint(labels)  # from the labels as sent: stable identity
    if len(fp) > MAX_FINGERPRINT_LENGTH:
        raise PayloadError(422, "invalid alert", [f"{where}.fingerprint: longer than {MAX_FINGERPRINT_LENGTH}"])
    # alert text is free text someone typed or templated: secrets in it are masked before it goes anywhere
    labels, annotations = REDACTOR.mapping(labels), REDACTOR.mapping(annotations)
    generator_url, external_url = _masked(generator_url), _masked(external_url)
    return Alert(
        event_id=alert_event_id(fp, starts_at, status),
        fingerprint=fp,
        status=status,
        alertname=labels.get("alertname") or "unnamed",
        severity=normalise_severity(labels),
        starts_at=starts_at,
        ends_at=ends_at,
        received_at=received_at,
        labels=labels,
        annotations=annotations,
        summary=summary_of(labels, annotations),
        generator_url=generator_url or None,
        receiver=receiver,
        group_key=group_key,
        external_url=external_url or None,
        truncated_alerts=truncated_alerts,
        target=target_from_labels(labels),
        org=org,
    )


def webhook_alerts(document: Any, *, received_at: datetime, org: str) -> Intake:
    """An Alertmanager webhook (version 4) -> one ``Alert`` per alert in it."""
    if not isinstance(document, dict):
        raise PayloadError(422, f"expected a JSON object (Alertmanager webhook), got {_json_type(document)}")
    if "alerts" not in document:
        raise PayloadError(422, "missing 'alerts': not an Alertmanager webhook payload")
    try:
        payload = AlertmanagerWebhook.model_validate(document)
    except ValidationError as exc:
        raise PayloadError(422, "invalid Alertmanager webhook", _reasons(exc)) from None
    truncated = max(0, payload.truncatedAlerts)
    alerts = [
        _build(
            labels=item.labels,
            annotations=item.annotations,
            status=item.status,
            starts_at=_check_starts_at(item.startsAt, f"alerts.{index}"),
            ends_at=_ends_at(item.endsAt),
            generator_url=item.generatorURL,
            given_fingerprint=item.fingerprint,
            received_at=received_at,
            org=org,
            where=f"alerts.{index}",
            receiver=payload.receiver,
            group_key=payload.groupKey,
            external_url=payload.externalURL,
            truncated_alerts=truncated,
        )
        for index, item in enumerate(payload.alerts)
    ]
    unknown = sorted((payload.model_extra or {}).keys())
    return _dedup(Intake("webhook", alerts, truncated, payload.receiver, payload.groupKey, unknown_fields=unknown))


def generic_alerts(document: Any, *, received_at: datetime, org: str) -> Intake:
    """A JSON list of postable alerts (Alertmanager's ``/api/v2/alerts`` body) -> ``Alert`` events.

    Without an explicit status an alert is resolved when its ``endsAt`` has passed, as Alertmanager decides.
    """
    if not isinstance(document, list):
        raise PayloadError(422, f"expected a JSON list of alerts, got {_json_type(document)}")
    alerts = []
    for index, raw in enumerate(document):
        if not isinstance(raw, dict):
            raise PayloadError(422, "invalid alert", [f"{index}: expected an object, got {_json_type(raw)}"])
        try:
            item = GenericAlert.model_validate(raw)
        except ValidationError as exc:
            raise PayloadError(422, "invalid alert", _reasons(exc, (index,))) from None
        ends_at = _ends_at(item.endsAt)
        status = item.status or ("resolved" if ends_at is not None and ends_at <= received_at else "firing")
        alerts.append(
            _build(
                labels=item.labels,
                annotations=item.annotations,
                status=status,
                starts_at=_check_starts_at(item.startsAt, str(index)),
                ends_at=ends_at,
                generator_url=item.generatorURL,
                given_fingerprint=item.fingerprint,
                received_at=received_at,
                org=org,
                where=str(index),
            )
        )
    return _dedup(Intake("generic", alerts))


def any_alerts(document: Any, *, received_at: datetime, org: str) -> Intake:
    """``POST /webhook`` takes both shapes: an object is a webhook, a list is generic alerts."""
    if isinstance(document, list):
        return generic_alerts(document, received_at=received_at, org=org)
    return webhook_alerts(document, received_at=received_at, org=org)


def check_limits(intake: Intake, *, max_alerts: int, max_alert_bytes: int) -> None:
    if len(intake.alerts) > max_alerts:
        raise PayloadError(413, f"{len(intake.alerts)} alerts in one request; at most {max_alerts}")
    for index, alert in enumerate(intake.alerts):
        size = len(alert.model_dump_json())
        if size > max_alert_bytes:
            raise PayloadError(413, f"alert {index} is {size} bytes encoded; at most {max_alert_bytes}")


def _dedup(intake: Intake) -> Intake:
    seen: dict[str, Alert] = {}
    for alert in intake.alerts:
        seen.setdefault(alert.event_id, alert)
    if len(seen) == len(intake.alerts):
        return intake
    return Intake(
        intake.kind, list(seen.values()), intake.truncated_alerts, intake.receiver, intake.group_key,
        in_request_duplicates=len(intake.alerts) - len(seen), unknown_fields=intake.unknown_fields,
    )


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


# ------------------------------------------------------------------ dedup window


class DedupWindow:
    """Alert states (event ids) seen within ``window_s``, bounded to ``max_entries`` (oldest evicted)."""

    def __init__(self, window_s: float, max_entries: int) -> None:
        self.window_s = window_s
        self.max_entries = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def contains(self, event_id: str, now: float) -> bool:
        at = self._seen.get(event_id)
        return at is not None and now - at <= self.window_s

    def add(self, event_id: str, at: float) -> None:
        previous = self._seen.get(event_id)
        if previous is not None and previous >= at:
            return
        self._seen[event_id] = at
        self._seen.move_to_end(event_id)
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)

    def expire(self, now: float) -> int:
        """Drop entries older than the window from the front; returns how many went."""
        dropped = 0
        while self._seen:
            event_id, at = next(iter(self._seen.items()))
            if now - at <= self.window_s:
                break
            del self._seen[event_id]
            dropped += 1
        return dropped
