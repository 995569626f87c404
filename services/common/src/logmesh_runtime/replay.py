"""Reading a topic whole, without a consumer group: ``read_topic`` (once) and ``TopicReplica`` (replay, then follow)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from logmesh_runtime.retry import backoff

log = logging.getLogger(__name__)


async def read_topic(bootstrap: str, topic: str, timeout_s: float = 2.0, *,
                     security: dict[str, Any] | None = None) -> list[Any]:
    """Every record currently on ``topic`` (all partitions, from the start), without a group.

    ``security``: TLS/SASL options (``ServiceSettings.kafka_security_options()``)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                                **(security or {}))
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


Apply = Callable[[list[Any]], Awaitable[None]]


class TopicReplica:
    """Every replica's own copy of a topic: replay it to the end offsets seen at start, then follow it.

    For state every replica needs whole (a registry, a thread map, a dedup window), not a share:
    the reader assigns every partition itself — no consumer group, nothing committed, nothing to
    rebalance — and hands each polled batch of raw records to ``apply`` (which decodes, and must be
    idempotent: after a reconnect the replay starts over). ``ready`` is set once the replay reached
    the end offsets seen when it began (an absent or empty topic is ready at once). ``since_s``
    starts the replay that many seconds back (by record timestamp) instead of at the beginning.
    ``run`` keeps it going: a broker that goes away costs a reconnect with backoff, never the loop.
    """

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        apply: Apply,
        *,
        client_id: str,
        since_s: float | None = None,
        request_timeout_ms: int = 30_000,
        max_records: int = 1000,
        backoff_s: float = 0.5,
        backoff_max_s: float = 10.0,
        ready: asyncio.Event | None = None,
        security: dict[str, Any] | None = None,
        partitions: Iterable[int] | None = None,
    ) -> None:
        self.only = None if partitions is None else set(partitions)
        self.bootstrap, self.topic, self.apply, self.client_id = bootstrap, topic, apply, client_id
        self.security = security or {}  # TLS/SASL options (ServiceSettings.kafka_security_options())
        self.since_s, self.request_timeout_ms, self.max_records = since_s, request_timeout_ms, max_records
        self.backoff_s, self.backoff_max_s = backoff_s, backoff_max_s
        self.ready = ready or asyncio.Event()
        self.records_read = 0
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []

    async def catch_up(self, timeout_s: float = 60.0) -> bool:
        """Connect, seek and apply everything up to the end offsets as of now; False if ``timeout_s`` ran out."""
        await self.close()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, client_id=self.client_id, group_id=None, enable_auto_commit=False,
            auto_offset_reset="earliest", request_timeout_ms=self.request_timeout_ms, **self.security,
        )
        await consumer.start()
        self._consumer = consumer
        partitions = consumer.partitions_for_topic(self.topic)
        if not partitions:
            await consumer._client.force_metadata_update()  # aiokafka has no public metadata refresh
            partitions = consumer.partitions_for_topic(self.topic) or set()
        wanted = partitions if self.only is None else partitions & self.only
        self._partitions = [TopicPartition(self.topic, p) for p in sorted(wanted)]
        if not self._partitions:
            log.info("no partitions of %s to replay", self.topic)
            self.ready.set()
            return True
        consumer.assign(self._partitions)
        await self._seek_start(consumer)
        ends = await consumer.end_offsets(self._partitions)
        deadline = time.monotonic() + timeout_s
        while not await self._reached(ends):
            if time.monotonic() > deadline:
                log.warning("replay of %s incomplete after %.0fs; following on", self.topic, timeout_s)
                return False
            await self.poll(200)
        self.ready.set()
        log.info("replayed %s: %d record(s)", self.topic, self.records_read)
        return True

    async def poll(self, timeout_ms: int = 1000) -> int:
        """One poll: the records that arrived, applied as one batch; returns how many."""
        assert self._consumer is not None, "catch_up first"
        if not self._partitions:  # the topic did not exist at start: look again
            await asyncio.sleep(timeout_ms / 1000)
            return 0
        batch = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=self.max_records)
        records = [record for tp in sorted(batch, key=lambda tp: tp.partition) for record in batch[tp]]
        if records:
            await self.apply(records)
            self.records_read += len(records)
        return len(records)

    async def follow(self) -> None:
        """Poll for ever (after ``catch_up``); errors propagate (``run`` handles them)."""
        while True:
            await self.poll()

    async def run(self, timeout_s: float = 60.0) -> None:
        """Background loop: replay (unless ``catch_up`` already did), then follow. On any failure — the
        broker away, ``apply`` raising — reconnect with backoff and replay again (``apply`` is idempotent),
        so no record is skipped."""
        failures = 0
        try:
            while True:
                try:
                    if self._consumer is None:
                        await self.catch_up(timeout_s)
                        failures = 0
                    if not self._partitions:
                        await asyncio.sleep(2)  # the topic did not exist: look again
                        await self.close()
                        continue
                    await self.follow()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    delay = backoff(failures, self.backoff_s, self.backoff_max_s)
                    log.warning("replica of %s failed, replaying again in %.1fs: %r", self.topic, delay, exc)
                    await self.close()
                    await asyncio.sleep(delay)
        finally:  # cancelled at shutdown: the consumer leaves with the loop
            await self.close()

    async def close(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def _seek_start(self, consumer: AIOKafkaConsumer) -> None:
        if self.since_s is None:
            await consumer.seek_to_beginning(*self._partitions)
            return
        since_ms = int((time.time() - self.since_s) * 1000)
        try:
            found = await consumer.offsets_for_times({tp: since_ms for tp in self._partitions})
        except (KafkaError, ValueError) as exc:  # a broker without timestamp lookup: replay everything
            log.info("offsets_for_times unavailable (%r); replaying %s from the beginning", exc, self.topic)
            await consumer.seek_to_beginning(*self._partitions)
            return
        for tp in self._partitions:
            hit = found.get(tp)
            if hit is None:  # every record is older than the window
                await consumer.seek_to_end(tp)
            else:
                consumer.seek(tp, hit.offset)

    async def _reached(self, ends: dict[TopicPartition, int]) -> bool:
        assert self._consumer is not None
        for tp in self._partitions:
            if await self._consumer.position(tp) < ends[tp]:
                return False
        return True
