"""Deliver 3: two replicas of a service in one consumer group on real Kafka.

A second ingestion replica joins mid-stream and the first one later leaves (SIGTERM): every raw
record becomes exactly one normalised record on logs.records, and both replicas did part of the work.
The runtime lets the batch in hand finish and commit before partitions are handed over (before
that, each rebalance here redelivered about a hundred records, same ids, to the next owner).
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from logmesh_contracts.topics import LOGS_RAW, LOGS_RECORDS
from logmesh_devstack.stack import ServiceProcess, Stack, free_port
from logmesh_runtime.topic_admin import create_topics
from logmesh_testing import read_topic

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.timeout(400),
    pytest.mark.skipif(os.environ.get("LOGMESH_KAFKA_TIER") != "full",
                       reason="minutes long: runs in `make test-kafka` (LOGMESH_KAFKA_TIER=full)"),
]

RECORDS = 12_000


def processed(replica: ServiceProcess, topic: str) -> float:
    text = httpx.get(f"{replica.url}/metrics", timeout=10).text
    prefix = f'logmesh_messages_processed_total{{topic="{topic}"}} '
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


async def test_a_replica_joining_and_one_leaving_lose_nothing(kafka_cluster: Any, tmp_path: Path) -> None:
    prefix = f"rb{uuid.uuid4().hex[:6]}."
    await create_topics(kafka_cluster.bootstrap, prefix, partitions=6, replication_factor=3)
    stack = Stack(workdir=tmp_path, services=("ingestion",), broker_bootstrap=kafka_cluster.bootstrap,
                  topic_prefix=prefix)
    second: ServiceProcess | None = None
    try:
        await asyncio.to_thread(stack.start)
        first = stack.processes["ingestion"]
        producer = AIOKafkaProducer(bootstrap_servers=kafka_cluster.bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        raw_topic = prefix + LOGS_RAW.name
        try:
            for chunk in range(12):
                if chunk == 3:  # a second replica joins the group: partitions are split between the two
                    port = free_port()
                    second = ServiceProcess("ingestion", port, stack.env_for("ingestion", port),
                                            tmp_path / "logs" / "ingestion-2.log").start()
                    await asyncio.to_thread(second.wait_ready)
                if chunk == 8:  # the first leaves: the second takes every partition
                    processed_by_first = processed(first, raw_topic)
                    await asyncio.to_thread(first.stop)
                futures = [
                    await producer.send(raw_topic, json.dumps({
                        "org": "rebalance", "service": f"svc-{i % 6}", "message": f"line {i} ok",
                    }).encode(), key=f"svc-{i % 6}-{i % 12}".encode())
                    for i in range(chunk * 1000, (chunk + 1) * 1000)
                ]
                await asyncio.gather(*futures)
                await asyncio.sleep(1.0)
        finally:
            await producer.stop()

        ids: set[str] = set()
        records: list[Any] = []
        for _ in range(90):
            records = await read_topic(kafka_cluster.bootstrap, prefix + LOGS_RECORDS.name, timeout_s=20)
            ids = {json.loads(r.value)["event_id"] for r in records}
            if len(ids) >= RECORDS:
                break
            await asyncio.sleep(1.0)
        assert second is not None
        processed_by_second = processed(second, raw_topic)
    finally:
        if second is not None:
            await asyncio.to_thread(second.stop)
        await asyncio.to_thread(stack.stop)
    assert len(ids) == RECORDS, f"{RECORDS - len(ids)} records lost"
    messages = {json.loads(r.value)["message"] for r in records}
    assert messages == {f"line {i} ok" for i in range(RECORDS)}
    assert processed_by_first > 0 and processed_by_second > 0  # both replicas did part of the work
    by_id: dict[str, set[str]] = {}
    for record in records:
        body = json.loads(record.value)
        by_id.setdefault(body["event_id"], set()).add(body["message"])
    assert all(len(bodies) == 1 for bodies in by_id.values()), "a redelivered record changed identity"
    # partitions change hands only after the batch in hand is handled and committed: nothing twice
    assert len(records) == RECORDS, f"{len(records) - RECORDS} records handled twice"
