"""Kafka load generator: publishes JSON log records to `logs.raw` at a target rate, bounded.

    .venv/bin/python loadtest/kafka_producer.py --bootstrap 127.0.0.1:9092 --rate 200000 --seconds 5

Built so that the mesh, not the generator, is what a load test measures: every payload is encoded
before the clock starts, and records go out as whole record batches (aiokafka's ``create_batch`` /
``send_batch``, one batch per partition in flight) spread over every partition of the topic, with
``acks=all``. ``--self-test N`` measures the generator's own ceiling against an embedded broker:

    .venv/bin/python loadtest/kafka_producer.py --self-test 200000 --rate 1e9 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

MESSAGES = (
    "GET /api/items/{n} 200 in {ms}ms",
    "user {n} logged in from 10.0.{a}.{b}",
    "cache miss for key item:{n}",
    "payment {n} failed: upstream timeout after {ms}ms",
    "worker {a} processed job {n} in {ms}ms",
)
SERVICES = 8
BATCH_BYTES = 512 * 1024
_PARTITIONER = DefaultPartitioner()


def make_record(i: int, rng: random.Random, org: str, timestamp: str | None = None) -> bytes:
    template = MESSAGES[i % len(MESSAGES)]
    return json.dumps({
        "org": org,
        "service": f"svc-{i % SERVICES}",
        "level": "ERROR" if "failed" in template else "INFO",
        "message": template.format(n=rng.randint(1, 10**6), ms=rng.randint(1, 999), a=rng.randint(0, 255),
                                   b=rng.randint(0, 255)),
        "timestamp": timestamp or datetime.now(UTC).isoformat(),
        "namespace": "load",
        "pod": f"svc-{i % SERVICES}-abc12",
    }).encode()


def make_payloads(total: int, org: str, seed: int = 42) -> list[bytes]:
    """Every record, encoded up front (distinct messages: the template engine sees unique lines)."""
    rng = random.Random(seed)
    now = datetime.now(UTC).isoformat()
    return [make_record(i, rng, org, now) for i in range(total)]


async def produce(
    bootstrap: str, topic: str, total: int, rate: float, org: str, progress: bool = True,
    payloads: list[bytes] | None = None,
) -> dict:
    """Publish ``total`` records at about ``rate``/s with acks=all; return what was acknowledged.

    Records are keyed by service (``org/svc-N``) and land in the partition the key hashes to, as
    any Kafka client's default partitioner would place them, so per-service order holds.
    """
    payloads = payloads if payloads is not None else make_payloads(total, org)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0, max_batch_size=BATCH_BYTES,
                                max_request_size=4 * BATCH_BYTES, enable_idempotence=False)
    await producer.start()
    try:
        partitions = sorted(await producer.partitions_for(topic))
        keys = [f"{org}/svc-{s}".encode() for s in range(SERVICES)]
        key_partition = {key: _PARTITIONER(key, partitions, partitions) for key in keys}
        started = time.perf_counter()
        futures: list[asyncio.Future] = []
        builders: dict[int, object] = {p: producer.create_batch() for p in partitions}
        step = max(1000, int(rate / 100))  # pace in ~10 ms slices
        sent = 0
        next_progress = 10_000
        while sent < total:
            end = min(total, sent + step)
            for i in range(sent, end):
                key = keys[i % SERVICES]
                partition = key_partition[key]
                builder = builders[partition]
                if builder.append(key=key, value=payloads[i], timestamp=None, headers=[]) is None:  # full
                    builder.close()
                    futures.append(await producer.send_batch(builder, topic, partition=partition))
                    builder = builders[partition] = producer.create_batch()
                    builder.append(key=key, value=payloads[i], timestamp=None, headers=[])
            sent = end
            for partition, builder in list(builders.items()):  # flush the slice: pacing stays honest
                if builder.record_count():
                    builder.close()
                    futures.append(await producer.send_batch(builder, topic, partition=partition))
                    builders[partition] = producer.create_batch()
            ahead = sent / rate - (time.perf_counter() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
            if progress and sent >= next_progress:
                print(f"  produced {sent}/{total}", file=sys.stderr, flush=True)
                next_progress += 10_000
        await asyncio.gather(*futures)
        elapsed = time.perf_counter() - started
    finally:
        await producer.stop()
    return {"records": sent, "seconds": elapsed, "records_per_s": sent / elapsed if elapsed else 0.0,
            "partitions": len(partitions), "batches": len(futures)}


async def self_test(total: int, rate: float, org: str) -> dict:
    """The generator's own ceiling: an embedded Tansu broker, nothing consuming, every record acknowledged
    and counted back from the partitions' end offsets."""
    from aiokafka import AIOKafkaConsumer

    from logmesh_devstack.stack import EmbeddedBroker, create_topics

    broker = EmbeddedBroker().start()
    try:
        await create_topics(broker.bootstrap)
        payloads = make_payloads(total, org)
        cpu = time.process_time()
        result = await produce(broker.bootstrap, "logs.raw", total, rate, org, progress=False, payloads=payloads)
        result["cpu_us_per_record"] = round((time.process_time() - cpu) / total * 1e6, 2)
        # counted by reading them back (Tansu's end offsets run behind the records it holds)
        consumer = AIOKafkaConsumer("logs.raw", bootstrap_servers=broker.bootstrap, group_id=None,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        positions: set[tuple[int, int]] = set()
        try:
            idle = 0
            while len(positions) < total and idle < 10:
                batch = await consumer.getmany(timeout_ms=500, max_records=50_000)
                idle = 0 if batch else idle + 1
                positions.update((r.partition, r.offset) for records in batch.values() for r in records)
        finally:
            await consumer.stop()
        result["records_on_broker"] = len(positions)
        return result
    finally:
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--topic", default="logs.raw")
    parser.add_argument("--rate", type=float, default=10000)
    parser.add_argument("--seconds", type=float, default=10, help="bounded run length")
    parser.add_argument("--org", default="load")
    parser.add_argument("--self-test", type=int, metavar="RECORDS",
                        help="measure the generator alone against an embedded broker (--rate caps it)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        result = asyncio.run(self_test(args.self_test, args.rate, args.org))
    else:
        result = asyncio.run(produce(args.bootstrap, args.topic, int(args.rate * args.seconds), args.rate, args.org,
                                     progress=not args.json))
    print(json.dumps(result) if args.json else f"{result['records']} records in {result['seconds']:.2f}s "
          f"({result['records_per_s']:.0f}/s) over {result['partitions']} partitions")


if __name__ == "__main__":
    main()
