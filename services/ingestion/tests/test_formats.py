"""The wire formats' mappings, without I/O: OTLP (protobuf and JSON), Loki push, shippers' JSON."""

from __future__ import annotations

from datetime import UTC, datetime

import cramjam
import orjson
import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from ingestion.domain import Normaliser, Rejected
from ingestion.formats import loki, otlp, shippers

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NANOS = int(datetime(2026, 11, 23, 11, 59, tzinfo=UTC).timestamp()) * 1_000_000_000


def _kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _otlp_request() -> ExportLogsServiceRequest:
    request = ExportLogsServiceRequest()
    resource_logs = request.resource_logs.add()
    resource_logs.resource.attributes.extend([
        _kv("service.name", "checkout"), _kv("k8s.namespace.name", "shop"), _kv("k8s.pod.name", "checkout-7d9f"),
        _kv("k8s.container.name", "app"), _kv("k8s.node.name", "node-1"), _kv("deployment.environment", "prod"),
    ])
    scope_logs = resource_logs.scope_logs.add()
    scope_logs.scope.name = "checkout.payments"
    first = scope_logs.log_records.add(time_unix_nano=NANOS, severity_number=17, severity_text="Error")
    first.body.string_value = "payment declined"
    first.trace_id = bytes.fromhex("5b8efff798038103d269b633813fc60c")
    first.span_id = bytes.fromhex("eee19b7ec3c1b174")
    first.attributes.append(KeyValue(key="order_id", value=AnyValue(int_value=42)))
    structured = scope_logs.log_records.add(observed_time_unix_nano=NANOS, severity_text="warning")
    kv = structured.body.kvlist_value.values.add(key="event")
    kv.value.string_value = "retry"
    structured.body.kvlist_value.values.add(key="attempt").value.int_value = 3
    scope_logs.log_records.add(time_unix_nano=NANOS)  # empty body: rejected alone
    return request


def test_otlp_protobuf_maps_resource_severity_ids_and_any_body() -> None:
    items = otlp.decode_proto(_otlp_request().SerializeToString(), 100)
    normaliser = Normaliser()
    first = normaliser.normalise({**items[0], "org": "acme"}, event_id="e0", received_at=NOW)
    assert (first.service, first.level, first.message) == ("checkout", "ERROR", "payment declined")
    assert (first.k8s.namespace, first.k8s.pod, first.k8s.container, first.k8s.node) == (
        "shop", "checkout-7d9f", "app", "node-1")
    assert first.timestamp == datetime(2026, 11, 23, 11, 59, tzinfo=UTC)
    assert first.metadata == {
        "deployment.environment": "prod", "otel.scope.name": "checkout.payments", "order_id": "42",
        "trace_id": "5b8efff798038103d269b633813fc60c", "span_id": "eee19b7ec3c1b174",
    }
    second = normaliser.normalise({**items[1], "org": "acme"}, event_id="e1", received_at=NOW)
    assert second.level == "WARN" and orjson.loads(second.message) == {"event": "retry", "attempt": 3}
    with pytest.raises(Rejected, match="message: must not be empty"):
        normaliser.encode({**items[2], "org": "acme"}, event_id="e2", received_at=NOW)


def test_otlp_json_maps_like_protobuf() -> None:
    body = orjson.dumps({"resourceLogs": [{
        "resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "checkout"}},
            {"key": "k8s.namespace.name", "value": {"stringValue": "shop"}},
            {"key": "k8s.pod.name", "value": {"stringValue": "checkout-7d9f"}},
        ]},
        "scopeLogs": [{"scope": {"name": "checkout.payments"}, "logRecords": [
            {"timeUnixNano": str(NANOS), "severityNumber": 17, "body": {"stringValue": "payment declined"},
             "traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "eee19b7ec3c1b174",
             "attributes": [{"key": "order_id", "value": {"intValue": "42"}},
                            {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "a"},
                                                                                 {"boolValue": True}]}}}]},
            {"timeUnixNano": "soon", "body": {"stringValue": "bad time"}},
        ]}],
    }]})
    items = otlp.decode_json(body, 100)
    record = Normaliser().normalise({**items[0], "org": "acme"}, event_id="e0", received_at=NOW)
    assert (record.service, record.level, record.k8s.namespace, record.k8s.pod) == (
        "checkout", "ERROR", "shop", "checkout-7d9f")
    assert record.metadata["trace_id"] == "5b8efff798038103d269b633813fc60c"
    assert record.metadata["order_id"] == "42" and record.metadata["tags"] == '["a",true]'
    assert isinstance(items[1], Rejected) and "timeUnixNano" in items[1].reason
    with pytest.raises(Rejected, match="resourceLogs"):
        otlp.decode_json(b'{"resourceLogs": 3}', 100)
    with pytest.raises(Rejected, match="not an OTLP"):
        otlp.decode_proto(b"\xff\xff\xff", 100)


