"""Which fetch sizes the embedded broker (Tansu) answers: a backlog of scenario records on ``logs.raw``,
read back by a fresh aiokafka consumer per (max_partition_fetch_bytes, fetch_min_bytes) pair.

template-matching asks for full polls (``insert_fill_bytes`` -> ``fetch_min_bytes``); this pins the
broker's limit that setting must stay under (Tansu 0.6 never answers a fetch whose min bytes exceed
~5 MiB, whatever the backlog) and that 4 MiB per partition is served.

    .venv/bin/python bench/tansu_fetch_min_bytes.py [--records 100000] [--out bench/results/tansu-fetch-min-bytes.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "loadtest"))

from aiokafka import AIOKafkaConsumer  # noqa: E402
from kafka_producer import make_payloads, produce  # noqa: E402

from logmesh_devstack.stack import EmbeddedBroker, create_topics  # noqa: E402

MIB = 1 << 20
PAIRS = [(1 * MIB, 1), (4 * MIB, 1), (4 * MIB, 4 * MIB), (1 * MIB, 4 * MIB), (4 * MIB, 5 * MIB), (4 * MIB, 6 * MIB),
         (16 * MIB, 8 * MIB)]


async def read_back(bootstrap: str, partition_bytes: int, min_bytes: int, total: int, limit_s: float) -> dict:
    consumer = AIOKafkaConsumer("logs.raw", bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                                max_partition_fetch_bytes=partition_bytes, fetch_min_bytes=min_bytes,
                                fetch_max_wait_ms=200)
    await consumer.start()
    got, polls, started = 0, [], time.monotonic()
    try:
        while got < total and time.monotonic() - started < limit_s:
            batch = await consumer.getmany(timeout_ms=1000, max_records=20_000)
            count = sum(len(records) for records in batch.values())
            got += count
            if count:
                polls.append(count)
    finally:
        await consumer.stop()
    return {"max_partition_fetch_bytes": partition_bytes, "fetch_min_bytes": min_bytes, "records_read": got,
            "polls": len(polls), "largest_poll": max(polls, default=0), "answered": got == total}


async def main_async(records: int) -> dict:
    broker = EmbeddedBroker().start()
    try:
        await create_topics(broker.bootstrap)
        await produce(broker.bootstrap, "logs.raw", records, 200_000, "load", progress=False,
                      payloads=make_payloads(records, "load"))
        results = []
        for partition_bytes, min_bytes in PAIRS:
            result = await read_back(broker.bootstrap, partition_bytes, min_bytes, records, limit_s=20)
            print(json.dumps(result), file=sys.stderr, flush=True)
            results.append(result)
    finally:
        broker.stop()
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "broker": "tansu (embedded, memory)",
            "backlog_records": records, "fetch_max_wait_ms": 200, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tansu-fetch-min-bytes.json")
    args = parser.parse_args()
    result = asyncio.run(main_async(args.records))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
