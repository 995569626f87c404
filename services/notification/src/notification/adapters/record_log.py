"""Reads ``notifications.sent`` from the beginning, without a consumer group.

Every replica needs the whole thread map, not a share of it, so this reader assigns all
partitions itself: a catch-up to the end offsets seen at startup (before any consumer
runs), then a tail that picks up what the other replicas send.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from logmesh_contracts import NotificationRecord

log = logging.getLogger(__name__)


class RecordLog:
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        apply: Callable[[NotificationRecord], None],
        client_id: str,
        reject: Callable[[Any, Exception], Awaitable[None]],
        security: dict[str, Any] | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.security = security or {}  # TLS/SASL: ServiceSettings.kafka_security_options()
        self.topic = topic
        self.apply = apply
        self.reject = reject  # dead-letters an unreadable record
        self.client_id = client_id
        self.consumer: AIOKafkaConsumer | None = None
        self.replayed = 0

    async def catch_up(self, timeout_s: float = 60.0) -> int:
        """Apply every record up to the end offsets as of now; returns how many were read."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
            client_id=f"{self.client_id}-threadmap", **self.security,
        )
        await consumer.start()
        self.consumer = consumer
        partitions = consumer.partitions_for_topic(self.topic)
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(self.topic) or set()
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        if not tps:
            log.warning("topic %s not found; starting with an empty thread map", self.topic)
            return 0
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while await self._behind(tps, ends):
            if loop.time() > deadline:
                raise TimeoutError(f"could not replay {self.topic} within {timeout_s}s")
            batch = await consumer.getmany(timeout_ms=200, max_records=1000)
            for records in batch.values():
                for record in records:
                    await self._apply(record)
        log.info("thread map rebuilt from %d notification record(s)", self.replayed)
        return self.replayed

    async def _behind(self, tps: list[TopicPartition], ends: dict[TopicPartition, int]) -> bool:
        assert self.consumer is not None
        for tp in tps:
            if await self.consumer.position(tp) < ends[tp]:
                return True
        return False

    async def _apply(self, record: Any) -> None:
        if not record.value:
            return  # a tombstone
        try:
            parsed = NotificationRecord.model_validate_json(record.value)
        except ValidationError as exc:
            await self.reject(record, exc)
            return
        self.apply(parsed)
        self.replayed += 1

    async def tail(self) -> None:
        """Background loop: records from other replicas (and our own, idempotently)."""
        assert self.consumer is not None
        while True:
            try:
                batch = await self.consumer.getmany(timeout_ms=500, max_records=1000)
            except Exception as exc:  # the broker may come and go; the loop must not die
                log.warning("thread map tail: %r", exc)
                await asyncio.sleep(1)
                continue
            for records in batch.values():
                for record in records:
                    await self._apply(record)

    async def close(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
            self.consumer = None
