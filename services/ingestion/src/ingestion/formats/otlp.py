"""OTLP logs (``ExportLogsServiceRequest``) as protobuf or OTLP/JSON, to record mappings.

Protobuf is decoded with opentelemetry-proto's generated messages; OTLP/JSON (lowerCamelCase keys,
hex trace/span ids, int64 as string or number) is walked as parsed JSON, which is what the spec's
JSON mapping asks for and cheaper than a round trip through protobuf's JSON parser.

The mapping (docs/decisions/ingestion.md has the table): resource ``service.name``,
``k8s.namespace.name``, ``k8s.pod.name``, ``k8s.container.name``, ``k8s.node.name``,
``k8s.cluster.name`` and ``host.name`` become the record's fields (a record attribute of the same
name wins); severity number (1-24) or else severity text gives the level; ``trace_id``/``span_id``
(hex), the scope name and every other resource or record attribute go to metadata; a body of any
AnyValue type becomes the message (non-strings as compact JSON).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from google.protobuf.message import DecodeError
from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)

from ingestion.domain import Rejected

# OTel attribute -> the native record field it fills
FIELDS: dict[str, str] = {
    "service.name": "service",
    "k8s.namespace.name": "namespace",
    "k8s.pod.name": "pod",
    "k8s.container.name": "container",
    "k8s.node.name": "node",
    "k8s.cluster.name": "cluster",
    "host.name": "host",
}

# SeverityNumber ranges (OTel logs data model): 1-4 TRACE ... 21-24 FATAL
_SEVERITY = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")


def severity_level(number: int, text: str) -> str | None:
    if 1 <= number <= 24:
        return _SEVERITY[(number - 1) // 4]
    return text or None


def _message(body: object) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    try:
        return orjson.dumps(body).decode()
    except TypeError as exc:  # orjson's depth limit (254) or an unencodable value
        raise Rejected(f"body: cannot be represented as text ({exc})") from None


# ------------------------------------------------------------------- protobuf


def _any_pb(value: Any) -> Any:
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind is None:
        return None
    if kind == "kvlist_value":
        return {kv.key: _any_pb(kv.value) for kv in value.kvlist_value.values}
    if kind == "array_value":
        return [_any_pb(item) for item in value.array_value.values]
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, kind)


def _base(attributes: Iterable[Any], into: dict[str, Any], metadata: dict[str, Any]) -> None:
    fields = FIELDS
    for kv in attributes:
        any_value = kv.value
        if any_value.WhichOneof("value") == "string_value":  # the common case, inline
            key = kv.key
            target = fields.get(key)
            if target is not None:
                into[target] = any_value.string_value
            else:
                metadata[key] = any_value.string_value
            continue
        value = _any_pb(any_value)
        if value is not None:
            metadata[kv.key] = value


def decode_proto(body: bytes, max_records: int) -> list[dict[str, Any] | Rejected]:
    try:
        request = ExportLogsServiceRequest.FromString(body)
    except DecodeError as exc:
        raise Rejected(f"body: not an OTLP ExportLogsServiceRequest ({exc})") from None
    items: list[dict[str, Any] | Rejected] = []
    for resource_logs in request.resource_logs:
        resource_fields: dict[str, Any] = {}
        resource_meta: dict[str, Any] = {}
        _base(resource_logs.resource.attributes, resource_fields, resource_meta)
        for scope_logs in resource_logs.scope_logs:
            scope_meta = dict(resource_meta)
            if scope_logs.scope.name:
                scope_meta["otel.scope.name"] = scope_logs.scope.name
            if len(items) + len(scope_logs.log_records) > max_records:
                raise Rejected(f"batch: more than {max_records} log records; the limit is {max_records}",
                               "oversized")
            for log_record in scope_logs.log_records:
                body = log_record.body
                if body.WhichOneof("value") == "string_value":
                    message = body.string_value
                else:
                    try:
                        message = _message(_any_pb(body))
                    except Rejected as exc:
                        items.append(exc)
                        continue
                number = log_record.severity_number
                item = {
                    **resource_fields,
                    "message": message,
                    "timestamp": log_record.time_unix_nano or log_record.observed_time_unix_nano or None,
                    "level": _SEVERITY[(number - 1) // 4] if 1 <= number <= 24 else (log_record.severity_text or None),
                }
                # the common record carries none of these: no per-record metadata dict then
                if log_record.attributes or log_record.trace_id or log_record.span_id or log_record.event_name:
                    metadata = dict(scope_meta)
                    _base(log_record.attributes, item, metadata)
                    if log_record.trace_id:
                        metadata["trace_id"] = log_record.trace_id.hex()
                    if log_record.span_id:
                        metadata["span_id"] = log_record.span_id.hex()
                    if log_record.event_name:
                        metadata["event.name"] = log_record.event_name
                    if metadata:
                        item["metadata"] = metadata
                elif scope_meta:
                    item["metadata"] = scope_meta  # shared between the scope's records; read, never written
                items.append(item)
    return items


# ----------------------------------------------------------------------- JSON


def _get(obj: Mapping[str, Any], camel: str, snake: str) -> Any:
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def _list(obj: Mapping[str, Any], camel: str, snake: str) -> list[Any]:
    value = _get(obj, camel, snake)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Rejected(f"{camel}: expected an array")
    return value


def _any_json(value: Any) -> Any:
    if not isinstance(value, dict) or not value:
        return None
    kind, inner = next(iter(value.items()))
    if kind == "stringValue":
        return inner
    if kind in ("intValue", "int_value"):
        try:
            return int(inner)
        except (TypeError, ValueError):
            raise Rejected(f"intValue: {str(inner)[:32]!r} is not an integer") from None
    if kind in ("kvlistValue", "kvlist_value", "arrayValue", "array_value"):
        values = inner.get("values") if isinstance(inner, dict) else None
        if not isinstance(values, list):
            return None if values is None else _bad(kind)
        if kind.startswith("array"):
            return [_any_json(item) for item in values]
        if not all(isinstance(kv, dict) and isinstance(kv.get("key"), str) for kv in values):
            _bad(kind)
        return {kv["key"]: _any_json(kv.get("value")) for kv in values}
    if kind in ("string_value", "boolValue", "bool_value", "doubleValue", "double_value", "bytesValue",
                "bytes_value"):
        return inner
    return None


def _bad(kind: str) -> Any:
    raise Rejected(f"{kind}: expected {{\"values\": [...]}}")


def _base_json(attributes: list[Any], into: dict[str, Any], metadata: dict[str, Any]) -> None:
    for kv in attributes:
        if not isinstance(kv, dict) or not isinstance(kv.get("key"), str):
            raise Rejected("attributes: expected objects with a string key")
        key = kv["key"]
        target = FIELDS.get(key)
        value = _any_json(kv.get("value"))
        if target is not None and isinstance(value, str):
            into[target] = value
        elif value is not None:
            metadata[key] = value


def _nanos(value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Rejected(f"timeUnixNano: {str(value)[:32]!r} is not an integer") from None


def decode_json(body: bytes, max_records: int) -> list[dict[str, Any] | Rejected]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Rejected(f"body: invalid JSON: {str(exc).splitlines()[0][:200]}") from None
    if not isinstance(document, dict):
        raise Rejected("body: expected an OTLP ExportLogsServiceRequest object with resourceLogs")
    items: list[dict[str, Any] | Rejected] = []
    for resource_logs in _list(document, "resourceLogs", "resource_logs"):
        if not isinstance(resource_logs, dict):
            raise Rejected("resourceLogs: expected objects")
        resource_fields: dict[str, Any] = {}
        resource_meta: dict[str, Any] = {}
        _base_json(_list(resource_logs.get("resource") or {}, "attributes", "attributes"), resource_fields,
                   resource_meta)
        for scope_logs in _list(resource_logs, "scopeLogs", "scope_logs"):
            if not isinstance(scope_logs, dict):
                raise Rejected("scopeLogs: expected objects")
            scope_meta = dict(resource_meta)
            scope_name = (scope_logs.get("scope") or {}).get("name")
            if scope_name:
                scope_meta["otel.scope.name"] = scope_name
            for log_record in _list(scope_logs, "logRecords", "log_records"):
                if len(items) >= max_records:
                    raise Rejected(f"batch: more than {max_records} log records; the limit is {max_records}",
                                   "oversized")
                try:
                    items.append(_record_json(log_record, resource_fields, scope_meta))
                except Rejected as exc:
                    items.append(exc)
    return items


def _record_json(log_record: Any, resource_fields: dict[str, Any], scope_meta: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(log_record, dict):
        raise Rejected("logRecord: expected an object")
    item = dict(resource_fields)
    metadata = dict(scope_meta)
    _base_json(_list(log_record, "attributes", "attributes"), item, metadata)
    for camel, snake, name in (("traceId", "trace_id", "trace_id"), ("spanId", "span_id", "span_id")):
        given = _get(log_record, camel, snake)
        if given:
            metadata[name] = str(given).lower()
    event_name = _get(log_record, "eventName", "event_name")
    if event_name:
        metadata["event.name"] = event_name
    item["message"] = _message(_any_json(log_record.get("body")))
    item["timestamp"] = _nanos(_get(log_record, "timeUnixNano", "time_unix_nano")) or _nanos(
        _get(log_record, "observedTimeUnixNano", "observed_time_unix_nano")
    )
    number = _get(log_record, "severityNumber", "severity_number")
    if isinstance(number, str):  # proto3 JSON allows the enum's name
        number = int(number) if number.isdigit() else _SEVERITY_NAMES.get(number, 0)
    text = _get(log_record, "severityText", "severity_text") or ""
    item["level"] = severity_level(number if isinstance(number, int) else 0, text if isinstance(text, str) else "")
    item["metadata"] = metadata
    return item


_SEVERITY_NAMES = {
    f"SEVERITY_NUMBER_{name}{suffix}": (index * 4) + offset + 1
    for index, name in enumerate(_SEVERITY)
    for offset, suffix in enumerate(("", "2", "3", "4"))
}


# ------------------------------------------------------------------ responses


def success(rejected: int, message: str, as_proto: bool) -> bytes:
    """``ExportLogsServiceResponse``, with ``partial_success`` when records were rejected."""
    if as_proto:
        response = ExportLogsServiceResponse()
        if rejected:
            response.partial_success.rejected_log_records = rejected
            response.partial_success.error_message = message
        return response.SerializeToString()
    if not rejected:
        return b"{}"
    return orjson.dumps({"partialSuccess": {"rejectedLogRecords": rejected, "errorMessage": message}})


def failure(code: int, message: str, as_proto: bool) -> bytes:
    """A ``google.rpc.Status`` body, as OTLP/HTTP answers errors."""
    if as_proto:
        return status_pb2.Status(code=code, message=message).SerializeToString()
    return orjson.dumps({"code": code, "message": message})
