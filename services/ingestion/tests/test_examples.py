"""deploy/examples: each shipper's configuration is parsed, and a body of the shape it declares is sent
to the path, encoding and headers it declares on the real app (broker included). The programs
themselves (Collector, Vector, Fluent Bit, Promtail, Alloy) are not installable here; rsyslog is, and
test_rsyslog.py runs its example."""

from __future__ import annotations

import gzip
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import orjson
import pytest
import yaml
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

from ingestion.formats import loki
from logmesh_contracts import LogRecord
from logmesh_contracts.topics import LOGS_OTLP, LOGS_RECORDS
from logmesh_testing import wait_for_messages

from .support import make_settings, running

pytestmark = [pytest.mark.broker]

EXAMPLES = Path(__file__).resolve().parents[3] / "deploy" / "examples"
KEY = "example-api-key-for-tests-8d2a"
SERVICE_HOST = "ingestion.logmesh.svc:8080"


def _env(text: str) -> str:
    """The examples read the key from the environment, as they would in a cluster."""
    return re.sub(r"\$\{(env:)?LOGMESH_API_KEY\}", KEY, text)


def _url(url: str) -> str:
    parsed = urlparse(url)
    assert parsed.netloc == SERVICE_HOST, url  # ingestion's Service in deploy/base
    return parsed.path


