"""Reads ``notifications.sent`` from the beginning, without a consumer group.

Every replica needs the whole thread map, not a share of it: a ``TopicReplica`` catches up to the
end offsets seen at startup (before any consumer runs), then follows what the other replicas send.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from logmesh_contracts import NotificationRecord
from logmesh_runtime.replay import TopicReplica

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
        self.topic = topic
        self.apply = apply
        self.reject = reject  # dead-letters an unreadable record
        self.replica = TopicReplica(bootstrap, topic, self._apply, client_id=f"{client_id}-threadmap", security=security)
        self.replayed = 0

    async def catch_up(self, timeout_s: float = 60.0) -> int:
        """Apply every record up to the end offsets as of now; returns how many were read."""
        if not await self.replica.catch_up(timeout_s):
            raise TimeoutError(f"could not replay {self.topic} within {timeout_s}s")
        log.info("thread map rebuilt from %d notification record(s)", self.replayed)
        return self.replayed

    async def _apply(self, records: list[Any]) -> None:
        for record in records:
            if not record.value:
                continue  # a tombstone
            try:
                parsed = NotificationRecord.model_validate_json(record.value)
            except ValidationError as exc:
                await self.reject(record, exc)
                continue
            self.apply(parsed)
            self.replayed += 1

    async def tail(self) -> None:
        """Background loop: records from other replicas (and our own, idempotently)."""
        await self.replica.run()

    async def close(self) -> None:
        await self.replica.close()
