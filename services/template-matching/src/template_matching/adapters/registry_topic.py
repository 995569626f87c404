"""Follow the compacted ``templates.events`` topic from its start, without a consumer group.

Every replica must see every registry event, so a shared group is wrong; a group per replica would
need a fresh id per start (to replay) and leave dead groups behind, and every group join costs
seconds. A partition-assigned reader has neither problem: it seeks to the beginning, catches up to
the end offsets seen at start (``catch_up``, before records are consumed), then follows (``follow``).
Nothing is committed: the topic is compacted and replayed whole at every start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from logmesh_contracts import TemplateEvent

log = logging.getLogger(__name__)

Apply = Callable[[list[TemplateEvent]], Awaitable[None]]
Reject = Callable[[Any, Exception], Awaitable[None]]  # dead-letters an undecodable record


class RegistryFollower:
    def __init__(
        self, bootstrap: str, topic: str, apply: Apply, reject: Reject, security: dict[str, Any] | None = None
    ) -> None:
        self.bootstrap = bootstrap
        self.security = security or {}  # TLS/SASL: ServiceSettings.kafka_security_options()
        self.topic = topic
        self.apply = apply
        self.reject = reject
        self.consumer: AIOKafkaConsumer | None = None
        self.applied = 0
        self.skipped = 0

    async def catch_up(self, timeout_s: float = 60.0) -> None:
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", **self.security
        )
        await self.consumer.start()
        partitions = self.consumer.partitions_for_topic(self.topic)
        if not partitions:
            await self.consumer._client.force_metadata_update()
            partitions = self.consumer.partitions_for_topic(self.topic) or {0}
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self.consumer.assign(tps)
        await self.consumer.seek_to_beginning(*tps)
        ends = await self.consumer.end_offsets(tps)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            if all([await self.consumer.position(tp) >= ends[tp] for tp in tps]):
                return
            await self._poll(200)
        log.warning("registry catch-up incomplete after %.0fs; continuing in the background", timeout_s)

    async def follow(self) -> None:
        while True:
            try:
                await self._poll(1000)
            except asyncio.CancelledError:
                raise
            except Exception:  # a store hiccup: the same events are re-applied on the next start
                log.exception("applying registry events failed")
                await asyncio.sleep(1)

    async def _poll(self, timeout_ms: int) -> None:
        assert self.consumer is not None
        batch = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=1000)
        events: list[TemplateEvent] = []
        for records in batch.values():
            for record in records:
                if not record.value:  # a compaction tombstone
                    continue
                try:
                    events.append(TemplateEvent.model_validate_json(record.value))
                except ValueError as exc:  # ValidationError included
                    self.skipped += 1
                    await self.reject(record, exc)
        if events:
            await self.apply(events)
            self.applied += len(events)

    async def close(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
            self.consumer = None
