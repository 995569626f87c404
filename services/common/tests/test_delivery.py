"""Delivery rules of the shared consume path, on a real broker."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from logmesh_contracts import Feedback
from logmesh_contracts.topics import FEEDBACK
from logmesh_runtime.kafka import Delivery, TransientError
from logmesh_runtime.service import Service
from logmesh_runtime.settings import ServiceSettings
from logmesh_testing import read_topic, wait_for_messages
from logmesh_testing import wait_until as shared_wait_until

pytestmark = [pytest.mark.broker]


def feedback(event_id: str) -> Feedback:
    return Feedback(
        event_id=event_id,
        incident_id="inc-1",
        verdict="correct",
        given_by="tester",
        given_at=datetime(2026, 1, 1, tzinfo=UTC),
        channel="http",
    )


def settings(bootstrap: str, prefix: str, **overrides: object) -> ServiceSettings:
    values = {
        "service_name": "knowledge-storage",
        "kafka_bootstrap": bootstrap,
        "topic_prefix": prefix,
        "retry_backoff_s": 0.01,
        "shutdown_grace_s": 1.0,
        **overrides,
    }
    return ServiceSettings(**values)  # type: ignore[arg-type]


async def produce(service: Service, *values: bytes | Feedback) -> None:
    for value in values:
        await service.mesh.publish(FEEDBACK, value, key=b"inc-1")


wait_until = functools.partial(shared_wait_until, timeout_s=20.0)


async def test_malformed_messages_are_dead_lettered_and_the_next_one_is_processed(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    seen: list[str] = []

    async def handle(event: Feedback, _delivery: Delivery) -> None:
        seen.append(event.event_id)

    service = Service(settings(kafka_bootstrap, topic_prefix))
    service.mesh.consume(FEEDBACK, handle)
    async with service.running():
        await produce(
            service,
            b"{not json",
            json.dumps({"event_id": "x", "verdict": "maybe"}).encode(),
            b"\xff\xfe invalid utf-8",
            feedback("good-1"),
        )
        await wait_until(lambda: seen == ["good-1"])

    dead = await read_topic(kafka_bootstrap, topic_prefix + FEEDBACK.dead_letter)
    assert len(dead) == 3
    envelopes = [json.loads(r.value) for r in dead]
    assert [e["stage"] for e in envelopes] == ["decode", "validate", "decode"]
    assert "verdict" in envelopes[1]["reason"]
    assert envelopes[2]["payload_encoding"] == "base64"
    assert all(dict(r.headers)["x-dlq-reason"] for r in dead)


async def test_a_batch_decoder_dead_letters_what_it_rejects_and_a_failing_one_falls_back(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    """A batch decoder's exceptions are dead-lettered with their reason, the rest handled and committed; when
    the batch decoder itself raises, the poll is decoded message by message with the per-message decoder."""
    seen: list[str] = []
    polls: list[int] = []

    def decode_one(value: bytes, _delivery: Delivery) -> Feedback:
        return Feedback.model_validate_json(value)

    def decode_poll(deliveries: list[Delivery]) -> list[Feedback | Exception]:
        polls.append(len(deliveries))
        if any(d.value == b"breaks the batch decoder" for d in deliveries):
            raise RuntimeError("a bug in the batch decoder")
        results: list[Feedback | Exception] = []
        for delivery in deliveries:
            try:
                results.append(decode_one(delivery.value, delivery))
            except ValueError as exc:
                results.append(exc)
        return results

    async def handle(events: list[Feedback], _deliveries: list[Delivery]) -> None:
        seen.extend(event.event_id for event in events)

    service = Service(settings(kafka_bootstrap, topic_prefix))
    service.mesh.consume_batch(FEEDBACK, handle, decoder=decode_one, batch_decoder=decode_poll)
    async with service.running():
        await produce(service, feedback("good-1"), b"{not json", feedback("good-2"))
        await wait_until(lambda: seen == ["good-1", "good-2"])
        await produce(service, b"breaks the batch decoder", feedback("good-3"))
        await wait_until(lambda: seen == ["good-1", "good-2", "good-3"])

    assert polls  # the batch decoder was used
    dead = await read_topic(kafka_bootstrap, topic_prefix + FEEDBACK.dead_letter)
    envelopes = [json.loads(r.value) for r in dead]
    assert [e["payload"] for e in envelopes] == ["{not json", "breaks the batch decoder"]
    assert all(e["stage"] == "decode" and "Invalid JSON" in e["reason"] for e in envelopes), envelopes
    # nothing is redelivered after a restart: the offsets were committed past the dead letters
    again: list[str] = []

    async def handle_again(events: list[Feedback], _deliveries: list[Delivery]) -> None:
        again.extend(event.event_id for event in events)

    service = Service(settings(kafka_bootstrap, topic_prefix))
    service.mesh.consume_batch(FEEDBACK, handle_again, decoder=decode_one, batch_decoder=decode_poll)
    async with service.running():
        await produce(service, feedback("good-4"))
        await wait_until(lambda: again == ["good-4"])


async def test_a_poison_message_is_dead_lettered_after_bounded_attempts(kafka_bootstrap: str, topic_prefix: str) -> None:
    attempts: dict[str, int] = {}

    async def handle(event: Feedback, _delivery: Delivery) -> None:
        attempts[event.event_id] = attempts.get(event.event_id, 0) + 1
        if event.event_id == "poison":
            raise RuntimeError("cannot handle this one")

    service = Service(settings(kafka_bootstrap, topic_prefix, handler_max_attempts=3))
    service.mesh.consume(FEEDBACK, handle)
    async with service.running():
        await produce(service, feedback("poison"), feedback("after"))
        await wait_until(lambda: "after" in attempts)

    assert attempts == {"poison": 3, "after": 1}
    (dead,) = await read_topic(kafka_bootstrap, topic_prefix + FEEDBACK.dead_letter)
    envelope = json.loads(dead.value)
    assert envelope["stage"] == "process"
    assert envelope["attempts"] == 3
    assert "cannot handle this one" in envelope["reason"]


async def test_transient_errors_are_retried_and_never_dead_lettered(kafka_bootstrap: str, topic_prefix: str) -> None:
    calls = []

    async def handle(event: Feedback, _delivery: Delivery) -> None:
        calls.append(event.event_id)
        if len(calls) < 6:
            raise TransientError("database down")

    service = Service(settings(kafka_bootstrap, topic_prefix, handler_max_attempts=2))
    service.mesh.consume(FEEDBACK, handle)
    async with service.running():
        await produce(service, feedback("only"))
        await wait_until(lambda: len(calls) == 6)

    assert await read_topic(kafka_bootstrap, topic_prefix + FEEDBACK.dead_letter) == []


class IdempotentSink:
    """A durable outcome keyed by the message's natural id, as a real consumer keeps one."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS outcome (event_id TEXT PRIMARY KEY, verdict TEXT)")

    def write(self, event: Feedback) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO outcome VALUES (?, ?)", (event.event_id, event.verdict))

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM outcome").fetchone()[0]


