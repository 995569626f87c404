"""A record whose decode raises something other than ValueError is dead-lettered, never skipped."""

from __future__ import annotations

import json

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from logmesh_contracts import LogRecord
from logmesh_contracts.topics import LOGS_RAW, LOGS_RECORDS
from logmesh_testing import wait_for_messages

from .support import make_settings, running

pytestmark = [pytest.mark.broker]


def nested(depth: int) -> str:
    """Metadata nested deeper than orjson's 254 levels: its encoder raises TypeError, not ValueError."""
    return '{"a":' * depth + "1" + "}" * depth


async def test_twenty_good_and_one_deeply_nested_record_lose_nothing(kafka_bootstrap: str, topic_prefix: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    raw_topic = topic_prefix + LOGS_RAW.name
    try:
        for i in range(10):
            await producer.send_and_wait(raw_topic, orjson.dumps({"org": "acme", "message": f"good {i}"}), key=b"k")
        poison = ('{"org": "acme", "message": "poison", "metadata": ' + nested(300) + "}").encode()
        await producer.send_and_wait(raw_topic, poison, key=b"k")
        for i in range(10, 20):
            await producer.send_and_wait(raw_topic, orjson.dumps({"org": "acme", "message": f"good {i}"}), key=b"k")
    finally:
        await producer.stop()

    async with running(make_settings(kafka_bootstrap, topic_prefix, consume_raw=True)):
        out = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 20, timeout_s=30)
        dead = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RAW.dead_letter, 1, timeout_s=30)

    messages = sorted(LogRecord.model_validate_json(r.value).message for r in out)
    assert messages == sorted(f"good {i}" for i in range(20))
    (envelope,) = [json.loads(r.value) for r in dead]
    assert envelope["stage"] == "decode" and envelope["reason"]
