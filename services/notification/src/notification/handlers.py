"""Thin consumers: decoded event -> Notifier (which calls the pure domain and the sinks)."""

from __future__ import annotations

from logmesh_contracts import AnalysisProgress, AnalysisResult, IncidentResolved
from logmesh_runtime.kafka import Delivery
from notification.notifier import Notifier


class Handlers:
    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    async def progress(self, event: AnalysisProgress, _delivery: Delivery) -> None:
        await self.notifier.on_progress(event)

    async def result(self, event: AnalysisResult, _delivery: Delivery) -> None:
        await self.notifier.on_result(event)

    async def resolved(self, event: IncidentResolved, _delivery: Delivery) -> None:
        await self.notifier.on_resolved(event)
