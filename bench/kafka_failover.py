"""Broker failover under load on a real 3-node Apache Kafka cluster (deploy/kafka/cluster.py).

Topics with replication factor 3 and ``min.insync.replicas=2``; log records flow through
ingestion -> template-matching -> chDB and alerts through alert-intake -> llm-analysis, each
service its own process. Mid-stream the broker leading ``logs.raw`` partition 0 is SIGKILLed,
and restarted a while later. Afterwards: every record is one row in ClickHouse (no loss, no
duplicate), every alert one incident, every incident exactly one analysis.

    .venv/bin/python bench/kafka_failover.py [--records 100000] [--alerts 300]

writes bench/results/kafka-failover.json. tests/kafka/test_failover.py runs the same scenario
with fewer records.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from logmesh_contracts.topics import ALERTS_RECEIVED, ANALYSIS_RESULTS, INCIDENTS_OPENED, LOGS_RAW
from logmesh_devstack.stack import Stack
from logmesh_runtime.topic_admin import create_topics
from logmesh_testing import read_topic

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "failover-bench-token-" + uuid.uuid4().hex[:8]
SERVICES = ("ingestion", "template-matching", "alert-intake", "llm-analysis")


def load_cluster_module() -> Any:
    name = "logmesh_kafka_cluster"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "deploy" / "kafka" / "cluster.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def alert_body(n: int) -> dict[str, Any]:
    """One Alertmanager v4 webhook about its own pod in its own namespace: its own incident."""
    starts = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    labels = {"alertname": "KubePodCrashLooping", "namespace": f"failover-{n}", "pod": f"api-{n}-0",
              "severity": "critical"}
    return {
        "version": "4", "groupKey": f"failover-{n}", "truncatedAlerts": 0, "status": "firing", "receiver": "logmesh",
        "groupLabels": {"alertname": "KubePodCrashLooping"}, "commonLabels": labels, "commonAnnotations": {},
        "externalURL": "http://alertmanager.local",
        "alerts": [{
            "status": "firing", "labels": labels,
            "annotations": {"summary": f"api-{n}-0 is crash looping", "description": "restarted 5 times"},
            "startsAt": starts, "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.local/graph",
            "fingerprint": f"failover{n:06d}",
        }],
    }


async def leader_of(bootstrap: str, topic: str, partition: int) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        return next(p["leader"] for p in described["partitions"] if p["partition"] == partition)
    finally:
        await admin.close()


async def wait_leader_change(bootstrap: str, topic: str, partition: int, old: int, timeout_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        with contextlib.suppress(Exception):  # metadata from a node that is going away: ask again
            if await leader_of(bootstrap, topic, partition) not in (old, -1):
                return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError(f"{topic}[{partition}] has no new leader after {timeout_s}s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def count_rows(chdb_path: Path, org: str) -> dict[str, int]:
    """Rows as stored, before ReplacingMergeTree's FINAL could hide a duplicate; in a child process
    because chDB allows one engine path per process."""
    script = (
        "import chdb.session, json, sys; s = chdb.session.Session(sys.argv[1]);"
        "r = s.query(\"SELECT count() AS rows, uniqExact(record_id) AS distinct_ids FROM logmesh.logs "
        "WHERE org = '\" + sys.argv[2] + \"'\", 'JSON'); print(json.dumps(json.loads(r.bytes())['data'][0]))"
    )
    out = subprocess.run([sys.executable, "-c", script, str(chdb_path), org], capture_output=True, text=True,
                         timeout=120)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return {k: int(v) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


async def run_failover(cluster: Any, workdir: Path, records: int, alerts: int, downtime_s: float = 10.0,
                       progress: bool = False) -> dict[str, Any]:
    def say(line: str) -> None:
        if progress:
            print(line, file=sys.stderr, flush=True)

    prefix = f"fo{uuid.uuid4().hex[:6]}."
    org = "failover"
    await create_topics(cluster.bootstrap, prefix, replication_factor=3, min_insync_replicas=2)
    stack = Stack(
        workdir=workdir, services=SERVICES, broker_bootstrap=cluster.bootstrap, topic_prefix=prefix,
        extra_env={"LOGMESH_LOG_LEVEL": "INFO", "LOGMESH_KAFKA_REQUEST_TIMEOUT_MS": "30000"},
        service_env={"alert-intake": {"LOGMESH_INTAKE_TOKENS": TOKEN},
                     "llm-analysis": {"LOGMESH_EVIDENCE_DEADLINE_S": "2"}},
    )
    await asyncio.to_thread(stack.start)
    raw_topic = prefix + LOGS_RAW.name
    victim = await leader_of(cluster.bootstrap, raw_topic, 0)
    led = {}
    admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap)
    await admin.start()
    try:
        for described in await admin.describe_topics([prefix + t for t in ("logs.raw", "logs.records",
                                                                             "alerts.received")]):
            led[described["topic"]] = sorted(p["partition"] for p in described["partitions"] if p["leader"] == victim)
    finally:
        await admin.close()
    say(f"stack up; victim is node {victim}, leading {led}")
    figures: dict[str, Any] = {"victim_node": victim, "partitions_led_by_victim": led}
    try:
        producer = AIOKafkaProducer(bootstrap_servers=cluster.bootstrap, acks="all", enable_idempotence=True,
                                    linger_ms=5, request_timeout_ms=30000, max_batch_size=256 * 1024)
        await producer.start()
        ack_failures = 0
        alert_answers: Counter[int] = Counter()
        chunk = max(1, records // 20)

        async def produce_logs() -> None:
            nonlocal ack_failures
            for start in range(0, records, chunk):
                futures = [
                    await producer.send(raw_topic, json.dumps({
                        "org": org, "service": f"svc-{i % 4}", "level": "INFO",
                        "message": f"request {i} served in {i % 97}ms by worker {i % 5}",
                        "timestamp": "2026-11-23T10:00:00Z",
                    }).encode(), key=f"svc-{i % 4}".encode())
                    for i in range(start, min(records, start + chunk))
                ]
                for outcome in await asyncio.gather(*futures, return_exceptions=True):
                    if isinstance(outcome, BaseException):
                        ack_failures += 1
                await asyncio.sleep(0.05)

        async def send_alerts(http: httpx.AsyncClient) -> None:
            for n in range(alerts):
                for _ in range(240):  # as Alertmanager does: retry until a 2xx, with the same alert
                    try:
                        answer = await http.post(f"{stack.processes['alert-intake'].url}/webhook",
                                                 json=alert_body(n), headers={"Authorization": f"Bearer {TOKEN}"})
                        alert_answers[answer.status_code] += 1
                        if answer.status_code == 200:
                            break
                    except httpx.HTTPError:
                        alert_answers[0] += 1
                    await asyncio.sleep(0.25)
                else:
                    raise AssertionError(f"alert {n} never accepted")
                await asyncio.sleep(0.02)

        async def fail_over() -> None:
            await asyncio.sleep(2.0)
            say(f"killing node {victim}")
            killed = time.monotonic()
            cluster.kill_node(victim)
            figures["leader_election_s"] = round(
                await wait_leader_change(cluster.bootstrap, raw_topic, 0, victim, 60), 2)
            await asyncio.sleep(max(0.0, downtime_s - (time.monotonic() - killed)))
            say(f"restarting node {victim}")
            await asyncio.to_thread(cluster.start_node, victim)
            figures["downtime_s"] = round(time.monotonic() - killed, 2)

        started = time.monotonic()
        async with httpx.AsyncClient(timeout=30) as http:
            await asyncio.gather(produce_logs(), send_alerts(http), fail_over())
        await producer.stop()
        figures["produce_s"] = round(time.monotonic() - started, 2)
        figures["producer_ack_failures"] = ack_failures
        figures["alert_webhook_answers"] = {str(k): v for k, v in sorted(alert_answers.items())}
        say(f"produced {records} records and {alerts} alerts in {figures['produce_s']}s; waiting for the rows")

        deadline = time.monotonic() + max(180.0, records / 200)
        rows = 0
        async with httpx.AsyncClient(timeout=30) as http:
            while time.monotonic() < deadline:
                answer = await http.get(f"{stack.processes['template-matching'].url}/logs/count",
                                        params={"org": org, "start": "2000-01-01T00:00:00Z"})
                rows = int(answer.json()["rows"]) if answer.status_code == 200 else rows
                if rows >= records:
                    break
                await asyncio.sleep(1.0)
        figures["drain_s"] = round(time.monotonic() - started, 2)

        results: list[Any] = []
        incidents: list[Any] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            incidents = await read_topic(cluster.bootstrap, prefix + INCIDENTS_OPENED.name, timeout_s=20)
            results = await read_topic(cluster.bootstrap, prefix + ANALYSIS_RESULTS.name, timeout_s=20)
            opened = {json.loads(r.value)["incident_id"] for r in incidents}
            if len(opened) >= alerts and opened <= {json.loads(r.value)["incident_id"] for r in results}:
                break
            await asyncio.sleep(2.0)
        await asyncio.sleep(3.0)  # a late duplicate analysis would show up now
        results = await read_topic(cluster.bootstrap, prefix + ANALYSIS_RESULTS.name, timeout_s=20)
        received = await read_topic(cluster.bootstrap, prefix + ALERTS_RECEIVED.name, timeout_s=20)
        service_cpu = {name: round(cpu_seconds(p.proc.pid), 2) for name, p in stack.processes.items() if p.proc}
        figures["service_cpu_s"] = service_cpu
        figures["broker_cpu_s"] = {  # the restarted node counts from its restart
            str(n.node_id): round(cpu_seconds(n.proc.pid), 2) for n in cluster.nodes if n.proc and n.proc.poll() is None
        }
        figures["cpu_ms_per_record_ingestion_plus_template_matching"] = round(
            1000 * (service_cpu.get("ingestion", 0) + service_cpu.get("template-matching", 0)) / records, 3)
    finally:
        await asyncio.to_thread(stack.stop)

    stored = count_rows(workdir / "data" / "template-matching" / "chdb", org)
    analyses = Counter(json.loads(r.value)["incident_id"] for r in results)
    opened_ids = {json.loads(r.value)["incident_id"] for r in incidents}
    figures |= {
        "records_sent": records,
        "rows_final": rows,
        "rows_stored": stored["rows"],
        "distinct_record_ids": stored["distinct_ids"],
        "records_lost": records - stored["distinct_ids"],
        "duplicate_rows": stored["rows"] - stored["distinct_ids"],
        "alerts_sent": alerts,
        "alerts_received_records": len(received),
        "distinct_alerts_received": len({json.loads(r.value)["fingerprint"] for r in received}),
        "incidents_opened": len(opened_ids),
        "incidents_with_one_analysis": sum(1 for i in opened_ids if analyses[i] == 1),
        "incidents_without_analysis": sum(1 for i in opened_ids if analyses[i] == 0),
        "incidents_with_several_analyses": sum(1 for i in opened_ids if analyses[i] > 1),
        "records_per_s_end_to_end": round(records / figures["drain_s"], 1) if figures["drain_s"] else None,
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--downtime-s", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "kafka-failover.json")
    args = parser.parse_args()
    kafka = load_cluster_module()
    with tempfile.TemporaryDirectory(prefix="logmesh-failover-") as tmp:
        workdir = Path(tmp)
        load_start = os.getloadavg()
        with kafka.KafkaCluster(workdir / "kafka", size=3) as cluster:
            figures = asyncio.run(run_failover(cluster, workdir / "mesh", args.records, args.alerts, args.downtime_s,
                                               progress=True))
    report = {
        "benchmark": "kafka-failover",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "broker": f"Apache Kafka {kafka.KAFKA_VERSION}, 3 KRaft nodes (combined broker+controller), loopback, "
                  f"heap {kafka.HEAP} each",
        "topics": "replication factor 3, min.insync.replicas 2",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_at_start": load_start,
                    "load_avg_at_end": os.getloadavg(),
                    "note": "2 CPUs shared with other engineers' work; times vary run to run"},
        "args": {"records": args.records, "alerts": args.alerts, "downtime_s": args.downtime_s},
        "figures": figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
