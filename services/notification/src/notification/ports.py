"""Ports: what the notification logic needs from a delivery channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from notification.domain import Notice, SinkState


class SinkFailed(Exception):
    """The sink refused the message for good (bad config, bad request): do not retry.

    Outages, timeouts and rate limits raise ``logmesh_runtime.kafka.TransientError`` instead.
    """


@dataclass(frozen=True)
class Sent:
    """The sink's reference to what it posted (e.g. Slack channel id and ts)."""

    channel: str | None = None
    message_ref: str | None = None
    thread_ref: str | None = None


class Sink(Protocol):
    name: str
    live: bool  # can post early and update in place while the analysis streams
    threaded: bool  # keeps one message/thread per incident that later sends refer to

    async def final(self, notice: Notice, previous: SinkState | None) -> Sent: ...

    async def resolved(self, incident_id: str, resolved_at: datetime, reason: str, previous: SinkState) -> Sent: ...

    async def close(self) -> None: ...


class LiveSink(Sink, Protocol):
    async def post_live(self, incident_id: str, stage: str, text: str) -> Sent: ...

    async def update_live(self, previous: SinkState, stage: str, text: str) -> None: ...

    async def find_posted(self, incident_id: str, channel: str | None, since: datetime) -> Sent | None:
        """A message this service posted for the incident but may not have recorded (crash window)."""
        ...

    async def reactions(self, channel: str, message_ref: str) -> list[dict[str, Any]]: ...
