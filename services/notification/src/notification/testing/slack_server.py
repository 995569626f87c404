"""A loopback Slack Web API for tests and local demos: the real ``slack_sdk`` client talks to it.

It implements the methods the notification service uses — ``auth.test``,
``chat.postMessage``, ``chat.update``, ``reactions.get``, ``reactions.add``,
``conversations.history`` — checks the bearer token, keeps messages per channel with
their metadata and reactions, records every call, and can answer ``429`` with a
``Retry-After`` header or ``503`` on demand.

    async with LoopbackSlack(token="xoxb-test") as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

BOT_USER_ID = "UBOTLOGMESH"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edited: int = 0

    def as_api(self, with_metadata: bool = False) -> dict[str, Any]:
        doc: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text, "blocks": self.blocks,
                               "user": BOT_USER_ID}
        if self.thread_ts:
            doc["thread_ts"] = self.thread_ts
        if self.reactions:
            doc["reactions"] = [{"name": n, "users": list(u), "count": len(u)} for n, u in self.reactions.items() if u]
        if with_metadata and self.metadata:
            doc["metadata"] = self.metadata
        return doc


class LoopbackSlack:
    def __init__(self, token: str = "xoxb-loopback-test", channels: dict[str, str] | None = None) -> None:
        self.token = token
        # names the service may use -> channel ids Slack answers with
        self.channels = channels or {"#alerts": "C0ALERTS", "alerts": "C0ALERTS", "C0ALERTS": "C0ALERTS"}
        self.messages: dict[tuple[str, str], Message] = {}
        self.calls: list[Call] = []
        self._rate_limits: dict[str, list[int]] = {}
        self._outages = 0
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ control
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer 429 with ``Retry-After: retry_after``."""
        self._rate_limits[method] = [retry_after] * times

    def outage(self, times: int) -> None:
        """The next ``times`` calls of any method answer 503."""
        self._outages = times

    def calls_of(self, method: str, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def top_level(self, channel: str = "C0ALERTS") -> list[Message]:
        return sorted((m for m in self.messages.values() if m.channel == channel and not m.thread_ts),
                      key=lambda m: float(m.ts))

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        return sorted((m for m in self.messages.values() if m.channel == channel and m.thread_ts == thread_ts),
                      key=lambda m: float(m.ts))

    def react(self, channel: str, ts: str, name: str, user: str) -> None:
        users = self.messages[(channel, ts)].reactions.setdefault(name, [])
        if user not in users:
            users.append(user)

    def seed_message(self, channel: str, text: str, metadata: dict[str, Any] | None = None) -> Message:
        """A message as if posted earlier (e.g. before a crash), without recording a call."""
        message = Message(channel, self._next_ts(), text, metadata=metadata)
        self.messages[(channel, message.ts)] = message
        return message

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> LoopbackSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackSlack:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ the API
    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._seq):06d}"

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            ctype = request.headers.get("Content-Type", "")
            if "json" in ctype:
                params.update(json.loads(body))
            else:
                params.update(dict(parse_qsl(body.decode())))
        for key in ("blocks", "metadata", "attachments"):  # form-encoded requests carry these as JSON text
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        if self._outages > 0:
            self._outages -= 1
            call.status = 503
            return web.json_response({"ok": False, "error": "service_unavailable"}, status=503)
        pending = self._rate_limits.get(method)
        if pending:
            retry_after = pending.pop(0)
            call.status = 429
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(retry_after)})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(handler(params))

    def _channel(self, params: dict[str, Any]) -> str | None:
        return self.channels.get(str(params.get("channel", "")))

    def _m_auth_test(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://loopback.slack.test/", "team": "loopback", "user": "logmesh",
                "team_id": "T0LOOP", "user_id": BOT_USER_ID, "bot_id": "B0LOGMESH"}

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        thread_ts = params.get("thread_ts")
        if thread_ts and (channel, thread_ts) not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        message = Message(channel, self._next_ts(), params.get("text", ""), params.get("blocks") or [],
                          thread_ts=thread_ts, metadata=params.get("metadata"))
        self.messages[(channel, message.ts)] = message
        return {"ok": True, "channel": channel, "ts": message.ts, "message": message.as_api()}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        message = self.messages.get((channel or "", str(params.get("ts"))))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.text = params.get("text", message.text)
        if "blocks" in params:
            message.blocks = params["blocks"] or []
        message.edited += 1
        return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text,
                "message": message.as_api()}

    def _m_reactions_get(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        message = self.messages.get((channel or "", str(params.get("timestamp"))))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "type": "message", "channel": message.channel, "message": message.as_api()}

    def _m_reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        key = (channel or "", str(params.get("timestamp")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.react(key[0], key[1], str(params.get("name")), BOT_USER_ID)
        return {"ok": True}

    def _m_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        messages = [m for m in self.top_level(channel) if float(m.ts) >= oldest]
        limit = int(params.get("limit") or 100)
        messages = list(reversed(messages))[:limit]  # newest first, as Slack answers
        return {"ok": True, "messages": [m.as_api(with_metadata) for m in messages],
                "has_more": False, "response_metadata": {"next_cursor": ""}}
