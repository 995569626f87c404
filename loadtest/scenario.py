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
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kafka_producer import make_payloads, produce
from timeline import hooked_env, read_events, summarise

from logmesh_contracts.topics import LOGS_RAW, NOTIFICATIONS_SENT
from logmesh_devstack.demo import DEMO_TOKEN
from logmesh_devstack.stack import ServiceProcess, Stack, free_port, temporary_workdir

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


async def scrape(http: httpx.AsyncClient, url: str) -> tuple[int, int]:
    """(consumer lag, records stored) from a service's /metrics; -1 when it does not answer."""
    try:
        text = (await http.get(f"{url}/metrics")).text
    except httpx.HTTPError:
        return -1, -1
    lag = stored = 0
    for line in text.splitlines():
        if line.startswith("logmesh_consumer_lag{"):
            lag += int(float(line.rsplit(" ", 1)[1]))
        elif line.startswith("logmesh_records_stored "):
            stored = int(float(line.rsplit(" ", 1)[1]))
    return lag, stored


async def records_per_poll(http: httpx.AsyncClient, url: str, topic_suffix: str) -> float | None:
    """Mean records per handled poll of a topic (handled records / handler calls, from /metrics)."""
    handled = calls = 0.0
    for line in (await http.get(f"{url}/metrics")).text.splitlines():
        if topic_suffix + '"' not in line:
            continue
        if line.startswith("logmesh_messages_processed_total{"):
            handled += float(line.rsplit(" ", 1)[1])
        elif line.startswith("logmesh_handle_seconds_count{"):
            calls += float(line.rsplit(" ", 1)[1])
    return round(handled / calls, 1) if calls else None


async def count_rows(url: str, org: str) -> int:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(f"{url}/logs/count", params={"org": org})
        response.raise_for_status()
        return int(response.json()["rows"])


async def alert_latencies(stack: Stack, alerts: int, gap_s: float = 0.0) -> list[float]:
    """POST distinct alerts one at a time; time each until the first notification for a new incident.

    ``gap_s``: a random pause of up to that long before each alert. Without it each alert follows the previous
    notification at once, in step with the consumers' poll cycles, and every alert meets them at the same phase."""
    consumer = AIOKafkaConsumer(stack.topic_prefix + NOTIFICATIONS_SENT.name, bootstrap_servers=stack.bootstrap,
                                auto_offset_reset="latest", enable_auto_commit=False)
    await consumer.start()
    await asyncio.sleep(1)  # let the assignment settle so no notification is missed
    seen: set[str] = set()
    latencies: list[float] = []
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for i in range(alerts):
                await asyncio.sleep(random.uniform(0, gap_s))
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


PROFILED = ("ingestion", "template-matching")


