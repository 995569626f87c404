"""Publish each alert state once, across retries, repeat notifications and concurrent requests.

The ``DedupWindow`` holds event ids already on ``alerts.received``; it is filled by this
replica's own publishes and by the topic reader (``adapters.topic_index``), which replays
the topic at startup and then tails it, so restarts and other replicas share one view.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alert_intake.domain import DedupWindow
from alert_intake.ports import AlertSink, SinkUnavailable
from logmesh_contracts import Alert


@dataclass(frozen=True)
class Outcome:
    published: list[Alert]
    duplicates: list[Alert]


class Deduplicator:
    def __init__(self, window: DedupWindow, clock: Callable[[], float] = time.time) -> None:
        self.window = window
        self.clock = clock
        self.ready = asyncio.Event()  # set once the topic has been replayed up to its end
        self._inflight: dict[str, asyncio.Future[bool]] = {}

    def remember(self, event_id: str, at: float | None = None) -> None:
        self.window.add(event_id, self.clock() if at is None else at)

    async def publish_once(self, alerts: Sequence[Alert], sink: AlertSink) -> Outcome:
        """Publish the alerts not seen yet; raise ``SinkUnavailable`` unless all of them are acknowledged.

        On failure nothing is remembered: the sender's retry publishes again, and whatever did reach
        the broker comes back through the topic reader (or, in a race, is absorbed by consumers'
        dedup on the same deterministic ``event_id``).
        """
        now = self.clock()
        fresh: list[Alert] = []
        duplicates: list[Alert] = []
        waiting: list[tuple[Alert, asyncio.Future[bool]]] = []
        for alert in alerts:
            if self.window.contains(alert.event_id, now):
                self.window.add(alert.event_id, now)  # still being repeated: keep it in the window
                duplicates.append(alert)
            elif alert.event_id in self._inflight:
                waiting.append((alert, self._inflight[alert.event_id]))
            else:
                fresh.append(alert)
        loop = asyncio.get_running_loop()
        mine = {alert.event_id: loop.create_future() for alert in fresh}
        self._inflight.update(mine)
        ok = False
        try:
            if fresh:
                await sink.publish(fresh)
            ok = True
        finally:
            acked_at = self.clock()
            for event_id, future in mine.items():
                if ok:
                    self.window.add(event_id, acked_at)
                self._inflight.pop(event_id, None)
                future.set_result(ok)
        for alert, future in waiting:
            if not await asyncio.shield(future):
                raise SinkUnavailable("a concurrent request carrying the same alert was not acknowledged")
            duplicates.append(alert)
        return Outcome(fresh, duplicates)
