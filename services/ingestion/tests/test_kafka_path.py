"""The logs.raw path on a real broker: JSON and plain text in, logs.records out, garbage dead-lettered."""

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


async def test_raw_records_are_normalised_in_order_and_garbage_is_dead_lettered(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    raw_topic = topic_prefix + LOGS_RAW.name
    try:
        for i in range(20):  # one key -> one partition -> order must survive
            value = orjson.dumps({"org": "acme", "service": "api", "message": f"line {i}", "level": "err"})
            await producer.send_and_wait(raw_topic, value, key=b"acme/api")
        await producer.send_and_wait(
            raw_topic,
            b"\x1b[31mplain text line\x1b[0m\r\n",
            key=b"acme/web",
            headers=[("org", b"acme"), ("x-logmesh-service", b"web"), ("level", b"warning"),
                     ("namespace", b"shop"), ("pod", b"web-1")],
        )
        garbage = [
            b"{not json",
            b'{"org": "acme"}',  # no message
            b"plain text without an org header",
            b"\xff\xfe invalid utf-8",
            b'[{"org": "acme", "message": "array"}]',
            orjson.dumps({"org": "acme", "message": "bad time", "timestamp": "soon"}),
        ]
        for value in garbage:
            await producer.send_and_wait(raw_topic, value, key=b"junk")
    finally:
        await producer.stop()

    settings = make_settings(kafka_bootstrap, topic_prefix, consume_raw=True)
    async with running(settings) as client:
        out = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 21, timeout_s=30)
        dead = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RAW.dead_letter, len(garbage), timeout_s=30)
        stats = (await client.get("/stats")).json()

    records = [(r.key, LogRecord.model_validate_json(r.value)) for r in out]
    api = [rec for key, rec in records if key == b"acme/api"]
    assert [r.message for r in api] == [f"line {i}" for i in range(20)]
    assert {r.level for r in api} == {"ERROR"}
    (web,) = [rec for key, rec in records if key == b"acme/web"]
    assert web.message == "plain text line"
    assert (web.service, web.level, web.k8s.namespace, web.k8s.pod) == ("web", "WARN", "shop", "web-1")

    envelopes = [json.loads(r.value) for r in dead]
    reasons = " | ".join(e["reason"] for e in envelopes)
    for expected in ("invalid JSON", "message: required field missing", "org: required field missing",
                     "invalid UTF-8", "JSON array", "timestamp"):
        assert expected in reasons, (expected, reasons)
    assert all(dict(r.headers)["x-dlq-reason"] for r in dead)
    assert stats["kafka"]["accepted"] == 21 and stats["kafka"]["rejected"] == len(garbage)


async def test_redelivered_raw_messages_keep_their_record_ids(kafka_bootstrap: str, topic_prefix: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(3):
            await producer.send_and_wait(
                topic_prefix + LOGS_RAW.name, orjson.dumps({"org": "o", "message": f"m{i}"}), key=b"o/s"
            )
    finally:
        await producer.stop()
    # two consumer groups read the same messages: as a redelivery would, they must yield identical records
    outputs = []
    for group in ("ingestion", "ingestion-replay"):
        settings = make_settings(kafka_bootstrap, topic_prefix, consume_raw=True, service_name=group)
        async with running(settings):
            got = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 3 * (len(outputs) + 1))
        outputs.append(got)
    first = sorted(r.value for r in outputs[0])
    everything = sorted(r.value for r in outputs[1])
    assert everything == sorted(first * 2)  # byte-identical: same event_id, same received_at
