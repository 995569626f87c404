"""An in-memory ``Mesh``: handler chains tested without a broker, with the runtime's own delivery rules.

It is the runtime's ``Mesh`` with the transport replaced: ``publish``/``publish_many`` append to
in-memory topics (one partition each), ``consume``/``consume_batch`` register exactly as on the real
mesh, and ``drain()`` delivers every record not yet handled by each consumer group — decoding,
retries, splitting a failing batch and dead-lettering all run through ``Mesh``'s code, so a poison
message lands on ``<topic>.dlq`` here as it would on Kafka. Use the broker (``logmesh_testing.fixtures``)
for what only a broker shows: partitions, rebalances, offsets surviving a restart.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, NamedTuple

from pydantic import BaseModel

from logmesh_contracts import Topic
from logmesh_runtime.kafka import Mesh, deliveries_of, encode
from logmesh_runtime.metrics import Metrics
from logmesh_runtime.settings import ServiceSettings


class Record(NamedTuple):
    """What aiokafka hands a consumer, for the fields ``Mesh`` reads."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp: int
    headers: list[tuple[str, bytes]]


class InMemoryMesh(Mesh):
    def __init__(self, settings: ServiceSettings, metrics: Metrics | None = None) -> None:
        super().__init__(settings, metrics or Metrics(settings.service_name))
        self.topics: dict[str, list[Record]] = {}
        self._positions: dict[tuple[str | None, str], int] = {}
        self._started = False

    async def start_producer(self) -> None:
        self._started = True

    async def start(self) -> None:
        self._started = True

    async def stop(self) -> None:
        self._started = False

    def assignments(self) -> list[tuple[Any, Any]]:
        return []

    async def publish_many(
        self,
        topic: Topic | str,
        items: Iterable[tuple[str | bytes | None, BaseModel | bytes]],
        *,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> int:
        name = self.topic_name(topic)
        log = self.topics.setdefault(name, [])
        wire_headers = [(k, v.encode()) for k, v in (headers or {}).items()]
        count = 0
        for key, event in items:
            key_bytes = key.encode() if isinstance(key, str) else key
            value = event if isinstance(event, bytes) else encode(event)
            log.append(Record(name, 0, len(log), key_bytes, value, int(time.time() * 1000), wire_headers))
            count += 1
        self.metrics.published.labels(topic=name).inc(count)
        return count

    def values(self, topic: Topic | str) -> list[bytes]:
        return [record.value for record in self.topics.get(self.topic_name(topic), [])]

    def events(self, topic: Topic) -> list[Any]:
        """The records on ``topic`` decoded as its contract model."""
        return [topic.model.model_validate_json(value) for value in self.values(topic)]

    async def drain(self, max_rounds: int = 100) -> int:
        """Deliver what every consumer group has not handled yet, until nothing is left; returns the count."""
        delivered = 0
        for _ in range(max_rounds):
            progress = 0
            for group, registrations in self._groups.items():
                for name, registration in registrations.items():
                    position = self._positions.get((group, name), 0)
                    pending = self.topics.get(name, [])[position:]
                    if not pending:
                        continue
                    self._positions[(group, name)] = position + len(pending)
                    deliveries = deliveries_of(pending)  # what the runtime's fetch path hands its consumers
                    if registration.batch:
                        for start in range(0, len(deliveries), registration.max_records):
                            await self._process_batch(registration, deliveries[start : start + registration.max_records])
                    else:
                        for delivery in deliveries:
                            await self._process_one(registration, delivery)
                    progress += len(pending)
            if not progress:
                return delivered
            delivered += progress
        raise RuntimeError(f"handlers still publishing to each other after {max_rounds} rounds")