async def test_crash_after_processing_before_commit_redelivers_without_duplicate_outcome(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    sink = IdempotentSink(tmp_path / "sink.db")
    processed: list[str] = []
    crash = asyncio.Event()

    async def handle_then_crash(event: Feedback, _delivery: Delivery) -> None:
        sink.write(event)
        processed.append(event.event_id)
        crash.set()
        await asyncio.Event().wait()  # dies here: the work is durable, the offset is not committed

    first = Service(settings(kafka_bootstrap, topic_prefix))
    first.mesh.consume(FEEDBACK, handle_then_crash)
    await first.start()
    await produce(first, feedback("once"))
    await asyncio.wait_for(crash.wait(), 20)
    await first.stop()  # handler never returned: no commit

    async def handle(event: Feedback, _delivery: Delivery) -> None:
        sink.write(event)
        processed.append(event.event_id)

    second = Service(settings(kafka_bootstrap, topic_prefix))
    second.mesh.consume(FEEDBACK, handle)
    async with second.running():
        await wait_until(lambda: len(processed) == 2)

    assert processed == ["once", "once"]  # delivered again after the crash
    assert sink.count() == 1  # and the outcome exists once


async def test_publish_waits_for_acknowledgement(kafka_bootstrap: str, topic_prefix: str) -> None:
    service = Service(settings(kafka_bootstrap, topic_prefix))
    async with service.running():
        sent = await service.mesh.publish_many(FEEDBACK, [(f"k{i}", feedback(f"e{i}")) for i in range(50)])
    assert sent == 50
    records = await wait_for_messages(kafka_bootstrap, topic_prefix + FEEDBACK.name, 50, timeout_s=5)
    assert {json.loads(r.value)["event_id"] for r in records} == {f"e{i}" for i in range(50)}


async def test_publish_many_keeps_per_key_order_in_the_partition_kafka_clients_pick(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    from aiokafka import AIOKafkaProducer

    topic = topic_prefix + FEEDBACK.name
    keys = [f"incident-{i}".encode() for i in range(12)]
    big = "x" * 40_000  # forces several record batches per partition (the producer's batches are 256 KiB)
    items = [(keys[i % 12], feedback(f"e{i}").model_copy(update={"comment": big}).model_dump_json().encode())
             for i in range(120)]
    service = Service(settings(kafka_bootstrap, topic_prefix))
    async with service.running():
        assert await service.mesh.publish_many(FEEDBACK, items) == 120
    records = await wait_for_messages(kafka_bootstrap, topic, 120, timeout_s=10)
    reference = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)  # aiokafka's own send() picks the partition
    await reference.start()
    try:
        expected = {key: (await (await reference.send(topic, b"", key=key))).partition for key in keys}
    finally:
        await reference.stop()
    by_key: dict[bytes, list[str]] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        assert record.partition == expected[record.key]
        by_key.setdefault(record.key, []).append(json.loads(record.value)["event_id"])
    assert by_key == {key: [f"e{i}" for i in range(120) if i % 12 == n] for n, key in enumerate(keys)}


async def test_small_polls_of_large_fetches_hand_out_each_record_once_in_order_and_commit_all(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    """The fetcher's deliveries handed out a few per poll (``max_records`` far below a fetched batch): every
    record once, in per-partition order, exact key/value/timestamp, and the group's offsets committed to the end."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    got: list[Delivery] = []
    wrong_positions: list[tuple[int, int, int]] = []

    async def handle(events: list[Feedback], deliveries: list[Delivery]) -> None:
        assert [e.event_id for e in events] == [json.loads(d.value)["event_id"] for d in deliveries]
        got.extend(deliveries)
        last = {d.partition: d.offset for d in deliveries}
        for consumer, tp in service.mesh.assignments():  # what ack() would commit: right after this poll's records
            if tp.partition in last and (position := await consumer.position(tp)) != last[tp.partition] + 1:
                wrong_positions.append((tp.partition, last[tp.partition], position))

    records = 1_500
    service = Service(settings(kafka_bootstrap, topic_prefix))
    service.mesh.consume_batch(FEEDBACK, handle, max_records=7)
    async with service.running():
        await service.mesh.publish_many(FEEDBACK, [(f"inc-{i % 5}", feedback(f"fb-{i}")) for i in range(records)])
        await wait_until(lambda: len(got) >= records)
        await asyncio.sleep(0.5)  # anything handed out twice would show up meanwhile
    assert len(got) == records and len({(d.partition, d.offset) for d in got}) == records
    assert wrong_positions == []
    by_partition: dict[int, list[Delivery]] = {}
    for delivery in got:
        by_partition.setdefault(delivery.partition, []).append(delivery)
    for deliveries in by_partition.values():
        assert [d.offset for d in deliveries] == list(range(len(deliveries)))  # a fresh topic: from 0, no gaps
        by_key: dict[bytes | None, list[int]] = {}
        for d in deliveries:
            by_key.setdefault(d.key, []).append(int(json.loads(d.value)["event_id"].removeprefix("fb-")))
        assert all(ids == sorted(ids) for ids in by_key.values())  # publish order per key
    assert {d.key for d in got} == {f"inc-{i}".encode() for i in range(5)}
    assert all(d.timestamp_ms > 1_700_000_000_000 and d.headers.get("x") is None for d in got)

    group = settings(kafka_bootstrap, topic_prefix).topic("knowledge-storage")
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        for partition, deliveries in by_partition.items():
            committed = await consumer.committed(TopicPartition(topic_prefix + FEEDBACK.name, partition))
            assert committed == deliveries[-1].offset + 1
    finally:
        await consumer.stop()


async def test_stop_is_bounded_and_names_where_a_stuck_step_waits(
    kafka_bootstrap: str, topic_prefix: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("logmesh_runtime.service.STOP_STEP_S", 0.3)
    closed: list[str] = []
    released = asyncio.Event()  # set at the end, so the loop can close after the test

    async def refuse_to_stop() -> None:  # swallows its cancellation, as buggy client code can
        while not released.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)

    async def stuck_loop() -> None:
        await refuse_to_stop()

    async def stuck_hook() -> None:
        await refuse_to_stop()

    async def close_store() -> None:
        closed.append("store")

    service = Service(settings(kafka_bootstrap, topic_prefix))
    service.mesh.consume(FEEDBACK, lambda _event, _delivery: asyncio.sleep(0))
    service.background(stuck_loop)
    service.on_shutdown(close_store)
    service.on_shutdown(stuck_hook)
    started = asyncio.get_running_loop().time()
    with caplog.at_level("ERROR", logger="logmesh_runtime.service"):
        async with service.running():
            pass
    assert asyncio.get_running_loop().time() - started < 10
    assert closed == ["store"]  # the hooks after a stuck one still ran
    stuck = [r.getMessage() for r in caplog.records if "did not stop in time" in r.getMessage()]
    assert len(stuck) == 2
    assert all("refuse_to_stop (test_delivery.py:" in message for message in stuck)
    assert any(message.startswith("background task stuck_loop") for message in stuck)
    assert any("shutdown hook" in message and "stuck_hook" in message for message in stuck)
    released.set()
