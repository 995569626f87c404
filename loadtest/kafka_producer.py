"""Kafka load generator: publishes JSON log records to `logs.raw` at a target rate, bounded.

    .venv/bin/python loadtest/kafka_producer.py --bootstrap 127.0.0.1:9092 --rate 20000 --seconds 30
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

MESSAGES = (
    "GET /api/items/{n} 200 in {ms}ms",
    "user {n} logged in from 10.0.{a}.{b}",
    "cache miss for key item:{n}",
    "payment {n} failed: upstream timeout after {ms}ms",
    "worker {a} processed job {n} in {ms}ms",
)


def make_record(i: int, rng: random.Random, org: str) -> bytes:
    template = MESSAGES[i % len(MESSAGES)]
    return json.dumps({
        "org": org,
        "service": f"svc-{i % 8}",
        "level": "ERROR" if "failed" in template else "INFO",
        "message": template.format(n=rng.randint(1, 10**6), ms=rng.randint(1, 999), a=rng.randint(0, 255),
                                   b=rng.randint(0, 255)),
        "timestamp": datetime.now(UTC).isoformat(),
        "namespace": "load",
        "pod": f"svc-{i % 8}-abc12",
    }).encode()


async def produce(bootstrap: str, topic: str, total: int, rate: float, org: str, progress: bool = True) -> dict:
    """Publish ``total`` records at about ``rate``/s with acks=all; return what was acknowledged."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=256 * 1024)
    await producer.start()
    rng = random.Random(42)
    started = time.perf_counter()
    sent = 0
    try:
        pending = []
        for i in range(total):
            pending.append(await producer.send(topic, make_record(i, rng, org), key=f"{org}/svc-{i % 8}".encode()))
            sent += 1
            if len(pending) >= 1000:
                await asyncio.gather(*pending)
                pending.clear()
                ahead = sent / rate - (time.perf_counter() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
                if progress and sent % 10000 == 0:
                    print(f"  produced {sent}/{total}", file=sys.stderr, flush=True)
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    elapsed = time.perf_counter() - started
    return {"records": sent, "seconds": elapsed, "records_per_s": sent / elapsed if elapsed else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--topic", default="logs.raw")
    parser.add_argument("--rate", type=float, default=10000)
    parser.add_argument("--seconds", type=float, default=10, help="bounded run length")
    parser.add_argument("--org", default="load")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(produce(args.bootstrap, args.topic, int(args.rate * args.seconds), args.rate, args.org))
    print(json.dumps(result) if args.json else f"{result['records']} records in {result['seconds']:.1f}s "
          f"({result['records_per_s']:.0f}/s)")


if __name__ == "__main__":
    main()
