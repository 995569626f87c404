"""Shippers' own wire formats against the service: the OpenTelemetry SDK's OTLP/HTTP exporter and
Loki's snappy protobuf push against the real process; tenancy, partial success and the time window
over HTTP; Vector / Fluent Bit JSON and poison records on logs.raw."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

from ingestion.formats import loki
from logmesh_contracts import LogRecord
from logmesh_contracts.topics import LOGS_RAW, LOGS_RECORDS
from logmesh_devstack.stack import Stack
from logmesh_testing import wait_for_messages

from .support import make_settings, running

pytestmark = [pytest.mark.broker]

TOKEN = "ingest-key-for-ecosystem-tests-5c1e"


def _nanos_ago(seconds: float) -> int:
    return int((time.time() - seconds) * 1e9)


def _export_with_the_sdk(url: str) -> None:
    resource = Resource.create({
        "service.name": "checkout", "k8s.namespace.name": "shop", "k8s.pod.name": "checkout-7d9f",
        "k8s.container.name": "app", "k8s.node.name": "node-1",
    })
    provider = LoggerProvider(resource=resource)
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"{url}/v1/logs", headers={"Authorization": f"Bearer {TOKEN}"},
                                                 timeout=10))
    )
    logger = provider.get_logger("checkout.payments")
    logger.emit(severity_number=SeverityNumber.ERROR, severity_text="ERROR", body="payment declined for order 42",
                attributes={"order_id": 42, "retry": False})
    logger.emit(severity_number=SeverityNumber.WARN, body={"event": "retry", "attempt": 3})
    provider.shutdown()


@pytest.mark.e2e
async def test_otel_sdk_exporter_and_loki_protobuf_reach_logs_records_with_the_keys_org(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    env = {"LOGMESH_INGEST_TOKEN": TOKEN, "LOGMESH_INGEST_TOKEN_ORG": "acme", "LOGMESH_CONSUME_RAW": "false",
           "LOGMESH_CONSUME_OTLP": "false"}
    stack = Stack(workdir=tmp_path, services=("ingestion",), broker_bootstrap=kafka_bootstrap,
                  topic_prefix=topic_prefix, service_env={"ingestion": env})
    process = stack.start_service("ingestion")
    try:
        process.wait_ready(60)
        await asyncio.to_thread(_export_with_the_sdk, process.url)

        auth = {"Authorization": f"Bearer {TOKEN}"}
        push = loki.encode_push([
            ({"namespace": "shop", "pod": "web-1", "container": "nginx", "app": "web", "level": "error"},
             [(_nanos_ago(5), "upstream timed out", {"trace_id": "abc123"})]),
        ])
        async with httpx.AsyncClient(base_url=process.url, timeout=15) as client:
            pushed = await client.post("/loki/api/v1/push", content=push,
                                       headers={**auth, "Content-Type": "application/x-protobuf"})
            assert pushed.status_code == 204, pushed.text
            # the key is bound to acme: another org in a label, a header or the body is refused
            other = orjson.dumps({"streams": [{"stream": {"org": "globex", "pod": "p"}, "values": [["1", "x"]]}]})
            forbidden = await client.post("/loki/api/v1/push", content=other,
                                          headers={**auth, "Content-Type": "application/json"})
            assert forbidden.status_code == 403 and "globex" in forbidden.json()["error"]
            header = await client.post("/v1/logs", content=b'{"resourceLogs": []}',
                                       headers={**auth, "Content-Type": "application/json", "X-Scope-OrgID": "globex"})
            assert header.status_code == 403 and header.json()["code"] == 7
            unauthenticated = await client.post("/v1/logs", content=b"{}", headers={"Content-Type": "application/json"})
            assert unauthenticated.status_code == 401
            stats = (await client.get("/stats")).json()
    finally:
        process.stop()
    assert stats["http"]["accepted"] == 3 and stats["http_formats"] == {"otlp": 2, "loki": 1}

    out = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 3, timeout_s=30)
    records = {r.message: r for r in (LogRecord.model_validate_json(m.value) for m in out)}
    sdk = records["payment declined for order 42"]
    assert (sdk.org, sdk.service, sdk.level, sdk.k8s.namespace, sdk.k8s.pod, sdk.k8s.container, sdk.k8s.node) == (
        "acme", "checkout", "ERROR", "shop", "checkout-7d9f", "app", "node-1")
    assert sdk.metadata["order_id"] == "42" and sdk.metadata["otel.scope.name"] == "checkout.payments"
    structured = records['{"event":"retry","attempt":3}']
    assert structured.level == "WARN" and structured.k8s.pod == "checkout-7d9f"
    pushed_record = records["upstream timed out"]
    assert (pushed_record.org, pushed_record.service, pushed_record.level, pushed_record.k8s.pod) == (
        "acme", "web", "ERROR", "web-1")
    assert pushed_record.metadata == {"trace_id": "abc123"}


async def test_org_comes_from_the_header_or_the_default_and_a_disagreeing_body_is_403(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    fluent_bit = {"log": "GET /healthz 200\n", "stream": "stdout",
                  "kubernetes": {"pod_name": "web-1", "namespace_name": "shop", "container_name": "nginx"}}
    async with running(make_settings(kafka_bootstrap, topic_prefix)) as client:
        nobody = await client.post("/logs/ingest", json=fluent_bit)
        assert nobody.status_code == 400 and "org: required field missing" in nobody.json()["errors"][0]["reason"]
        ok = await client.post("/logs/ingest", json=fluent_bit, headers={"X-Scope-OrgID": "acme"})
        assert ok.status_code == 200, ok.text
        lines = await client.post("/logs/ingest", content=b"plain line one\nplain line two\n",
                                  headers={"X-Scope-OrgID": "acme", "Content-Type": "text/plain"})
        assert lines.json()["accepted"] == 2
        clash = await client.post("/logs/ingest", json={"org": "globex", "message": "m"},
                                  headers={"X-Scope-OrgID": "acme"})
        assert clash.status_code == 403 and "globex" in clash.json()["error"]
    async with running(make_settings(kafka_bootstrap, topic_prefix, default_org="tenant-d")) as client:
        filled = await client.post("/logs/ingest", json={"message": "no org named"})
        named = await client.post("/logs/ingest", json={"org": "acme", "message": "org named, no credential"})
        assert filled.status_code == 200 and named.status_code == 200

    out = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 5, timeout_s=15)
    records = {r.message: r for r in (LogRecord.model_validate_json(m.value) for m in out)}
    healthz = records["GET /healthz 200"]
    assert (healthz.org, healthz.k8s.namespace, healthz.k8s.pod, healthz.k8s.container, healthz.service) == (
        "acme", "shop", "web-1", "nginx", "nginx")
    assert healthz.metadata == {"stream": "stdout"}
    assert records["plain line two"].org == "acme"
    assert records["no org named"].org == "tenant-d" and records["org named, no credential"].org == "acme"


async def test_bad_records_are_rejected_alone_never_a_500(kafka_bootstrap: str, topic_prefix: str) -> None:
    deep: object = "bottom"
    for _ in range(300):
        deep = {"d": deep}
    batch = [
        {"org": "acme", "message": "good one"},
        {"org": "acme", "message": "deep", "metadata": {"nested": deep}},
        {"org": "acme", "message": "ancient", "timestamp": "2001-01-01T00:00:00Z"},
        {"org": "acme", "message": "far future", "timestamp": "9999-12-31T23:59:59Z"},
        {"org": "acme", "message": "good two"},
    ]
    otlp_json = {"resourceLogs": [{"resource": {"attributes": [
        {"key": "k8s.pod.name", "value": {"stringValue": "api-1"}}]}, "scopeLogs": [{"logRecords": [
            {"timeUnixNano": str(_nanos_ago(1)), "body": {"stringValue": "otlp good"}},
            {"timeUnixNano": "978307200000000000", "body": {"stringValue": "otlp ancient"}},
        ]}]}]}
    async with running(make_settings(kafka_bootstrap, topic_prefix)) as client:
        response = await client.post("/logs/ingest", content=_deep_json(batch),
                                     headers={"Content-Type": "application/json"})
        assert response.status_code == 207, response.text
        reasons = {e["index"]: e["reason"] for e in response.json()["errors"]}
        assert response.json()["accepted"] == 2 and set(reasons) == {1, 2, 3}
        assert "metadata.nested" in reasons[1] and "retention" in reasons[2] and "ahead" in reasons[3]

        partial = await client.post("/v1/logs", json=otlp_json, headers={"X-Scope-OrgID": "acme"})
        assert partial.status_code == 200
        assert partial.json()["partialSuccess"]["rejectedLogRecords"] == 1
        assert "retention" in partial.json()["partialSuccess"]["errorMessage"]
        broken = await client.post("/otlp/v1/logs", content=b"\x0a\xff", headers={  # Loki 3's path too
            "Content-Type": "application/x-protobuf", "X-Scope-OrgID": "acme"})
        assert broken.status_code == 400
        unsupported = await client.post("/v1/logs", content=b"x", headers={"Content-Type": "text/csv"})
        assert unsupported.status_code == 415
    out = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 3, timeout_s=15)
    assert sorted(LogRecord.model_validate_json(m.value).message for m in out) == ["good one", "good two", "otlp good"]


def _deep_json(batch: list[dict[str, object]]) -> bytes:
    """orjson refuses to write the 300-deep record, so it is spliced in by hand, as a client would send it."""
    deep = b'{"d":' * 300 + b'"bottom"' + b"}" * 300
    placeholder = {**batch[1], "metadata": {"nested": "@@DEEP@@"}}
    body = orjson.dumps([batch[0], placeholder, *batch[2:]])
    return body.replace(b'"@@DEEP@@"', deep)


async def test_shipper_json_on_logs_raw_is_mapped_and_poison_is_dead_lettered(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    vector = {"message": "vector line", "timestamp": "2026-01-01T00:00:00Z", "source_type": "kubernetes_logs",
              "kubernetes": {"pod_name": "api-5f6", "pod_namespace": "shop", "container_name": "api"}}
    vector["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    fluent_bit = {"log": "fluent line\n", "date": time.time() - 30, "org": "acme",
                  "kubernetes": {"pod_name": "web-1", "namespace_name": "shop", "container_name": "nginx"}}
    deep = b'{"org": "acme", "message": "poison", "metadata": {"x": ' + b'{"d":' * 300 + b"1" + b"}" * 300 + b"}}"
    old = orjson.dumps({"org": "acme", "message": "too old", "timestamp": "2001-01-01T00:00:00Z"})
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for value in (orjson.dumps(vector), deep, old, orjson.dumps(fluent_bit)):
            await producer.send_and_wait(topic_prefix + LOGS_RAW.name, value, key=b"k", headers=[("org", b"acme")])
    finally:
        await producer.stop()
    async with running(make_settings(kafka_bootstrap, topic_prefix, consume_raw=True)):
        out = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 2, timeout_s=30)
        dead = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RAW.dead_letter, 2, timeout_s=30)
    records = {r.message: r for r in (LogRecord.model_validate_json(m.value) for m in out)}
    assert (records["vector line"].k8s.pod, records["vector line"].k8s.namespace) == ("api-5f6", "shop")
    assert (records["fluent line"].k8s.pod, records["fluent line"].service) == ("web-1", "nginx")
    reasons = sorted(orjson.loads(m.value)["reason"] for m in dead)
    assert "metadata.x: cannot be stored" in reasons[0] and "retention" in reasons[1]


def _sdk_encoded_request() -> bytes:
    """An ExportLogsServiceRequest as the SDK's own OTLP encoder builds it (what otlp_proto carries)."""
    from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter

    captured = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource.create({
        "service.name": "billing", "k8s.namespace.name": "fin", "k8s.pod.name": "billing-0"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(captured))
    logger = provider.get_logger("billing")
    logger.emit(severity_number=SeverityNumber.ERROR, body="invoice run failed")
    logger.emit(severity_number=SeverityNumber.INFO, body="")  # empty body: this record alone is rejected
    provider.shutdown()
    return encode_logs(captured.get_finished_logs()).SerializeToString()


async def test_collector_kafka_exporter_encodings_on_logs_otlp(kafka_bootstrap: str, topic_prefix: str) -> None:
    otlp_json = orjson.dumps({"resourceLogs": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "web"}},
        {"key": "k8s.namespace.name", "value": {"stringValue": "shop"}},
        {"key": "k8s.pod.name", "value": {"stringValue": "web-1"}}]},
        "scopeLogs": [{"logRecords": [{"timeUnixNano": str(_nanos_ago(2)), "severityText": "warn",
                                       "body": {"stringValue": "slow upstream"}}]}]}]})
    topic = topic_prefix + "logs.otlp"
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, _sdk_encoded_request(), headers=[("org", b"acme")])
        await producer.send_and_wait(topic, otlp_json, headers=[("org", b"acme")])
        await producer.send_and_wait(topic, b"\x0a\xff\xff garbage", headers=[("org", b"acme")])
        await producer.send_and_wait(topic, otlp_json)  # no org header and no default org
    finally:
        await producer.stop()
    async with running(make_settings(kafka_bootstrap, topic_prefix, consume_otlp=True)):
        out = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 2, timeout_s=30)
        dead = await wait_for_messages(kafka_bootstrap, topic + ".dlq", 3, timeout_s=30)
    records = {r.message: r for r in (LogRecord.model_validate_json(m.value) for m in out)}
    invoice = records["invoice run failed"]
    assert (invoice.org, invoice.service, invoice.level, invoice.k8s.namespace, invoice.k8s.pod) == (
        "acme", "billing", "ERROR", "fin", "billing-0")
    assert (records["slow upstream"].level, records["slow upstream"].k8s.pod) == ("WARN", "web-1")
    reasons = sorted(orjson.loads(m.value)["reason"] for m in dead)
    assert any("1 of 2 log records rejected" in r and "message: must not be empty" in r for r in reasons)
    assert any("not an OTLP" in r for r in reasons) and any("org: required field missing" in r for r in reasons)


async def test_an_exporters_retry_of_the_same_batch_reproduces_its_record_ids(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    """OTLP and Loki clients resend a batch unchanged after a 503 and send no Idempotency-Key: the ids come
    from the org and the body, so consumers' dedup absorbs the retry; another org's identical body differs."""
    body = orjson.dumps({"streams": [{"stream": {"pod": "p"}, "values": [[str(_nanos_ago(1)), "retried line"]]}]})
    async with running(make_settings(kafka_bootstrap, topic_prefix)) as client:
        for org in ("acme", "acme", "globex"):
            answer = await client.post("/loki/api/v1/push", content=body,
                                       headers={"Content-Type": "application/json", "X-Scope-OrgID": org})
            assert answer.status_code == 204
    out = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 3, timeout_s=15)
    ids = [(r.org, r.event_id) for r in (LogRecord.model_validate_json(m.value) for m in out)]
    assert len({event_id for _, event_id in ids}) == 2 and {org for org, _ in ids} == {"acme", "globex"}