def start_profilers(stack: Stack, folder: Path, native: bool = False) -> list[subprocess.Popen]:
    """py-spy on the record path's services while records flow: collapsed stacks (flamegraph input), with the
    native (Rust, C) frames under each Python one when ``native`` (py-spy then pauses the process for each
    sample, which slows it: read the shares, not the run's rates)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install -r loadtest/requirements.txt")
    folder.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen([spy, "record", "--format", "raw", "--rate", "250",
                          *(["--native"] if native else ["--nonblocking"]),  # native stacks need the process paused
                          "-o", str(folder / f"{name}.txt"), "-p", str(stack.processes[name].proc.pid)],
                         stdout=subprocess.DEVNULL, stderr=(folder / f"{name}.log").open("wb"))
        for name in PROFILED if name in stack.processes and stack.processes[name].proc
    ]


def stop_profilers(profilers: list[subprocess.Popen]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    for profiler in profilers:
        try:
            profiler.wait(30)
        except subprocess.TimeoutExpired:
            profiler.kill()


RECORD_PATH = ("ingestion", "template-matching")


def start_replicas(stack: Stack, count: int) -> dict[str, ServiceProcess]:
    """Extra template-matching replicas (same consumer group), each with its own embedded chDB path."""
    replicas = {}
    for n in range(2, count + 1):
        port = free_port()
        env = {**stack.env_for("template-matching", port), "LOGMESH_DATA_DIR": str(stack.workdir / f"data-{n}")}
        replicas[f"template-matching-{n}"] = ServiceProcess(
            "template-matching", port, env, stack.workdir / "logs" / f"template-matching-{n}.log").start()
    for replica in replicas.values():
        replica.wait_ready()
    return replicas


async def run(args: argparse.Namespace, stack: Stack) -> dict:
    org = "load"
    processes = {**stack.processes, **start_replicas(stack, args.tm_replicas)}
    stack.processes.update(processes)  # stopped with the stack
    replicas = [name for name in processes if name.startswith("template-matching")]
    payloads = make_payloads(args.records, org)  # encoded before the clock starts
    await wait_for_assignment(processes, replicas)
    broker_pid = stack.broker.proc.pid if stack.broker is not None and stack.broker.proc is not None else None
    idle = await idle_cpu(processes, broker_pid, args.idle_s) if args.idle_s > 0 else {}
    profilers = start_profilers(stack, args.profile, args.profile_native) if args.profile else []
    sampler = start_sampler(stack, processes, broker_pid, args.timeline) if args.timeline else None
    cpu_before = {name: process_usage(p.proc.pid).get("cpu_s", 0.0) for name, p in processes.items() if p.proc}
    broker_before = process_usage(broker_pid).get("cpu_s", 0.0) if broker_pid else 0.0
    started = time.perf_counter()
    started_monotonic = time.monotonic()
    producer_task = asyncio.create_task(produce(
        stack.bootstrap, stack.topic_prefix + LOGS_RAW.name, args.records, args.rate, org, progress=False,
        payloads=payloads))
    stored_at: list[tuple[float, int]] = []
    lag_samples: dict[str, list[int]] = {name: [] for name in processes}
    stored_by: dict[str, int] = {}
    deadline = time.monotonic() + args.timeout
    rows = tick = 0
    async with httpx.AsyncClient(timeout=5) as http:
        while time.monotonic() < deadline:
            # the record path every 100 ms through its /metrics gauges, the rest once a second: rendering
            # /metrics costs a service a few ms each time, which faster polling would add to its µs/record
            names = [n for n in processes if n in RECORD_PATH or n in replicas or tick % 10 == 0]
            tick += 1
            scraped = await asyncio.gather(*(scrape(http, processes[n].url) for n in names))
            for name, (lag, stored) in zip(names, scraped, strict=True):
                lag_samples[name].append(lag)
                if name in replicas:
                    stored_by[name] = stored
            stored = sum(stored_by.values())
            stored_at.append((time.perf_counter() - started, stored))
            if tick % 10 == 0:
                print(f"  stored rows {stored}/{args.records}", file=sys.stderr, flush=True)
            if stored >= args.records:  # inserts are synchronous: stored rows are queryable rows
                rows = sum([await count_rows(processes[n].url, org) for n in replicas])
                if rows >= args.records:
                    break
            await asyncio.sleep(0.1)
    elapsed = stored_at[-1][0] if stored_at else time.perf_counter() - started
    if sampler is not None:
        await asyncio.sleep(0.1)  # a sample after the end
    cpu_after = {name: process_usage(p.proc.pid).get("cpu_s", 0.0) for name, p in processes.items() if p.proc}
    broker_after = process_usage(broker_pid).get("cpu_s", 0.0) if broker_pid else 0.0
    stop_profilers(profilers)
    produced = await producer_task
    if sampler is not None:
        write_timeline(stack, sampler, args.timeline, started_monotonic, elapsed, produced["seconds"], stored_at)
    # ingest→queryable latency: when the k-th record became queryable minus when it was produced
    per_record = args.records / produced["seconds"] if produced["seconds"] else args.rate
    latencies = [max(0.0, (t - n / per_record) * 1000) for t, n in stored_at if n]
    same_templates = await templates_agree(processes, replicas) if len(replicas) > 1 else None
    alert_ms = await alert_latencies(stack, args.alerts, args.alert_gap_s)
    usage = {name: process_usage(p.proc.pid) for name, p in processes.items() if p.proc}
    async with httpx.AsyncClient(timeout=5) as http:
        per_poll = {name: await records_per_poll(http, processes[name].url, topic)
                    for name, topic in [("ingestion", "logs.raw"), *((n, "logs.records") for n in replicas)]
                    if name in processes}
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_end": os.getloadavg()},
        "broker": "tansu (embedded, memory)",
        "records": args.records,
        "target_rate": args.rate,
        "template_matching_replicas": len(replicas),
        "settings": args.set,
        "producer": produced,
        "queryable_rows": rows,
        "rows_by_replica": dict(stored_by),
        "replicas_hold_same_template_ids": same_templates,
        # each replica's CPU per record it stored itself (cpu_us_per_record divides by all rows)
        "cpu_us_per_own_record": {name: round((cpu_after[name] - cpu_before[name]) / n * 1e6, 1)
                                  for name, n in stored_by.items() if n > 0},
        "end_to_end_records_per_s": round(rows / elapsed, 1) if elapsed else 0.0,
        "ingest_to_queryable_ms": percentiles(latencies),
        "alert_to_first_notification_ms": percentiles(alert_ms),
        "records_per_poll": per_poll,
        "consumer_lag_max": {name: max(samples) if samples else None for name, samples in lag_samples.items()},
        "consumer_lag_end": {name: samples[-1] if samples else None for name, samples in lag_samples.items()},
        "process_usage": usage,
        # CPU each service spent from the first record produced to the last row stored, per record
        "cpu_us_per_record": {name: round((cpu_after[name] - cpu_before[name]) / max(rows, 1) * 1e6, 1)
                              for name in cpu_after},
        # the embedded broker's CPU over the same span (each record is written and read twice: logs.raw,
        # logs.records); None when the stack runs against an external broker
        "broker_cpu_us_per_record": round((broker_after - broker_before) / max(rows, 1) * 1e6, 1) if broker_pid else None,
        # CPU seconds per second with no records flowing (consumers' empty fetches, metrics): the part of the
        # figures above that is paid per second of the run, not per record
        "idle_cpu_s_per_s": idle,
        "run_seconds": round(elapsed, 2),
    }


TIMELINE_SERVICES = ("ingestion", "template-matching")


def start_sampler(stack: Stack, processes: dict[str, ServiceProcess], broker_pid: int | None,
                  out: Path) -> subprocess.Popen:
    """The timeline's CPU sampler (loadtest/timeline.py) on the broker, the services and this process (the producer)."""
    pids = {"producer": os.getpid(), **({"broker": broker_pid} if broker_pid else {}),
            **{name: p.proc.pid for name, p in processes.items() if p.proc}}
    sampler = subprocess.Popen([sys.executable, str(Path(__file__).with_name("timeline.py")), "sample",
                                str(stack.workdir / "timeline-samples.json"), "0.02",
                                *(f"{name}={pid}" for name, pid in pids.items())])
    time.sleep(0.3)  # a few samples before the first record
    return sampler