def _otlp_protobuf() -> bytes:
    captured = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource.create({
        "service.name": "checkout", "k8s.namespace.name": "shop", "k8s.pod.name": "otel-pod"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(captured))
    provider.get_logger("x").emit(severity_number=SeverityNumber.ERROR, body="from the otel-collector example")
    provider.shutdown()
    return encode_logs(captured.get_finished_logs()).SerializeToString()


def _sends() -> dict[str, tuple[str, bytes, dict[str, str]]]:
    """Per example: (path, body, headers) as that shipper would send them with that configuration."""
    sends: dict[str, tuple[str, bytes, dict[str, str]]] = {}

    collector = yaml.safe_load(_env((EXAMPLES / "otel-collector" / "otlphttp.yaml").read_text()))
    exporter = collector["exporters"]["otlphttp/logmesh"]
    assert exporter["encoding"] == "proto" and "otlphttp/logmesh" in collector["service"]["pipelines"]["logs"][
        "exporters"]
    assert {"k8s.namespace.name", "k8s.pod.name"} <= set(collector["processors"]["k8sattributes"]["extract"]["metadata"])
    body = _otlp_protobuf()
    headers = {**exporter["headers"], "Content-Type": "application/x-protobuf"}
    if exporter.get("compression") == "gzip":
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    sends["otel-collector"] = (_url(exporter["logs_endpoint"]), body, headers)

    vector = yaml.safe_load(_env((EXAMPLES / "vector" / "vector.yaml").read_text()))
    sink = vector["sinks"]["logmesh"]
    assert vector["sources"][sink["inputs"][0]]["type"] == "kubernetes_logs"
    assert sink["encoding"]["codec"] == "json" and sink["framing"]["method"] == "newline_delimited"
    event = {"message": "from the vector example", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "source_type": "kubernetes_logs", "stream": "stdout",
             "kubernetes": {"pod_name": "vector-pod", "pod_namespace": "shop", "container_name": "app",
                            "pod_node_name": "node-1", "pod_labels": {"app.kubernetes.io/name": "checkout"}}}
    body = orjson.dumps(event) + b"\n"
    headers = dict(sink["request"]["headers"])
    if sink.get("compression") == "gzip":
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    sends["vector"] = (_url(sink["uri"]), body, headers)

    fluent = yaml.safe_load(_env((EXAMPLES / "fluent-bit" / "fluent-bit.yaml").read_text()))
    (output,) = fluent["pipeline"]["outputs"]
    assert output["name"] == "http" and output["format"] == "json" and output["json_date_format"] == "double"
    assert any(f["name"] == "kubernetes" for f in fluent["pipeline"]["filters"])
    record = {output["json_date_key"]: time.time(), "log": "from the fluent-bit example\n", "stream": "stderr",
              "kubernetes": {"pod_name": "fluent-pod", "namespace_name": "shop", "container_name": "app",
                             "host": "node-1", "labels": {"app": "checkout"}}}
    body = orjson.dumps([record])
    headers = dict(line.split(" ", 1) for line in output["header"])
    headers["Content-Type"] = "application/json"
    if output.get("compress") == "gzip":
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    sends["fluent-bit"] = (_url(f"http://{output['host']}:{output['port']}{output['uri']}"), body, headers)

    promtail = yaml.safe_load((EXAMPLES / "promtail" / "promtail.yaml").read_text())
    (client,) = promtail["clients"]
    labels = {r["target_label"] for r in promtail["scrape_configs"][0]["relabel_configs"]
              if not r["target_label"].startswith("__")}
    assert {"namespace", "pod", "container", "app"} <= labels
    push = loki.encode_push([({"namespace": "shop", "pod": "promtail-pod", "container": "app", "app": "checkout",
                               "node_name": "node-1"}, [(time.time_ns(), "from the promtail example", {})])])
    sends["promtail"] = (_url(client["url"]), push, {
        "Content-Type": "application/x-protobuf", "X-Scope-OrgID": client["tenant_id"],
        "Authorization": f"Bearer {KEY}"})

    alloy = (EXAMPLES / "alloy" / "config.alloy").read_text()
    write = re.search(r'loki\.write "logmesh" \{.*?url\s*=\s*"([^"]+)".*?tenant_id\s*=\s*"([^"]+)"', alloy, re.S)
    assert write is not None and 'forward_to = [loki.write.logmesh.receiver]' in alloy
    for label in ("namespace", "pod", "container", "app"):
        assert f'target_label  = "{label}"' in alloy
    push = loki.encode_push([({"namespace": "shop", "pod": "alloy-pod", "container": "app", "app": "checkout"},
                              [(time.time_ns(), "from the alloy example", {})])])
    sends["alloy"] = (_url(write.group(1)), push, {
        "Content-Type": "application/x-protobuf", "X-Scope-OrgID": write.group(2), "Authorization": f"Bearer {KEY}"})
    return sends


def test_collector_kafka_example_targets_the_registered_topic_and_an_encoding_ingestion_reads() -> None:
    collector = yaml.safe_load((EXAMPLES / "otel-collector" / "kafka.yaml").read_text())
    exporter = collector["exporters"]["kafka/logmesh"]
    assert exporter["logs"]["topic"] == LOGS_OTLP.name
    assert exporter["logs"]["encoding"] in ("otlp_proto", "otlp_json")
    assert exporter["producer"]["required_acks"] == -1
    assert "kafka/logmesh" in collector["service"]["pipelines"]["logs"]["exporters"]


async def test_every_shipper_example_is_accepted_with_its_declared_path_encoding_and_headers(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    sends = _sends()
    settings = make_settings(kafka_bootstrap, topic_prefix, ingest_token=KEY, ingest_token_org="acme")
    answers: dict[str, httpx.Response] = {}
    async with running(settings) as client:
        for name, (path, body, headers) in sends.items():
            answers[name] = await client.post(path, content=body, headers=headers)
    for name, answer in answers.items():
        assert answer.status_code in (200, 204), (name, answer.status_code, answer.text)
    out = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, len(sends), timeout_s=30)
    records: dict[str, Any] = {}
    for message in out:
        record = LogRecord.model_validate_json(message.value)
        records[record.message.removeprefix("from the ").removesuffix(" example")] = record
    assert set(records) == set(sends)
    for name, record in records.items():
        assert (record.org, record.k8s.namespace, record.service) == ("acme", "shop", "checkout"), name
        assert record.k8s.pod == f"{name.split('-')[0]}-pod", name
