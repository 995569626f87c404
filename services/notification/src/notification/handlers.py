"""Thin consumers: decoded event -> Notifier (which calls the pure domain and the sinks)."""

from __future__ import annotations

from logmesh_contracts import AnalysisProgress, AnalysisResult, IncidentResolved
from logmesh_runtime.kafka import Delivery, Handler
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

    def for_sink(self, name: str) -> tuple[Handler, Handler]:
        """Result and resolution handlers that serve one sink (its own consumer group)."""

        async def result(event: AnalysisResult, _delivery: Delivery) -> None:
            await self.notifier.on_result(event, only=name)

        async def resolved(event: IncidentResolved, _delivery: Delivery) -> None:
            await self.notifier.on_resolved(event, only=name)

        return result, resolved
