"""One tolerant mapping from log shippers' field names to the native record (not a parser per shipper).

Vector's ``kubernetes_logs`` source, Fluent Bit's ``kubernetes`` filter, Promtail/Alloy labels and
plain ``key=value`` producers all name the same facts differently. ``ALIASES`` lists, for each native
field, the names it may arrive under, first match wins; nested ``kubernetes`` objects are flattened to
``kubernetes.<key>`` (their ``labels``/``pod_labels`` to ``kubernetes.labels.<label>``) before lookup.
Whatever no alias claims is kept in metadata, so nothing a shipper sent is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ingestion.domain import Rejected, parse_timestamp

# native field -> the names it arrives under, in order of preference (the table in docs/decisions/ingestion.md)
ALIASES: dict[str, tuple[str, ...]] = {
    "message": ("message", "log", "msg", "MESSAGE", "line"),
    "timestamp": ("timestamp", "time", "@timestamp", "date", "ts"),
    "level": ("level", "severity", "lvl", "loglevel", "log.level", "detected_level", "severity_text"),
    "namespace": ("namespace", "kubernetes.namespace_name", "kubernetes.pod_namespace", "k8s_namespace_name",
                  "namespace_name", "k8s.namespace.name"),
    "pod": ("pod", "kubernetes.pod_name", "pod_name", "k8s_pod_name", "k8s.pod.name"),
    "container": ("container", "kubernetes.container_name", "container_name", "k8s_container_name",
                  "k8s.container.name"),
    "node": ("node", "kubernetes.host", "kubernetes.pod_node_name", "node_name", "k8s_node_name", "k8s.node.name"),
    "cluster": ("cluster", "k8s_cluster_name", "k8s.cluster.name"),
    "service": ("service", "service_name", "service.name", "app", "kubernetes.labels.app.kubernetes.io/name",
                "kubernetes.labels.app", "kubernetes.labels.k8s-app", "app_kubernetes_io_name", "k8s-app"),
    "host": ("host", "hostname", "host.name"),
    "org": ("org",),
    "dashboard": ("dashboard",),
}
_TRIGGERS = frozenset({"kubernetes", "log", "msg", "MESSAGE", "time", "@timestamp", "date"})


def needs_mapping(record: Mapping[str, Any]) -> bool:
    """Cheap test for the hot path: native records (``message`` and no shipper keys) skip ``map_record``."""
    return "message" not in record or not _TRIGGERS.isdisjoint(record.keys())


def _flatten(record: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "kubernetes" and isinstance(value, dict):
            for k8s_key, k8s_value in value.items():
                if k8s_key in ("labels", "pod_labels") and isinstance(k8s_value, dict):
                    for label, label_value in k8s_value.items():
                        flat[f"kubernetes.labels.{label}"] = label_value
                else:
                    flat[f"kubernetes.{k8s_key}"] = k8s_value
        else:
            flat[key] = value
    return flat


def map_fields(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Native fields from a flat mapping by ``ALIASES``; everything unclaimed in ``metadata``."""
    out: dict[str, Any] = {}
    used: set[str] = set()
    for field, names in ALIASES.items():
        for name in names:
            value = flat.get(name)
            if value is not None and value != "":
                if field == "message":
                    if not isinstance(value, str):
                        continue  # a structured ``log`` object is metadata, not the message
                    value = value.rstrip("\r\n")  # container runtimes keep the line's newline
                elif field == "timestamp" and name != "timestamp" and not _is_time(value):
                    continue  # a field merely named "time" ("12ms") stays metadata instead of failing the record
                out[field] = value
                used.add(name)
                break
    metadata: dict[str, Any] = {}
    for key, value in flat.items():
        if key == "metadata" or value is None:
            continue
        if key not in used:
            metadata[key] = value
    given = flat.get("metadata")
    if isinstance(given, dict):
        metadata.update(given)  # explicit metadata wins
    elif given is not None:
        out["metadata"] = given  # let the normaliser reject it with its reason
        return out
    if metadata:
        out["metadata"] = metadata
    return out


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _is_time(value: Any) -> bool:
    try:
        parse_timestamp(value, _EPOCH)
    except Rejected:
        return False
    return True


def map_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A Vector / Fluent Bit / generic JSON event as a native record mapping."""
    return map_fields(_flatten(record))


def text_lines(body: bytes) -> list[dict[str, Any]]:
    """A ``text/plain`` body: one record per non-empty line."""
    text = body.decode("utf-8", "replace")
    return [{"message": line} for line in text.splitlines() if line.strip()]
