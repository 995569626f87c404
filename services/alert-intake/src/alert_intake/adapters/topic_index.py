"""Rebuilds the dedup window from ``alerts.received`` itself, then keeps tailing it.

Every replica reads every partition without a consumer group (``assign``, no commits): the
topic is the one record of what was published, so a restarted replica or a new one learns
what the others already sent. It starts ``intake_dedup_window_s`` back (by timestamp) and
marks the index ready once it reached the end offsets it saw at start (the runtime's ``TopicReplica``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from alert_intake.dedup import Deduplicator
from alert_intake.settings import AlertIntakeSettings
from logmesh_contracts.topics import ALERTS_RECEIVED
from logmesh_runtime.replay import TopicReplica

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
        self.replica = TopicReplica(
            settings.kafka_bootstrap, self.topic, self._apply, client_id=f"{settings.service_name}-dedup-index",
            since_s=settings.intake_dedup_window_s, request_timeout_ms=settings.kafka_request_timeout_ms,
            ready=dedup.ready, security=settings.kafka_security_options(),
        )

    async def run(self) -> None:
        """Background loop: replay, then tail; reconnect with backoff when the broker is away."""
        await self.replica.run()

    async def _apply(self, records: list[Any]) -> None:
        for record in records:
            self._remember(record)
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