def test_otlp_responses_carry_partial_success() -> None:
    response = ExportLogsServiceResponse.FromString(otlp.success(2, "record 1: bad", as_proto=True))
    assert response.partial_success.rejected_log_records == 2
    assert orjson.loads(otlp.success(0, "", as_proto=False)) == {}
    assert orjson.loads(otlp.success(1, "x", as_proto=False)) == {
        "partialSuccess": {"rejectedLogRecords": 1, "errorMessage": "x"}}


def test_loki_protobuf_snappy_labels_and_structured_metadata() -> None:
    body = loki.encode_push([
        ({"namespace": "shop", "pod": "web-1", "container": "nginx", "app": "web", "level": "error",
          "job": "shop/web", "filename": "/var/log/pods/x.log"},
         [(NANOS, "upstream timed out", {"trace_id": "abc123"}), (NANOS + 1, "second line", {})]),
    ])
    assert cramjam.snappy.decompress_raw(body)  # block format, as Loki expects
    items = loki.decode_proto(body, 100)
    record = Normaliser().normalise({**items[0], "org": "acme"}, event_id="e0", received_at=NOW)
    assert (record.service, record.level, record.k8s.namespace, record.k8s.pod, record.k8s.container) == (
        "web", "ERROR", "shop", "web-1", "nginx")
    assert record.metadata == {"job": "shop/web", "filename": "/var/log/pods/x.log", "trace_id": "abc123"}
    assert record.timestamp == datetime(2026, 11, 23, 11, 59, tzinfo=UTC)
    assert items[1]["message"] == "second line" and "trace_id" not in items[1].get("metadata", {})
    with pytest.raises(Rejected, match="snappy"):
        loki.decode_proto(b"not snappy at all", 100)


def test_loki_json_values_and_label_strings() -> None:
    body = orjson.dumps({"streams": [
        {"stream": {"namespace": "shop", "pod": "web-1", "service_name": "web"},
         "values": [[str(NANOS), "GET / 200"], [str(NANOS), "with metadata", {"user": "u1"}], ["x"]]},
    ]})
    items = loki.decode_json(body, 100)
    assert items[0]["pod"] == "web-1" and items[0]["service"] == "web" and items[0]["message"] == "GET / 200"
    assert items[1]["metadata"] == {"user": "u1"}
    assert isinstance(items[2], Rejected)
    assert loki.parse_labels('{a="x\\"y", b="1,2"}') == {"a": 'x"y', "b": "1,2"}
    with pytest.raises(Rejected, match="labels"):
        loki.parse_labels("namespace=shop")


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({  # Fluent Bit tail + kubernetes filter (docker/cri parser)
            "log": "connection refused\n", "stream": "stderr", "time": "2026-11-23T11:59:00.123456789Z",
            "kubernetes": {"pod_name": "api-5f6", "namespace_name": "shop", "container_name": "api",
                           "host": "node-2", "labels": {"app": "api"}, "annotations": {"x": "y"}},
        }, id="fluent-bit"),
        pytest.param({  # Vector kubernetes_logs source
            "message": "connection refused", "stream": "stderr", "timestamp": "2026-11-23T11:59:00.123456Z",
            "source_type": "kubernetes_logs",
            "kubernetes": {"pod_name": "api-5f6", "pod_namespace": "shop", "container_name": "api",
                           "pod_node_name": "node-2", "pod_labels": {"app.kubernetes.io/name": "api"}},
        }, id="vector"),
    ],
)
def test_shipper_events_keep_pod_namespace_and_container(event: dict[str, object]) -> None:
    assert shippers.needs_mapping(event)
    record = Normaliser().normalise({**shippers.map_record(event), "org": "acme"}, event_id="e", received_at=NOW)
    assert record.message == "connection refused"
    assert (record.service, record.k8s.namespace, record.k8s.pod, record.k8s.container, record.k8s.node) == (
        "api", "shop", "api-5f6", "api", "node-2")
    assert record.timestamp.replace(microsecond=0) == datetime(2026, 11, 23, 11, 59, tzinfo=UTC)
    assert record.metadata["stream"] == "stderr"


