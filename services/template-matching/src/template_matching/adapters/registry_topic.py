"""Follow the compacted ``templates.events`` topic from its start, without a consumer group.

Every replica must see every registry event, so a shared group is wrong; a group per replica would
need a fresh id per start (to replay) and leave dead groups behind, and every group join costs
seconds. A partition-assigned reader has neither problem: it seeks to the beginning, catches up to
the end offsets seen at start (``catch_up``, before records are consumed), then follows (``follow``):
the runtime's ``TopicReplica``. Nothing is committed: the topic is compacted and replayed whole at every start.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from logmesh_contracts import TemplateEvent
from logmesh_runtime.replay import TopicReplica

log = logging.getLogger(__name__)

Apply = Callable[[list[TemplateEvent]], Awaitable[None]]
Reject = Callable[[Any, Exception], Awaitable[None]]  # dead-letters an undecodable record


class RegistryFollower:
    def __init__(
        self, bootstrap: str, topic: str, apply: Apply, reject: Reject, security: dict[str, Any] | None = None
    ) -> None:
        self.topic = topic
        self.apply = apply
        self.reject = reject
        self.replica = TopicReplica(
            bootstrap, topic, self._apply, client_id="template-matching-registry", security=security
        )
        self.applied = 0
        self.skipped = 0

    async def catch_up(self, timeout_s: float = 60.0) -> None:
        if not await self.replica.catch_up(timeout_s):
            log.warning("registry catch-up incomplete after %.0fs; continuing in the background", timeout_s)

    async def follow(self) -> None:
        """Background loop; a failure (a store hiccup, the broker away) replays the registry again, idempotently."""
        await self.replica.run()

    async def _apply(self, records: list[Any]) -> None:
        events: list[TemplateEvent] = []
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
        await self.replica.close()
