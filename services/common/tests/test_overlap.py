"""Overlapped batch handlers (``consume_batch(overlap=True)``) on a real broker: a poll's durable rest runs while
the next poll is handled, and no offset is committed before the work it stands for is durable, in poll order."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from logmesh_contracts import Feedback
from logmesh_contracts.topics import FEEDBACK, LOGS_RAW
from logmesh_runtime import kafka
from logmesh_runtime.kafka import Delivery
from logmesh_runtime.service import Service
from logmesh_testing import wait_until as shared_wait_until

from .test_delivery import IdempotentSink, feedback, settings

pytestmark = [pytest.mark.broker]

wait_until = functools.partial(shared_wait_until, timeout_s=30.0)
RECORDS = 120
POLL = 10  # max_records: a dozen polls or more


class Ledger:
    """What the test's consumer made durable, and the group's committed offsets checked against it.

    ``violations`` collects every moment at which a committed offset covered a record that was not durable yet,
    or a poll's rest started before every earlier poll was durable (commits and stores out of poll order).
    """

    def __init__(self, bootstrap: str, topic: str, group: str) -> None:
        self.observer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        self.topic = topic
        self.durable: set[tuple[int, int]] = set()
        self.polls: list[set[tuple[int, int]]] = []  # every prepared poll's records, in the order prepared
        self.violations: list[str] = []
        self.rests_running = 0
        self.overlapped = 0  # polls prepared while an earlier poll's rest had not finished

    async def committed(self) -> dict[int, int]:
        offsets = {}
        for partition in range(3):
            offset = await self.observer.committed(TopicPartition(self.topic, partition))
            if offset is not None:
                offsets[partition] = offset
        return offsets

    async def check(self, moment: str) -> None:
        for partition, offset in (await self.committed()).items():
            early = [o for o in range(offset) if (partition, o) not in self.durable]
            if early:
                self.violations.append(f"{moment}: partition {partition} committed to {offset}, {early} not durable")

    def prepared(self, deliveries: list[Delivery]) -> int:
        if self.rests_running:
            self.overlapped += 1
        records = {(d.partition, d.offset) for d in deliveries}
        self.polls.append(records)
        return self.polls.index(records)  # a poll handled again keeps its place in the order polls were taken

    def rest_starts(self, poll: int) -> None:
        earlier = set().union(*self.polls[:poll])
        if not earlier <= self.durable:
            self.violations.append(f"poll {poll}'s rest started before {sorted(earlier - self.durable)} were durable")


async def test_overlapped_polls_commit_only_durable_work_in_poll_order(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    """The next poll is prepared while the previous one's rest runs, and at every step (each prepare, each rest
    before and after it stores) the committed offsets cover only durable records; all committed at the end."""
    config = settings(kafka_bootstrap, topic_prefix)
    ledger = Ledger(kafka_bootstrap, topic_prefix + FEEDBACK.name, config.topic("knowledge-storage"))
    sink = IdempotentSink(tmp_path / "sink.db")

    async def prepare(events: list[Feedback], deliveries: list[Delivery]) -> Awaitable[None]:
        poll = ledger.prepared(deliveries)
        await ledger.check(f"prepare of poll {poll}")
        ledger.rests_running += 1

        async def rest() -> None:
            ledger.rest_starts(poll)
            await asyncio.sleep(0.05)  # an insert: slow enough for the next poll to be fetched meanwhile
            await ledger.check(f"rest of poll {poll}")
            for event in events:
                sink.write(event)
            ledger.durable.update((d.partition, d.offset) for d in deliveries)
            ledger.rests_running -= 1

        return rest()

    service = Service(config)
    service.mesh.consume_batch(FEEDBACK, prepare, max_records=POLL, overlap=True)
    await ledger.observer.start()
    try:
        async with service.running():
            await service.mesh.publish_many(FEEDBACK, [(f"inc-{i % 5}", feedback(f"fb-{i}")) for i in range(RECORDS)])
            await wait_until(lambda: len(ledger.durable) == RECORDS)
            await ledger.check("after the last rest")
        committed = await ledger.committed()
    finally:
        await ledger.observer.stop()
    assert ledger.violations == []
    assert ledger.overlapped > 0  # the overlap happened: some poll was prepared while a rest was running
    ends: dict[int, int] = {}
    for partition, offset in ledger.durable:
        ends[partition] = max(ends.get(partition, 0), offset + 1)
    assert committed == ends  # the last poll too: committed once its rest finished
    assert sink.count() == RECORDS


async def test_a_failing_rest_is_handled_again_before_any_later_poll_commits(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    """One poll's insert fails once: nothing of it or of a later poll is committed before it is handled again
    (the plain way: prepare and rest awaited together) and stored; every record stored once."""
    config = settings(kafka_bootstrap, topic_prefix)
    ledger = Ledger(kafka_bootstrap, topic_prefix + FEEDBACK.name, config.topic("knowledge-storage"))
    sink = IdempotentSink(tmp_path / "sink.db")
    failed: list[int] = []
    rests: list[int] = []

    async def prepare(events: list[Feedback], deliveries: list[Delivery]) -> Awaitable[None]:
        poll = ledger.prepared(deliveries)
        await ledger.check(f"prepare of poll {poll}")

        async def rest() -> None:
            ledger.rest_starts(poll)
            rests.append(poll)
            await asyncio.sleep(0.02)
            if poll == 2 and not failed:
                failed.append(poll)
                raise RuntimeError("insert failed")
            await ledger.check(f"rest of poll {poll}")
            for event in events:
                sink.write(event)
            ledger.durable.update((d.partition, d.offset) for d in deliveries)

        return rest()

    service = Service(config)
    service.mesh.consume_batch(FEEDBACK, prepare, max_records=POLL, overlap=True)
    await ledger.observer.start()
    try:
        async with service.running():
            await service.mesh.publish_many(FEEDBACK, [(f"inc-{i % 5}", feedback(f"fb-{i}")) for i in range(RECORDS)])
            await wait_until(lambda: len(ledger.durable) == RECORDS)
            await ledger.check("after the last rest")
    finally:
        await ledger.observer.stop()
    assert failed == [2]
    assert ledger.violations == []
    assert rests[rests.index(2) + 1] == 2  # handled again: the very next rest to run, before poll 3's
    assert ledger.polls.count(ledger.polls[2]) == 2
    assert sink.count() == RECORDS


async def test_a_hanging_rest_commits_nothing_after_it_and_a_restart_stores_each_record_once(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    """A poll's insert hangs and the service stops (the grace period runs out): that poll and everything after
    it stay uncommitted; the next consumer gets them again and the idempotent store holds every record once,
    the abandoned insert finishing late included."""
    config = settings(kafka_bootstrap, topic_prefix)
    ledger = Ledger(kafka_bootstrap, topic_prefix + FEEDBACK.name, config.topic("knowledge-storage"))
    sink = IdempotentSink(tmp_path / "sink.db")
    handled: list[str] = []
    unblock = asyncio.Event()
    hanging: list[set[tuple[int, int]]] = []

    async def prepare(events: list[Feedback], deliveries: list[Delivery]) -> Awaitable[None]:
        poll = ledger.prepared(deliveries)
        handled.extend(e.event_id for e in events)

        async def rest() -> None:
            if poll == 1 and not hanging:  # the first consumer's; the redelivered copy goes through
                hanging.append(ledger.polls[poll])
                await unblock.wait()  # the insert hangs until long after the service stopped
            for event in events:
                sink.write(event)
            ledger.durable.update((d.partition, d.offset) for d in deliveries)

        return rest()

    first = Service(config)
    first.mesh.consume_batch(FEEDBACK, prepare, max_records=POLL, overlap=True)
    await ledger.observer.start()
    try:
        async with first.running():
            await first.mesh.publish_many(FEEDBACK, [(f"inc-{i % 5}", feedback(f"fb-{i}")) for i in range(RECORDS)])
            await wait_until(lambda: len(ledger.polls) >= 3)  # poll 2 prepared, then waits for poll 1's rest
            await asyncio.sleep(0.3)
            assert len(ledger.polls) == 3  # nothing further is taken while a rest is outstanding
        await ledger.check("after the stop")
        committed = await ledger.committed()
        for partition, offset in hanging[0]:
            assert committed.get(partition, 0) <= offset  # the hanging poll: not committed

        second = Service(config)
        second.mesh.consume_batch(FEEDBACK, prepare, max_records=POLL, overlap=True)
        async with second.running():
            await wait_until(lambda: len(ledger.durable) == RECORDS - len(hanging[0]) or sink.count() == RECORDS)
            unblock.set()  # the abandoned insert completes late: idempotent, and it commits nothing
            await wait_until(lambda: sink.count() == RECORDS and len(ledger.durable) == RECORDS)
            await ledger.check("after the restart")
    finally:
        unblock.set()
        await ledger.observer.stop()
    assert ledger.violations == []
    assert len(handled) > RECORDS  # polls 1 and 2 were delivered again
    assert sorted(set(handled)) == sorted(f"fb-{i}" for i in range(RECORDS))
    assert sink.count() == RECORDS


@pytest.mark.slow
async def test_a_rebalance_lets_the_pending_rest_finish_and_commits_it_before_the_partitions_move(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second member joins while the first member's rest is outstanding: the revocation waits for it (within
    the grace period) and commits it, so the new owner does not handle that poll again."""
    config = settings(kafka_bootstrap, topic_prefix, shutdown_grace_s=15.0)
    ledger = Ledger(kafka_bootstrap, topic_prefix + FEEDBACK.name, config.topic("knowledge-storage"))
    sink = IdempotentSink(tmp_path / "sink.db")
    gate = asyncio.Event()
    handled: list[str] = []
    gated: list[set[tuple[int, int]]] = []
    revoking = asyncio.Event()
    listener = kafka._FinishBeforeRevoke
    finish_first = listener.on_partitions_revoked

    async def on_partitions_revoked(self: kafka._FinishBeforeRevoke, revoked: Any) -> None:
        if revoked:  # a member's first join calls the listener too, with nothing to revoke
            revoking.set()
        await finish_first(self, revoked)

    monkeypatch.setattr(listener, "on_partitions_revoked", on_partitions_revoked)

    async def prepare(events: list[Feedback], deliveries: list[Delivery]) -> Awaitable[None]:
        poll = ledger.prepared(deliveries)
        handled.extend(e.event_id for e in events)

        async def rest() -> None:
            if poll == 0:
                gated.append(ledger.polls[0])
                await gate.wait()  # a slow insert, outstanding while the group rebalances
            await ledger.check(f"rest of poll {poll}")
            for event in events:
                sink.write(event)
            ledger.durable.update((d.partition, d.offset) for d in deliveries)

        return rest()

    first, second = Service(config), Service(config)
    for member in (first, second):
        member.mesh.consume_batch(FEEDBACK, prepare, max_records=POLL, overlap=True)
    await ledger.observer.start()
    try:
        async with first.running():
            await first.mesh.publish_many(FEEDBACK, [(f"inc-{i % 5}", feedback(f"fb-{i}")) for i in range(RECORDS)])
            await wait_until(lambda: len(ledger.polls) >= 2)
            joining = asyncio.create_task(second.start())  # the rebalance revokes the first member's partitions
            await asyncio.wait_for(revoking.wait(), 30)
            await asyncio.sleep(0.5)
            assert not ledger.durable  # the first poll's rest is still outstanding while the revocation waits
            gate.set()
            await joining
            try:
                await wait_until(lambda: len(ledger.durable) == RECORDS)
                await ledger.check("after the rebalance")
            finally:
                await second.stop()
    finally:
        gate.set()
        await ledger.observer.stop()
    assert ledger.violations == []
    assert sink.count() == RECORDS
    gated_ids = handled[: len(gated[0])]
    assert all(handled.count(event_id) == 1 for event_id in gated_ids)  # committed before the partitions moved