def test_native_records_skip_the_mapping_and_text_lines_split() -> None:
    assert not shippers.needs_mapping({"org": "a", "message": "m", "service": "s", "timestamp": 1})
    assert shippers.text_lines(b"one\n\ntwo\r\n") == [{"message": "one"}, {"message": "two"}]


def test_time_window_and_deep_metadata_are_rejected_with_reasons() -> None:
    normaliser = Normaliser()
    with pytest.raises(Rejected, match="older than the 30-day retention"):
        normaliser.encode({"org": "a", "message": "m", "timestamp": "2026-10-01T00:00:00Z"}, event_id="e",
                          received_at=NOW)
    with pytest.raises(Rejected, match="ahead of the receive time"):
        normaliser.encode({"org": "a", "message": "m", "timestamp": "9999-12-31T23:59:59Z"}, event_id="e",
                          received_at=NOW)
    deep: object = "bottom"
    for _ in range(300):
        deep = {"d": deep}
    with pytest.raises(Rejected, match=r"metadata\.nested: cannot be stored"):
        normaliser.encode({"org": "a", "message": "m", "metadata": {"nested": deep}}, event_id="e", received_at=NOW)


def test_odd_otlp_json_shapes_reject_their_record_not_the_request() -> None:
    body = orjson.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"body": {"kvlistValue": "not an object"}},
        {"body": {"kvlistValue": {"values": [3]}}},
        {"body": {"arrayValue": {"values": [{"stringValue": "a"}]}}, "timeUnixNano": "9" * 400},
    ]}]}]})
    items = otlp.decode_json(body, 100)
    assert isinstance(items[1], Rejected)
    with pytest.raises(Rejected, match="out of range"):
        Normaliser().encode({**items[2], "org": "a"}, event_id="e", received_at=NOW)
    with pytest.raises(Rejected, match="message: must not be empty"):
        Normaliser().encode({**items[0], "org": "a"}, event_id="e", received_at=NOW)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def test_loki_protobuf_read_from_bytes_written_by_hand_per_push_proto() -> None:
    """Bytes laid out field by field as Loki's push.proto numbers them (not with our own descriptor), plus a
    field newer Loki sends (PushRequest.format = 2) that must be ignored."""
    seconds, nanos = 1_795_000_000, 123
    label_pair = _field(1, b"trace_id") + _field(2, b"abc")
    entry = _field(1, _field(1, seconds) + _field(2, nanos)) + _field(2, b"disk full") + _field(3, label_pair)
    stream = _field(1, b'{namespace="shop", pod="db-0", level="error"}') + _field(2, entry) + _field(3, 42)
    body = cramjam.snappy.compress_raw(_field(1, stream) + _field(2, b"loki"))
    (item,) = loki.decode_proto(bytes(body), 10)
    assert item == {"namespace": "shop", "pod": "db-0", "level": "error", "message": "disk full",
                    "timestamp": seconds * 1_000_000_000 + nanos, "metadata": {"trace_id": "abc"}}


def test_otlp_json_and_protobuf_of_one_request_map_alike() -> None:
    """protobuf's own JSON mapping of the request (camelCase, int64 as strings) read by the JSON decoder
    gives what the protobuf decoder gives; trace/span ids are left out, OTLP/JSON writes them as hex where
    proto3 JSON writes base64."""
    from google.protobuf.json_format import MessageToJson

    request = _otlp_request()
    for log_record in request.resource_logs[0].scope_logs[0].log_records:
        log_record.ClearField("trace_id")
        log_record.ClearField("span_id")
    from_json = otlp.decode_json(MessageToJson(request).encode(), 100)
    from_proto = otlp.decode_proto(request.SerializeToString(), 100)
    assert from_json == from_proto


def test_a_field_merely_named_time_stays_metadata() -> None:
    mapped = shippers.map_record({"message": "GET / 200", "time": "12ms", "org": "a"})
    assert "timestamp" not in mapped and mapped["metadata"] == {"time": "12ms"}
    assert shippers.map_record({"log": "x", "time": "2026-11-23T11:59:00Z"})["timestamp"] == "2026-11-23T11:59:00Z"


def test_a_stream_with_unreadable_labels_rejects_each_of_its_entries() -> None:
    entry = _field(2, b"line")
    stream = _field(1, b"namespace=shop") + _field(2, entry) + _field(2, entry)
    for _ in range(2):  # the label set's reason is cached; each entry still gets its own rejection
        items = loki.decode_proto(bytes(cramjam.snappy.compress_raw(_field(1, stream))), 10)
        assert len(items) == 2 and all(isinstance(i, Rejected) and "labels" in i.reason for i in items)
        assert items[0] is not items[1]