def write_timeline(stack: Stack, sampler: subprocess.Popen, out: Path, started: float, elapsed: float,
                   produced_s: float, stored_at: list[tuple[float, int]]) -> None:
    sampler.terminate()
    sampler.wait(30)
    samples = json.loads((stack.workdir / "timeline-samples.json").read_text())
    events = {name: read_events(stack.workdir / f"timeline-{name}.jsonl") for name in TIMELINE_SERVICES}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summarise(samples, events, started, started + elapsed, produced_s, stored_at),
                              indent=1) + "\n")


async def idle_cpu(processes: dict[str, ServiceProcess], broker_pid: int | None, seconds: float) -> dict[str, float]:
    """CPU seconds per second each process (and the broker) spends while no records flow."""
    pids = {name: p.proc.pid for name, p in processes.items() if p.proc}
    if broker_pid:
        pids["broker"] = broker_pid
    before = {name: process_usage(pid).get("cpu_s", 0.0) for name, pid in pids.items()}
    await asyncio.sleep(seconds)
    return {name: round((process_usage(pid).get("cpu_s", 0.0) - before[name]) / seconds, 3)
            for name, pid in pids.items()}


async def templates_agree(processes: dict[str, ServiceProcess], replicas: list[str], timeout_s: float = 30) -> dict:
    """Whether every replica ends with the same live template ids (registries converge via templates.events)."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=10) as http:
        while True:
            ids = []
            for name in replicas:
                response = await http.get(f"{processes[name].url}/templates", params={"limit": 1000})
                ids.append({t["template_id"] for t in response.json()["templates"] if t["live"]})
            if all(i == ids[0] for i in ids) or time.monotonic() > deadline:
                return {"same": all(i == ids[0] for i in ids), "templates": [len(i) for i in ids]}
            await asyncio.sleep(0.5)


async def wait_for_assignment(processes: dict[str, ServiceProcess], replicas: list[str], timeout_s: float = 60) -> None:
    """Every template-matching replica owns partitions before the clock starts (no rebalance mid-run)."""
    if len(replicas) < 2:
        return
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=5) as http:
        while time.monotonic() < deadline:
            texts = [(await http.get(f"{processes[n].url}/metrics")).text for n in replicas]
            if all(any(line.startswith("logmesh_consumer_lag{") and 'logs.records"' in line
                       for line in text.splitlines()) for text in texts):
                return
            await asyncio.sleep(0.5)
    print("  warning: not every replica reported a logs.records assignment", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=10_000)
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--alert-gap-s", type=float, default=0.0,
                        help="random pause of up to this long before each alert (0: each follows the last at once)")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--set", action="append", default=[], metavar="SERVICE:NAME=VALUE",
                        help="environment for one service (repeatable), for A/B runs of a setting")
    parser.add_argument("--tm-replicas", type=int, default=1, help="template-matching replicas (same group)")
    parser.add_argument("--idle-s", type=float, default=3.0,
                        help="seconds of idle CPU measured before the first record (0: skip)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", type=Path, help="py-spy the record path's services into this folder")
    parser.add_argument("--profile-native", action="store_true", help="with --profile: native frames too")
    parser.add_argument("--timeline", type=Path,
                        help="write the run's timeline here: CPU per process every 20 ms, each record-path poll's steps "
                             "(loadtest/timeline.py; the sampler takes a little CPU itself)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "loadtest.json")
    args = parser.parse_args()
    with temporary_workdir() as workdir:
        service_env: dict[str, dict[str, str]] = {"alert-intake": {"LOGMESH_INTAKE_TOKENS": DEMO_TOKEN}}
        for setting in args.set:  # SERVICE:NAME=VALUE, e.g. template-matching:LOGMESH_INSERT_LINGER_MS=100
            service, _, assignment = setting.partition(":")
            name, _, value = assignment.partition("=")
            if not (service and name and _):
                raise SystemExit(f"--set {setting!r}: expected SERVICE:NAME=VALUE")
            service_env.setdefault(service, {})[name] = value
        if args.timeline:
            for service in TIMELINE_SERVICES:
                service_env.setdefault(service, {}).update(hooked_env(workdir / f"timeline-{service}.jsonl"))
        stack = Stack(workdir=workdir, service_env=service_env)
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
