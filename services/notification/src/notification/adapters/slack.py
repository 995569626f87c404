"""Slack through the official ``slack_sdk`` AsyncWebClient (bot token).

One top-level message per incident (its ``ts`` is the thread), updated in place while the
analysis streams and when it completes; resolution is a reply in the thread. Messages carry
metadata naming the incident so a restarted service can find a message it posted but had
not recorded yet (see docs/decisions/notification.md, "crash window").
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from logmesh_runtime.kafka import TransientError
from notification.domain import (
    METADATA_EVENT_TYPE,
    Notice,
    SinkState,
    slack_fallback_text,
    slack_final_blocks,
    slack_live_blocks,
    slack_metadata,
    slack_resolved_text,
)
from notification.ports import Sent, SinkFailed

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors that mean "this message is gone or cannot be edited": post a fresh one instead.
_MESSAGE_GONE = {"message_not_found", "cant_update_message", "edit_window_closed"}


class SlackSink:
    name = "slack"
    live = True
    threaded = True

    def __init__(
        self,
        token: str,
        channel: str,
        base_url: str = "https://slack.com/api/",
        timeout_s: float = 10.0,
        rate_limit_retries: int = 3,
    ) -> None:
        self.channel = channel
        self.client = AsyncWebClient(
            token=token,
            base_url=base_url if base_url.endswith("/") else base_url + "/",
            timeout=int(max(1, timeout_s)),
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(max_retry_count=2),
                # honours Retry-After on HTTP 429 (Slack's rate limits) before giving up
                AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            ],
        )
        self.bot_user_id: str | None = None

    async def _call(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except SlackApiError as exc:
            status = exc.response.status_code
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if status == 429 or status >= 500 or error in {"ratelimited", "service_unavailable", "fatal_error",
                                                             "internal_error", "request_timeout"}:
                retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
                raise TransientError(f"slack {what}: {status} {error} (retry after {retry_after})") from exc
            raise SinkFailed(f"slack {what}: {error or status}") from exc
        except (aiohttp.ClientError, TimeoutError, OSError, SlackClientError) as exc:
            raise TransientError(f"slack {what}: {exc!r}") from exc

    async def identify(self) -> dict[str, Any]:
        """auth.test: who the bot is (its own reactions are not feedback)."""
        response = await self._call("auth.test", lambda: self.client.auth_test())
        self.bot_user_id = response.get("user_id")
        return dict(response.data) if isinstance(response.data, dict) else {}

    async def _post(self, incident_id: str, text: str, blocks: list[dict[str, Any]],
                    thread_ts: str | None = None, channel: str | None = None) -> Sent:
        kwargs: dict[str, Any] = dict(
            channel=channel or self.channel,
            text=text,
            blocks=blocks,
            metadata=slack_metadata(incident_id),
            unfurl_links=False,
            unfurl_media=False,
            link_names=False,
            parse="none",
        )
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        response = await self._call("chat.postMessage", lambda: self.client.chat_postMessage(**kwargs))
        ts = response["ts"]
        return Sent(channel=response["channel"], message_ref=ts, thread_ref=thread_ts or ts)

    async def _update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        await self._call(
            "chat.update",
            lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks, parse="none",
                                            link_names=False),
        )

    # ------------------------------------------------------------------ live analysis
    async def post_live(self, incident_id: str, stage: str, text: str) -> Sent:
        return await self._post(incident_id, "Analysis started", slack_live_blocks(incident_id, stage, text))

    async def update_live(self, previous: SinkState, stage: str, text: str) -> None:
        assert previous.channel and previous.message_ref
        await self._update(previous.channel, previous.message_ref, "Analysing…",
                           slack_live_blocks(previous.incident_id, stage, text))

    # ------------------------------------------------------------------ final and resolved
    async def final(self, notice: Notice, previous: SinkState | None) -> Sent:
        blocks = slack_final_blocks(notice)
        text = slack_fallback_text(notice)
        if previous is not None and previous.channel and previous.message_ref:
            try:
                await self._update(previous.channel, previous.message_ref, text, blocks)
                return Sent(previous.channel, previous.message_ref, previous.thread_ref or previous.message_ref)
            except SinkFailed as exc:
                if not isinstance(exc.__cause__, SlackApiError) or exc.__cause__.response.get("error") not in _MESSAGE_GONE:
                    raise
                log.warning("slack message of incident %s is gone; posting a new one", notice.incident_id)
        return await self._post(notice.incident_id, text, blocks)

    async def resolved(self, incident_id: str, resolved_at: datetime, reason: str, previous: SinkState) -> Sent:
        text = slack_resolved_text(incident_id, resolved_at, reason)
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        sent = await self._post(incident_id, text, blocks, thread_ts=previous.thread_ref, channel=previous.channel)
        # the record keeps pointing at the analysis message, not at the reply
        return Sent(previous.channel or sent.channel, previous.message_ref or sent.message_ref,
                    previous.thread_ref or sent.thread_ref)

    # ------------------------------------------------------------------ recovery and feedback
    async def find_posted(self, incident_id: str, channel: str | None, since: datetime) -> Sent | None:
        oldest = f"{since.timestamp() - 60:.6f}"
        cursor: str | None = None
        for _page in range(10):  # bounded: the window is minutes, a page is 200 messages
            kwargs: dict[str, Any] = dict(channel=channel or self.channel, oldest=oldest, limit=200,
                                          include_all_metadata=True)
            if cursor:
                kwargs["cursor"] = cursor
            response = await self._call("conversations.history", functools.partial(self.client.conversations_history, **kwargs))
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                if (
                    metadata.get("event_type") == METADATA_EVENT_TYPE
                    and (metadata.get("event_payload") or {}).get("incident_id") == incident_id
                    and message.get("thread_ts", message.get("ts")) == message.get("ts")  # top level only
                ):
                    # history answers carry no channel id: the configured one should be an id (README)
                    return Sent(channel or self.channel, message["ts"], message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    async def reactions(self, channel: str, message_ref: str) -> list[dict[str, Any]]:
        response = await self._call(
            "reactions.get", lambda: self.client.reactions_get(channel=channel, timestamp=message_ref, full=True)
        )
        reactions = (response.get("message") or {}).get("reactions") or []
        if self.bot_user_id:
            reactions = [
                {**r, "users": [u for u in r.get("users") or [] if u != self.bot_user_id]} for r in reactions
            ]
        return reactions

    async def close(self) -> None:
        return None
