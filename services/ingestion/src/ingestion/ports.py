"""The one outside dependency ingestion has: somewhere to publish normalised records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class RecordPublisher(Protocol):
    async def publish(self, records: Sequence[tuple[str, bytes]], timeout_s: float) -> None:
        """Publish keyed, encoded ``LogRecord``s to ``logs.records`` and return once the broker
        acknowledged every one; raise ``PublishUnavailable`` otherwise (some may have been written)."""
        ...
