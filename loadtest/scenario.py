"""Fixed load scenario on the embedded stack; writes bench/results/loadtest.json.

    .venv/bin/python loadtest/scenario.py [--records 50000] [--rate 10000] [--alerts 20] [--json] [--out FILE]

Measures, in one run on this machine:
* Kafka producers → queryable ClickHouse rows: records/s and ingest→queryable latency percentiles;
* alert → first notification latency percentiles (no LLM configured, so no LLM time);
* consumer lag per service at the end of the producing phase, and per-service CPU seconds and RSS.
Bounded: a fixed number of records and alerts, a hard timeout, loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kafka_producer import produce

from logmesh_contracts.topics import LOGS_RAW, NOTIFICATIONS_SENT
from logmesh_devstack.demo import DEMO_TOKEN
from logmesh_devstack.stack import Stack, temporary_workdir

ROOT = Path(__file__).resolve().parents[1]


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": round(ordered[-1], 2),
            "mean": round(statistics.fmean(ordered), 2)}


def process_usage(pid: int) -> dict[str, float]:
    """CPU seconds and RSS of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        rss_kb = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if line.startswith("VmRSS:"))
        return {"cpu_s": round(cpu, 2), "rss_mb": round(rss_kb / 1024, 1)}
    except (OSError, StopIteration, IndexError):
        return {}


def scrape_lag(url: str) -> int:
    try:
        text = httpx.get(f"{url}/metrics", timeout=5).text
    except httpx.HTTPError:
        return -1
    return int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("logmesh_consumer_lag{")))


async def count_rows(url: str, org: str) -> int:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(f"{url}/logs/count", params={"org": org})
        response.raise_for_status()
        return int(response.json()["rows"])


async def alert_latencies(stack: Stack, alerts: int) -> list[float]:
    """POST distinct alerts one at a time; time each until the first notification for a new incident."""
    consumer = AIOKafkaConsumer(stack.topic_prefix + NOTIFICATIONS_SENT.name, bootstrap_servers=stack.bootstrap,
                                auto_offset_reset="latest", enable_auto_commit=False)
    await consumer.start()
    await asyncio.sleep(1)  # let the assignment settle so no notification is missed
    seen: set[str] = set()
    latencies: list[float] = []
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for i in range(alerts):
                payload = {"version": "4", "status": "firing", "receiver": "loadtest", "alerts": [{
                    "status": "firing", "fingerprint": f"loadtest{i:04d}",
                    "labels": {"alertname": "LoadTestPodCrash", "namespace": f"load-{i}", "pod": f"api{i}-7d9f8b-x2k4q",
                               "severity": "critical"},
                    "annotations": {"summary": f"pod api-{i} crash looping"},
                    "startsAt": datetime.now(UTC).isoformat(), "endsAt": "0001-01-01T00:00:00Z"}]}
                sent = time.perf_counter()
                await http.post(f"{stack.processes['alert-intake'].url}/webhook", json=payload,
                                headers={"Authorization": f"Bearer {DEMO_TOKEN}"})
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    batch = await consumer.getmany(timeout_ms=200)
                    fresh = {json.loads(r.value)["incident_id"] for rs in batch.values() for r in rs} - seen
                    if fresh:
                        seen |= fresh
                        latencies.append((time.perf_counter() - sent) * 1000)
                        break
    finally:
        await consumer.stop()
    return latencies


async def run(args: argparse.Namespace, stack: Stack) -> dict:
    org = "load"
    tm_url = stack.processes["template-matching"].url
    started = time.perf_counter()
    producer_task = asyncio.create_task(
        produce(stack.bootstrap, stack.topic_prefix + LOGS_RAW.name, args.records, args.rate, org, progress=False))
    queryable_at: list[tuple[float, int]] = []
    lag_samples: dict[str, list[int]] = {name: [] for name in stack.processes}
    deadline = time.monotonic() + args.timeout
    rows = 0
    while time.monotonic() < deadline:
        rows = await count_rows(tm_url, org)
        queryable_at.append((time.perf_counter() - started, rows))
        for name, process in stack.processes.items():
            lag_samples[name].append(scrape_lag(process.url))
        if len(queryable_at) % 4 == 0:
            print(f"  queryable rows {rows}/{args.records}", file=sys.stderr, flush=True)
        if rows >= args.records:
            break
        await asyncio.sleep(0.25)
    produced = await producer_task
    elapsed = time.perf_counter() - started
    # ingest→queryable latency: when the k-th record became queryable minus when it was produced
    per_record = args.records / produced["seconds"] if produced["seconds"] else args.rate
    latencies = [max(0.0, (t - n / per_record) * 1000) for t, n in queryable_at if n]
    alert_ms = await alert_latencies(stack, args.alerts)
    usage = {name: process_usage(p.proc.pid) for name, p in stack.processes.items() if p.proc}
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "broker": "tansu (embedded, memory)",
        "records": args.records,
        "target_rate": args.rate,
        "producer": produced,
        "queryable_rows": rows,
        "end_to_end_records_per_s": round(rows / elapsed, 1) if elapsed else 0.0,
        "ingest_to_queryable_ms": percentiles(latencies),
        "alert_to_first_notification_ms": percentiles(alert_ms),
        "consumer_lag_max": {name: max(samples) if samples else None for name, samples in lag_samples.items()},
        "consumer_lag_end": {name: samples[-1] if samples else None for name, samples in lag_samples.items()},
        "process_usage": usage,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=10_000)
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "loadtest.json")
    args = parser.parse_args()
    with temporary_workdir() as workdir:
        stack = Stack(workdir=workdir, service_env={"alert-intake": {"LOGMESH_INTAKE_TOKENS": DEMO_TOKEN}})
        print("starting the embedded stack ...", file=sys.stderr, flush=True)
        stack.start(progress=not args.json)
        try:
            result = asyncio.run(run(args, stack))
        finally:
            stack.stop()
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
