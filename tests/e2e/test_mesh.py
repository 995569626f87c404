"""The whole mesh as separate processes on the embedded stack (Tansu, chDB, local Qdrant).

Real peers everywhere: the loopback Kubernetes API server plays a crash-looping pod, the
loopback Slack Web API receives notifications, alerts come in as Alertmanager v4 webhooks.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer

from logmesh_contracts.topics import ALERTS_RECEIVED, ANALYSIS_RESULTS, INCIDENTS_OPENED, LOGS_RAW, LOGS_RECORDS, TOPICS
from logmesh_devstack.demo import DEMO_TOKEN, cluster_simulator, demo_alert, demo_logs
from logmesh_devstack.stack import EmbeddedBroker, LoopbackS3, Stack, create_topics
from logmesh_testing import read_topic, wait_for_messages
from notification.testing.slack_server import LoopbackSlack

pytestmark = [
    pytest.mark.e2e, pytest.mark.slow, pytest.mark.broker, pytest.mark.timeout(600),
    pytest.mark.asyncio(loop_scope="module"),
]

SLACK_CHANNEL = "C0ALERTS"
EXAMPLES = Path(__file__).resolve().parents[2] / "contracts" / "examples"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mesh")


@pytest.fixture(scope="module")
def kubernetes(workdir: Path) -> Iterator[dict[str, str]]:
    with cluster_simulator(workdir) as sim:
        yield sim


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def slack() -> AsyncIterator[LoopbackSlack]:
    async with LoopbackSlack() as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def mesh(
    kafka_bootstrap: str, workdir: Path, kubernetes: dict[str, str], slack: LoopbackSlack
) -> AsyncIterator[Stack]:
    prefix = f"e2e{uuid.uuid4().hex[:6]}."
    await create_topics(kafka_bootstrap, prefix)
    stack = Stack(
        workdir=workdir,
        broker_bootstrap=kafka_bootstrap,
        topic_prefix=prefix,
        extra_env={"LOGMESH_OTEL_EXPORTER": "file", "LOGMESH_LOG_LEVEL": "INFO"},
        service_env={
            "alert-intake": {"LOGMESH_INTAKE_TOKENS": DEMO_TOKEN},
            # the committed example messages carry fixed timestamps: no retention window, so they are
            # processed whatever the date the suite runs
            "ingestion": {"LOGMESH_MAX_RECORD_AGE_DAYS": "0"},
            "cluster-watching": {"LOGMESH_KUBECONFIG": kubernetes["kubeconfig"]},
            "llm-analysis": {"LOGMESH_EVIDENCE_DEADLINE_S": "8"},
            "notification": {
                "LOGMESH_SLACK_BOT_TOKEN": slack.token,
                "LOGMESH_SLACK_API_URL": slack.base_url,
                "LOGMESH_SLACK_CHANNEL": SLACK_CHANNEL,
                "LOGMESH_SLACK_UPDATE_INTERVAL_S": "0.5",
            },
        },
    )
    await asyncio.to_thread(stack.start)  # the loop keeps serving the loopback Slack meanwhile
    try:
        yield stack
    finally:
        await asyncio.to_thread(stack.stop)


def url(stack: Stack, service: str) -> str:
    return stack.processes[service].url


async def stored_rows(stack: Stack, org: str) -> int:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(f"{url(stack, 'template-matching')}/logs/count",
                                  params={"org": org, "start": "2000-01-01T00:00:00Z"})
        response.raise_for_status()
        return int(response.json()["rows"])


async def wait_rows(stack: Stack, org: str, expected: int, timeout_s: float = 120) -> int:
    deadline = time.monotonic() + timeout_s
    rows = 0
    while time.monotonic() < deadline:
        rows = await stored_rows(stack, org)
        if rows >= expected:
            return rows
        await asyncio.sleep(0.5)
    return rows


async def produce_raw(bootstrap: str, topic: str, org: str, start: int, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    timestamp = datetime.now(UTC).isoformat()  # inside ingestion's retention window whenever the test runs
    await producer.start()
    try:
        futures = [
            await producer.send(topic, json.dumps({
                "org": org, "service": f"svc-{i % 3}", "level": "ERROR" if i % 10 == 0 else "INFO",
                "message": f"request {i} served in {i % 97}ms by worker {i % 5}",
                "timestamp": timestamp,
            }).encode(), key=f"svc-{i % 3}".encode())
            for i in range(start, start + count)
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def spans(stack: Stack) -> list[dict[str, Any]]:
    found = []
    for path in (stack.workdir / "data").glob("*/spans.jsonl"):
        found += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return found


async def test_producers_logs_become_clickhouse_rows_with_template_ids(mesh: Stack) -> None:
    await produce_raw(mesh.bootstrap, mesh.topic_prefix + LOGS_RAW.name, "e2e-logs", 0, 500)
    assert await wait_rows(mesh, "e2e-logs", 500) == 500
    async with httpx.AsyncClient(timeout=30) as http:
        found = (await http.get(f"{url(mesh, 'template-matching')}/logs/search",
                                params={"org": "e2e-logs", "start": "2000-01-01T00:00:00Z", "limit": 1000})).json()
    assert found["count"] == 500
    assert all(row["template_id"] for row in found["logs"])
    assert len({row["template_id"] for row in found["logs"]}) <= 3  # one shape of line (per service)


async def test_alert_flows_to_one_incident_one_analysis_and_one_slack_thread(mesh: Stack, slack: LoopbackSlack) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        ingested = await http.post(f"{url(mesh, 'ingestion')}/logs/ingest", json={"logs": demo_logs(200)})
        assert ingested.status_code == 200, ingested.text
        alert = demo_alert()
        for _ in range(2):  # Alertmanager re-sends on repeat_interval: still one incident
            answer = await http.post(f"{url(mesh, 'alert-intake')}/webhook", json=alert,
                                     headers={"Authorization": f"Bearer {DEMO_TOKEN}"})
            assert answer.status_code == 200, answer.text

    def about_the_alert(record: Any) -> bool:
        return json.loads(record.value).get("alertname") == "KubePodCrashLooping"

    await wait_for_messages(mesh.bootstrap, mesh.topic_prefix + ALERTS_RECEIVED.name, 1, 30)
    incidents = await wait_for_messages(mesh.bootstrap, mesh.topic_prefix + INCIDENTS_OPENED.name, 1, 60,
                                        where=about_the_alert)
    incident_id = json.loads(incidents[0].value)["incident_id"]
    results = await wait_for_messages(
        mesh.bootstrap, mesh.topic_prefix + ANALYSIS_RESULTS.name, 1, 120,
        where=lambda r: json.loads(r.value)["incident_id"] == incident_id,
    )
    result = json.loads(results[0].value)
    assert result["diagnosis"], "the deterministic tier always explains something"
    assert result["category"] in {"pod-crash", "pod-restart"}

    deadline = time.monotonic() + 60
    threads: list[Any] = []
    while time.monotonic() < deadline:
        threads = [m for m in slack.top_level(SLACK_CHANNEL) if incident_id in json.dumps(m.as_api(True))]
        if threads and result["root_cause"][:40] in json.dumps(threads[0].as_api(True)):
            break
        await asyncio.sleep(0.5)
    assert len(threads) == 1, "one Slack thread per incident"


async def test_an_alert_is_one_trace_from_webhook_to_slack(mesh: Stack, slack: LoopbackSlack) -> None:
    """An alert about an object nothing else reported opens its own incident: one trace spans every hop."""
    alert = demo_alert()
    alert["alerts"][0]["labels"] = {"alertname": "KubePodCrashLooping", "namespace": "payments", "pod": "ledger-0",
                                    "severity": "critical"}
    alert["alerts"][0]["fingerprint"] = "e2etrace0001"
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(f"{url(mesh, 'alert-intake')}/webhook", json=alert,
                                 headers={"Authorization": f"Bearer {DEMO_TOKEN}"})
        assert answer.status_code == 200, answer.text
    incidents = await wait_for_messages(
        mesh.bootstrap, mesh.topic_prefix + INCIDENTS_OPENED.name, 1, 60,
        where=lambda r: json.loads(r.value)["target"].get("pod") == "ledger-0",
    )
    incident_id = json.loads(incidents[0].value)["incident_id"]
    await wait_for_messages(mesh.bootstrap, mesh.topic_prefix + ANALYSIS_RESULTS.name, 1, 120,
                            where=lambda r: json.loads(r.value)["incident_id"] == incident_id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(  # noqa: ASYNC110 - polls the loopback server
        incident_id in json.dumps(m.as_api(True)) for m in slack.top_level(SLACK_CHANNEL)
    ):
        await asyncio.sleep(0.5)
    await asyncio.sleep(2)  # let the last spans reach their files
    all_spans = spans(mesh)
    intake_traces = {s["trace_id"] for s in all_spans if s["service"] == "alert-intake"}
    by_trace: dict[str, set[str]] = {}
    for span in all_spans:
        by_trace.setdefault(span["trace_id"], set()).add(span["service"])
    traces = [by_trace[t] for t in intake_traces if "notification" in by_trace[t]]
    assert traces, f"no trace from alert-intake reaches notification: {by_trace}"
    services = max(traces, key=len)
    assert {"alert-intake", "llm-analysis", "notification"} <= services
    assert {"cluster-watching", "template-matching", "knowledge-storage"} <= services, "evidence hops in the trace"


async def test_garbage_on_every_consumed_topic_is_dead_lettered_and_valid_messages_still_flow(mesh: Stack) -> None:
    consumed = [t for t in TOPICS if any(c in mesh.processes for c in t.consumers)]
    producer = AIOKafkaProducer(bootstrap_servers=mesh.bootstrap, acks="all")
    await producer.start()
    try:
        for topic in consumed:
            await producer.send_and_wait(mesh.topic_prefix + topic.name, b"\x00 not a message", key=b"garbage")
            example = (EXAMPLES / f"{topic.model.__name__}.json").read_bytes()
            # a tenant header, as a trusted producer sends it (an OTLP export carries no org of its own)
            await producer.send_and_wait(mesh.topic_prefix + topic.name, example, key=b"valid",
                                         headers=[("x-logmesh-org", b"acme")])
    finally:
        await producer.stop()
    for topic in consumed:
        consumers = {c for c in topic.consumers if c in mesh.processes}
        dead = await wait_for_messages(
            mesh.bootstrap, mesh.topic_prefix + topic.dead_letter, len(consumers), 60,
            where=lambda r: r.key == b"garbage",
        )
        envelopes = [json.loads(r.value) for r in dead]
        assert {e["consumer"] for e in envelopes} == consumers, topic.name
        assert all(e["reason"] and e["stage"] == "decode" for e in envelopes), topic.name
    # the valid message behind each piece of garbage was handled: no partition is stuck
    for topic in consumed:
        for name in {c for c in topic.consumers if c in mesh.processes}:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and processed(mesh, name, mesh.topic_prefix + topic.name) < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            assert processed(mesh, name, mesh.topic_prefix + topic.name) >= 1, f"{name} stuck on {topic.name}"


def processed(stack: Stack, service: str, topic: str) -> float:
    text = httpx.get(f"{url(stack, service)}/metrics", timeout=10).text
    prefix = f'logmesh_messages_processed_total{{topic="{topic}"}} '
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


@pytest.mark.parametrize("victim", ["ingestion", "template-matching"])
async def test_killing_a_service_mid_stream_loses_nothing_and_duplicates_nothing(mesh: Stack, victim: str) -> None:
    org = f"e2e-kill-{victim}"
    topic = mesh.topic_prefix + LOGS_RAW.name
    await produce_raw(mesh.bootstrap, topic, org, 0, 1500)
    await asyncio.sleep(0.5)
    mesh.processes[victim].kill()  # SIGKILL mid-stream: no graceful shutdown, no final commit
    await produce_raw(mesh.bootstrap, topic, org, 1500, 1500)
    await asyncio.to_thread(mesh.start_service, victim, True)
    assert await wait_rows(mesh, org, 3000) == 3000
    await asyncio.sleep(2)
    assert await stored_rows(mesh, org) == 3000  # redelivered records did not become extra rows
    records = await read_topic(mesh.bootstrap, mesh.topic_prefix + LOGS_RECORDS.name)
    ids = {json.loads(r.value)["event_id"] for r in records if r.key != b"garbage" and org.encode() in r.value}
    assert len(ids) == 3000  # every record kept its identity across the redelivery


async def test_broker_restart_loses_no_acknowledged_record(tmp_path: Path) -> None:
    """Tansu on S3 storage (a loopback S3 server): kill the broker mid-stream, restart it, lose nothing."""
    s3 = LoopbackS3().start()
    broker = EmbeddedBroker(storage=s3.storage, env=s3.broker_env(), log_path=tmp_path / "broker.log").start()
    stack = Stack(workdir=tmp_path, services=("ingestion", "template-matching"), broker_bootstrap=broker.bootstrap)
    acknowledged: set[str] = set()
    try:
        await asyncio.to_thread(stack.start)
        async with httpx.AsyncClient(timeout=30) as http:

            async def send(batch: int) -> None:
                logs = [{"org": "e2e-broker", "service": "api", "message": f"batch {batch} line {i} ok"}
                        for i in range(100)]
                for _ in range(60):  # retried, as a client must on 503, with the same idempotency key
                    try:
                        response = await http.post(f"{url(stack, 'ingestion')}/logs/ingest", json={"logs": logs},
                                                   headers={"Idempotency-Key": f"batch-{batch}"})
                    except httpx.HTTPError:
                        response = None
                    if response is not None and response.status_code == 200:
                        acknowledged.update(f"{batch}/{i}" for i in range(100))
                        return
                    await asyncio.sleep(0.5)
                raise AssertionError(f"batch {batch} never acknowledged")

            for batch in range(10):
                await send(batch)
            broker.kill()
            broker.start()
            for batch in range(10, 20):
                await send(batch)
        assert len(acknowledged) == 2000
        assert await wait_rows(stack, "e2e-broker", 2000, timeout_s=180) == 2000
        await asyncio.sleep(2)
        assert await stored_rows(stack, "e2e-broker") == 2000
    finally:
        await asyncio.to_thread(stack.stop)
        broker.stop()
        s3.stop()
