"""What a long-poll fetch costs the embedded broker (Tansu) while nothing flows, and how soon it answers
when a record arrives, per ``fetch_max_wait_ms``.

For each wait: ``--consumers`` idle consumers (no group, ``--partitions`` each; the mesh's topics have 3) fetch
from a fresh broker; the broker's CPU seconds per second and the fetches per second the consumers sent
are measured over ``--seconds``; then one record at a time is produced at a random moment and the time
until a consumer with that wait holds it is taken (``--samples`` records). A broker that answers a
waiting fetch as soon as data arrives shows the same latency at every wait.

    .venv/bin/python bench/tansu_fetch_wait.py [--waits 50,100,200,500,1000] [--out bench/results/tansu-fetch-wait.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from logmesh_devstack.stack import EmbeddedBroker

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def fetches_sent(consumer: AIOKafkaConsumer) -> int:
    """Fetch requests this consumer's client sent so far (aiokafka keeps no counter; the fetcher's
    routine is wrapped instead)."""
    return consumer._fetcher.fetches_sent  # type: ignore[attr-defined]


def count_fetches(consumer: AIOKafkaConsumer) -> None:
    fetcher = consumer._fetcher
    fetcher.fetches_sent = 0
    original = fetcher._proc_fetch_request

    async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        fetcher.fetches_sent += 1
        return await original(*args, **kwargs)

    fetcher._proc_fetch_request = counted


async def idle_cost(bootstrap: str, broker_pid: int, topics: list[str], partitions: int, wait_ms: int,
                    seconds: float) -> dict:
    consumers = []
    for topic in topics:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, fetch_max_wait_ms=wait_ms)
        await consumer.start()
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        count_fetches(consumer)
        consumers.append(consumer)
    pollers = [asyncio.create_task(_drain(c)) for c in consumers]
    await asyncio.sleep(2)  # positions resolved, fetching steadily
    before, sent_before, started = cpu_s(broker_pid), sum(map(fetches_sent, consumers)), time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - started
    broker = (cpu_s(broker_pid) - before) / elapsed
    fetches = (sum(map(fetches_sent, consumers)) - sent_before) / elapsed
    for poller in pollers:
        poller.cancel()
    for consumer in consumers:
        await consumer.stop()
    return {"broker_cpu_s_per_s": round(broker, 4), "fetches_per_s": round(fetches, 1),
            "broker_cpu_us_per_fetch": round(broker / fetches * 1e6, 1) if fetches else None}


async def _drain(consumer: AIOKafkaConsumer) -> None:
    while True:
        await consumer.getmany(timeout_ms=1000)


async def wake_latency(bootstrap: str, topic: str, wait_ms: int, samples: int) -> dict:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, fetch_max_wait_ms=wait_ms)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await consumer.start()
    await producer.start()
    consumer.assign([TopicPartition(topic, p) for p in range(3)])
    await consumer.seek_to_end()
    latencies = []
    try:
        await asyncio.sleep(1)
        for n in range(samples):
            await asyncio.sleep(random.uniform(0.05, 0.6))  # a random moment within the consumer's wait
            sent = time.perf_counter()
            await producer.send_and_wait(topic, b"x", partition=n % 3)
            got = await consumer.getmany(timeout_ms=wait_ms * 3 + 2000)
            if sum(map(len, got.values())) != 1:
                raise RuntimeError(f"expected the one record, got {got}")
            latencies.append((time.perf_counter() - sent) * 1000)
    finally:
        await consumer.stop()
        await producer.stop()
    latencies.sort()
    return {"produce_to_consumer_ms": {"p50": round(statistics.median(latencies), 1),
                                       "p90": round(latencies[int(0.9 * (len(latencies) - 1))], 1),
                                       "max": round(latencies[-1], 1)}}


async def main_async(waits: list[int], consumers: int, partitions: int, seconds: float, samples: int) -> dict:
    broker = EmbeddedBroker().start()
    assert broker.proc is not None
    try:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        topics = [f"idle-{n}" for n in range(consumers)]
        await admin.create_topics([NewTopic(t, partitions, 1) for t in topics] + [NewTopic("wake", 3, 1)])
        await admin.close()
        base_before = cpu_s(broker.proc.pid)
        await asyncio.sleep(seconds)
        results = [{"fetch_max_wait_ms": None, "broker_cpu_s_per_s": round((cpu_s(broker.proc.pid) - base_before)
                                                                             / seconds, 4)}]
        for wait_ms in waits:
            result = {"fetch_max_wait_ms": wait_ms,
                      **await idle_cost(broker.bootstrap, broker.proc.pid, topics, partitions, wait_ms, seconds),
                      **await wake_latency(broker.bootstrap, "wake", wait_ms, samples)}
            print(json.dumps(result), flush=True)
            results.append(result)
    finally:
        broker.stop()
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "broker": "tansu (embedded, memory)",
            "idle_consumers": consumers, "partitions_each": partitions, "seconds": seconds, "samples": samples,
            "load_average_at_end": os.getloadavg(), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--waits", default="50,100,200,500,1000")
    parser.add_argument("--consumers", type=int, default=10)
    parser.add_argument("--partitions", type=int, default=3, help="partitions each idle consumer fetches")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tansu-fetch-wait.json")
    args = parser.parse_args()
    result = asyncio.run(main_async([int(w) for w in args.waits.split(",")], args.consumers, args.partitions, args.seconds,
                                    args.samples))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
