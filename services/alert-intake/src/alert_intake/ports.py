"""Ports alert-intake talks through; real adapters live in ``adapters/``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from logmesh_contracts import Alert


class SinkUnavailable(Exception):
    """The broker did not acknowledge every alert; the caller answers 503 and the sender retries."""


class AlertSink(Protocol):
    async def publish(self, alerts: Sequence[Alert]) -> None:
        """Return only when every alert is acknowledged; else raise ``SinkUnavailable``."""
        ...
