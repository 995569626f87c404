"""Ports: what the service needs from the outside world, as small Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from logmesh_contracts import LogAnomaly, TemplateEvent
from template_matching.domain import LogColumns, TemplateSummary


class LogStore(Protocol):
    """Durable storage of log rows, templates and anomalies (ClickHouse)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> bool: ...

    async def insert_logs(self, rows: LogColumns, dedup_token: str) -> None:
        """Insert the rows durably; raises ``TransientError`` when the store is unreachable."""

    async def upsert_templates(self, events: Sequence[TemplateEvent]) -> None: ...

    async def insert_anomalies(self, anomalies: Sequence[LogAnomaly]) -> None: ...

    async def load_templates(self) -> list[tuple[str, str]]:
        """Every known (template_id, template), latest version of each."""

    async def search_logs(
        self, *, start: datetime, end: datetime, org: str | None, service: str | None, level: str | None,
        template_id: str | None, text: str | None, namespace: str | None, pod: str | None, limit: int,
    ) -> list[dict[str, Any]]: ...

    async def count_logs(
        self, *, start: datetime, end: datetime, org: str | None = None, service: str | None = None,
        level: str | None = None, template_id: str | None = None, text: str | None = None,
        namespace: str | None = None, pod: str | None = None,
    ) -> dict[str, int]:
        """Rows (after dedup) and distinct templates matching the filters."""

    async def list_templates(self, *, org: str | None, service: str | None, limit: int) -> list[dict[str, Any]]: ...

    async def list_anomalies(self, *, org: str | None, service: str | None, kind: str | None, limit: int) -> list[dict[str, Any]]: ...

    async def top_templates(
        self, *, org: str, start: datetime, end: datetime, namespace: str | None, pod: str | None,
        service: str | None, limit: int, samples: int,
    ) -> list[TemplateSummary]: ...


class TemplateLLM(Protocol):
    """Something that answers chat messages with text (litellm, or an OpenAI-compatible HTTP API)."""

    async def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's text; raises on any failure (the caller retries)."""