async def test_a_plain_topic_of_the_group_is_handled_only_after_the_outstanding_rest(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    """One group, an overlapped topic and a plain one: the plain handler never runs beside a rest, so what the
    two publish or store keeps poll order, as before the overlap."""
    config = settings(kafka_bootstrap, topic_prefix)
    beside: list[int] = []
    rests_running = [0]
    durable: list[str] = []
    plain: list[bytes] = []

    async def prepare(events: list[Feedback], _deliveries: list[Delivery]) -> Awaitable[None]:
        async def rest() -> None:
            rests_running[0] += 1
            await asyncio.sleep(0.05)
            durable.extend(e.event_id for e in events)
            rests_running[0] -= 1

        return rest()

    async def handle_plain(values: list[bytes], _deliveries: list[Delivery]) -> None:
        beside.append(rests_running[0])
        plain.extend(values)

    service = Service(config)
    service.mesh.consume_batch(FEEDBACK, prepare, max_records=POLL, overlap=True)
    service.mesh.consume_batch(LOGS_RAW, handle_plain, decoder=lambda value, _delivery: value, max_records=POLL)
    async with service.running():
        for start in range(0, RECORDS, 20):
            await service.mesh.publish_many(FEEDBACK, [(f"inc-{i % 5}", feedback(f"fb-{i}"))
                                                       for i in range(start, start + 20)])
            await service.mesh.publish_many(LOGS_RAW, [(f"svc-{i % 5}", f"line {i}".encode())
                                                       for i in range(start, start + 20)])
        await wait_until(lambda: len(durable) == RECORDS and len(plain) == RECORDS)
    assert beside and set(beside) == {0}
