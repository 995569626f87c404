"""Reading topics from tests, on a real broker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition


async def read_topic(bootstrap: str, topic: str, timeout_s: float = 2.0) -> list[Any]:
    """Every record currently on ``topic`` (all partitions, from the start), without a group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = True
            for tp in tps:
                if await consumer.position(tp) < ends[tp]:
                    done = False
            if done:
                break
            batch = await consumer.getmany(timeout_ms=200)
            for items in batch.values():
                records.extend(items)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def wait_for_messages(
    bootstrap: str,
    topic: str,
    count: int,
    timeout_s: float = 30.0,
    where: Callable[[Any], bool] | None = None,
) -> list[Any]:
    """Poll ``topic`` until at least ``count`` records (matching ``where``) are there."""
    deadline = time.monotonic() + timeout_s
    records: list[Any] = []
    while time.monotonic() < deadline:
        records = [r for r in await read_topic(bootstrap, topic) if where is None or where(r)]
        if len(records) >= count:
            return records
        await asyncio.sleep(0.3)
    raise AssertionError(f"expected {count} record(s) on {topic}, found {len(records)} after {timeout_s}s")
