"""TopicReplica on a real broker (Tansu): replay to the end offsets, readiness, then follow."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from logmesh_runtime.replay import TopicReplica
from logmesh_testing import wait_until

pytestmark = [pytest.mark.broker]


async def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for i, value in enumerate(values):
            await producer.send_and_wait(topic, value, key=str(i % 3).encode())
    finally:
        await producer.stop()


async def test_a_replica_replays_to_the_end_then_follows(kafka_bootstrap: str, topic_prefix: str) -> None:
    topic = topic_prefix + "feedback"  # created with three partitions by the fixture
    await produce(kafka_bootstrap, topic, [f"before-{i}".encode() for i in range(30)])
    seen: list[bytes] = []

    async def apply(records: list[Any]) -> None:
        seen.extend(r.value for r in records)

    replica = TopicReplica(kafka_bootstrap, topic, apply, client_id="replica-test")
    assert not replica.ready.is_set()
    assert await replica.catch_up(timeout_s=30)
    assert replica.ready.is_set()
    assert sorted(seen) == sorted(f"before-{i}".encode() for i in range(30))  # all of it, before ready
    follower = asyncio.create_task(replica.follow())
    try:
        await produce(kafka_bootstrap, topic, [b"after-1", b"after-2"])
        await wait_until(lambda: {b"after-1", b"after-2"} <= set(seen), timeout_s=20, what="records published after ready")
        assert replica.records_read == 32
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
        await replica.close()


async def test_a_missing_topic_is_ready_at_once_and_run_survives_a_failing_apply(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    async def nothing(_records: list[Any]) -> None:
        raise AssertionError("no records expected")

    empty = TopicReplica(kafka_bootstrap, topic_prefix + "no-such-topic", nothing, client_id="replica-test")
    assert await empty.catch_up(timeout_s=10) and empty.ready.is_set()
    await empty.close()

    topic = topic_prefix + "feedback"
    await produce(kafka_bootstrap, topic, [b"one", b"two"])
    calls = 0
    applied: list[bytes] = []

    async def flaky(records: list[Any]) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("store hiccup")
        applied.extend(r.value for r in records)

    replica = TopicReplica(kafka_bootstrap, topic, flaky, client_id="replica-test", backoff_s=0.01, backoff_max_s=0.05)
    runner = asyncio.create_task(replica.run(timeout_s=10))
    try:
        await wait_until(lambda: replica.ready.is_set() and {b"one", b"two"} <= set(applied), timeout_s=20,
                         what="a replay after the failed apply")
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await replica.close()


def test_the_topic_init_job_creates_every_topic_idempotently(
    kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from logmesh_contracts.topics import all_topic_names
    from logmesh_runtime.topic_admin import main

    prefix = "init-job."
    assert main(["--bootstrap", kafka_bootstrap, "--prefix", prefix, "--json", "--retries", "3"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert sorted(first["created"]) == sorted(prefix + name for name in all_topic_names())
    assert main(["--bootstrap", kafka_bootstrap, "--prefix", prefix, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] == []
