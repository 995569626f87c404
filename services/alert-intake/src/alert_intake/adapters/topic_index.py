"""Rebuilds the dedup window from ``alerts.received`` itself, then keeps tailing it.

Every replica reads every partition without a consumer group (``assign``, no commits): the
topic is the one record of what was published, so a restarted replica or a new one learns
what the others already sent. It starts ``intake_dedup_window_s`` back (by timestamp) and
marks the index ready once it reached the end offsets it saw at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from alert_intake.dedup import Deduplicator
from alert_intake.settings import AlertIntakeSettings
from logmesh_contracts.topics import ALERTS_RECEIVED

log = logging.getLogger(__name__)


class TopicIndex:
    def __init__(
        self,
        settings: AlertIntakeSettings,
        dedup: Deduplicator,
        on_record: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.dedup = dedup
        self.topic = settings.topic(ALERTS_RECEIVED.name)
        self.on_record = on_record or (lambda: None)
        self.records_read = 0

    async def run(self) -> None:
        """Background loop: replay, then tail; reconnect with backoff when the broker is away."""
        failures = 0
        while True:
            try:
                await self._replay_and_tail()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker is away or the topic changed: start over, idempotently
                failures += 1
                delay = min(10.0, 0.5 * 2 ** min(failures, 5))
                log.warning("dedup index reader failed, retrying in %.1fs: %r", delay, exc)
                await asyncio.sleep(delay)

    async def _replay_and_tail(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            client_id=f"{self.settings.service_name}-dedup-index",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=self.settings.kafka_request_timeout_ms,
        )
        await consumer.start()
        try:
            partitions = await self._partitions(consumer)
            if not partitions:
                # Nothing was ever published: the empty index is complete. Look again shortly.
                self.dedup.ready.set()
                await asyncio.sleep(2)
                return
            tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            consumer.assign(tps)
            await self._seek_to_lookback(consumer, tps)
            ends = await consumer.end_offsets(tps)
            await self._tail(consumer, tps, ends)
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def _partitions(self, consumer: AIOKafkaConsumer) -> set[int]:
        partitions = consumer.partitions_for_topic(self.topic)
        if not partitions:
            await consumer._client.force_metadata_update()  # aiokafka has no public metadata refresh
            partitions = consumer.partitions_for_topic(self.topic)
        return set(partitions or ())

    async def _seek_to_lookback(self, consumer: AIOKafkaConsumer, tps: list[TopicPartition]) -> None:
        since_ms = int((time.time() - self.settings.intake_dedup_window_s) * 1000)
        try:
            found = await consumer.offsets_for_times({tp: since_ms for tp in tps})
        except (KafkaError, ValueError) as exc:  # a broker without timestamp lookup: replay everything
            log.info("offsets_for_times unavailable (%r); replaying %s from the beginning", exc, self.topic)
            await consumer.seek_to_beginning(*tps)
            return
        for tp in tps:
            hit = found.get(tp)
            if hit is None:  # every record is older than the window
                await consumer.seek_to_end(tp)
            else:
                consumer.seek(tp, hit.offset)

    async def _tail(self, consumer: AIOKafkaConsumer, tps: list[TopicPartition], ends: dict) -> None:
        caught_up = False
        while True:
            batch = await consumer.getmany(timeout_ms=500, max_records=1000)
            for records in batch.values():
                for record in records:
                    self._remember(record)
            if not caught_up:
                positions = [await consumer.position(tp) for tp in tps]
                if all(pos >= ends[tp] for pos, tp in zip(positions, tps, strict=True)):
                    caught_up = True
                    self.dedup.ready.set()
                    log.info("dedup index ready: %d alert states from %s", len(self.dedup.window), self.topic)
            self.dedup.window.expire(time.time())

    def _remember(self, record: Any) -> None:
        try:
            event_id = json.loads(record.value)["event_id"]
        except (ValueError, KeyError, TypeError):
            return  # not ours to judge; llm-analysis dead-letters malformed records
        if isinstance(event_id, str):
            self.dedup.remember(event_id, record.timestamp / 1000)
            self.records_read += 1
            self.on_record()
