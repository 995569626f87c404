"""The default sink: needs no configuration. Each notification is one JSON line in
``<data_dir>/notification/notifications.jsonl`` and one human line in the log."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from logmesh_contracts import utcnow
from notification.domain import Notice, SinkState, plain_text, summary_line, webhook_document
from notification.ports import Sent, SinkFailed

log = logging.getLogger("notification.delivered")


class FileSink:
    name = "file"
    live = False
    threaded = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = asyncio.Lock()

    async def _append(self, doc: dict[str, Any]) -> None:
        line = json.dumps({"at": utcnow().isoformat(), **doc}, ensure_ascii=False, default=str) + "\n"
        async with self._lock:
            try:
                await asyncio.to_thread(self._write, line)
            except OSError as exc:
                raise SinkFailed(f"file sink cannot write {self.path}: {exc}") from exc

    def _write(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()

    async def final(self, notice: Notice, previous: SinkState | None) -> Sent:
        await self._append(webhook_document("analysis", notice.incident_id, notice))
        log.info("notification: %s", summary_line(notice), extra={"incident_id": notice.incident_id})
        return Sent(channel=str(self.path))

    async def resolved(self, incident_id: str, resolved_at: datetime, reason: str, previous: SinkState) -> Sent:
        await self._append(webhook_document("resolved", incident_id, resolved_at=resolved_at.isoformat(),
                                            reason=plain_text(reason)))
        log.info("notification: RESOLVED incident %s %s", incident_id, plain_text(reason, 200),
                 extra={"incident_id": incident_id})
        return Sent(channel=str(self.path))

    async def close(self) -> None:
        return None
