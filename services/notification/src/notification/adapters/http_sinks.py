"""Sinks that POST a final message and cannot edit it: generic webhook, Slack incoming webhook,
Microsoft Teams incoming webhook, PagerDuty Events v2."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime
from typing import Any

import httpx

from logmesh_runtime.kafka import TransientError
from notification.domain import (
    Notice,
    SinkState,
    pagerduty_resolve,
    pagerduty_trigger,
    slack_fallback_text,
    slack_final_blocks,
    slack_resolved_text,
    teams_card,
    teams_resolved_card,
    webhook_document,
    webhook_signature,
)
from notification.ports import Sent, SinkFailed

log = logging.getLogger(__name__)

MAX_HONOURED_RETRY_AFTER_S = 30.0


class _HttpSink:
    name = "http"
    live = False
    threaded = False

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url
        self.client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)

    async def _post(self, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        try:
            response = await self.client.post(
                self.url, content=body, headers={"Content-Type": "application/json", **(headers or {})}
            )
        except httpx.TransportError as exc:
            raise TransientError(f"{self.name}: {type(exc).__name__}") from exc  # the URL may hold a secret
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = _retry_after(response)
            if retry_after:
                await asyncio.sleep(min(retry_after, MAX_HONOURED_RETRY_AFTER_S))
            raise TransientError(f"{self.name}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise SinkFailed(f"{self.name}: HTTP {response.status_code} {response.text[:200]}")
        return response

    async def close(self) -> None:
        await self.client.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookSink(_HttpSink):
    """Generic JSON webhook. ``X-Logmesh-Signature: t=<ts>,v1=<HMAC-SHA256("<ts>.<body>")>`` when a
    secret is set; ``X-Logmesh-Event-Id`` lets the receiver drop a redelivered notification."""

    name = "webhook"

    def __init__(self, url: str, secret: str | None, timeout_s: float = 10.0) -> None:
        super().__init__(url, timeout_s)
        self.secret = secret

    async def _send(self, doc: dict[str, Any], event_id: str) -> Sent:
        body = _json(doc)
        timestamp = str(int(time.time()))
        headers = {"X-Logmesh-Event-Id": event_id, "X-Logmesh-Timestamp": timestamp}
        if self.secret:
            headers["X-Logmesh-Signature"] = webhook_signature(self.secret, timestamp, body)
        await self._post(body, headers)
        return Sent(message_ref=event_id)

    async def final(self, notice: Notice, previous: SinkState | None) -> Sent:
        return await self._send(webhook_document("analysis", notice.incident_id, notice),
                                f"{notice.incident_id}:final:{notice.source_event_id}")

    async def resolved(self, incident_id: str, resolved_at: datetime, reason: str, previous: SinkState) -> Sent:
        doc = webhook_document("resolved", incident_id, resolved_at=resolved_at.isoformat(), reason=reason)
        return await self._send(doc, f"{incident_id}:resolved")


class SlackWebhookSink(_HttpSink):
    """Slack incoming webhook: no message ts comes back, so no updates — the final message only."""

    name = "slack-webhook"

    async def final(self, notice: Notice, previous: SinkState | None) -> Sent:
        doc = {"text": slack_fallback_text(notice), "blocks": slack_final_blocks(notice, feedback=False),
               "unfurl_links": False, "unfurl_media": False}
        await self._post(_json(doc))
        return Sent()

    async def resolved(self, incident_id: str, resolved_at: datetime, reason: str, previous: SinkState) -> Sent:
        await self._post(_json({"text": slack_resolved_text(incident_id, resolved_at, reason)}))
        return Sent()


class TeamsSink(_HttpSink):
    name = "teams"

    async def final(self, notice: Notice, previous: SinkState | None) -> Sent:
        await self._post(_json(teams_card(notice)))
        return Sent()

    async def resolved(self, incident_id: str, resolved_at: datetime, reason: str, previous: SinkState) -> Sent:
        await self._post(_json(teams_resolved_card(incident_id, resolved_at, reason)))
        return Sent()


class PagerDutySink(_HttpSink):
    """Events API v2: ``dedup_key`` = incident id, so a repeated trigger is one PagerDuty incident."""

    name = "pagerduty"

    def __init__(self, url: str, routing_key: str, timeout_s: float = 10.0) -> None:
        super().__init__(url, timeout_s)
        self.routing_key = routing_key

    async def final(self, notice: Notice, previous: SinkState | None) -> Sent:
        response = await self._post(_json(pagerduty_trigger(self.routing_key, notice)))
        return Sent(message_ref=_dedup_key(response) or notice.incident_id)

    async def resolved(self, incident_id: str, resolved_at: datetime, reason: str, previous: SinkState) -> Sent:
        await self._post(_json(pagerduty_resolve(self.routing_key, incident_id)))
        return Sent(message_ref=incident_id)


def _dedup_key(response: httpx.Response) -> str | None:
    try:
        return response.json().get("dedup_key")
    except (ValueError, AttributeError):
        return None
