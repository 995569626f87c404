"""A loopback OpenAI-compatible server for tests: scripted, deterministic, recording.

Tests point litellm (or any OpenAI client) at ``server.api_base`` and script what the
"provider" answers, request by request::

    with OpenAIServer() as server:                       # sync or ``async with``
        server.enqueue(HttpError(429, retry_after=0), Reply('{"ok": true}'))
        ...  # code under test calls model "openai/anything" with api_base=server.api_base
        assert "s3cr3t" not in server.all_text()         # what reached the provider
        assert server.requests[-1].body["stream"] is True

It serves ``POST /v1/chat/completions`` (plain JSON and SSE streaming, ``stream_options``
usage included), ``POST /v1/embeddings`` (deterministic vectors) and ``GET /v1/models``;
the ``/v1`` prefix is optional. The server runs in its own thread with its own event
loop, so a slow scripted answer never blocks the test's loop, and it works the same from
sync and async tests.

What a request gets, in order:

1. ``responder(request)`` if set and it returns something other than ``None``;
2. the next item queued for the request's model (``enqueue(..., model="m")``);
3. the next item queued for any model of that endpoint;
4. ``default`` (chat) / ``embeddings_default``; with no default, HTTP 500 "script exhausted".

A queued item is a response spec or a callable ``(RecordedRequest) -> spec``.
Response specs: ``Reply`` (text or tool call; streams when the client asks; can delay,
pace chunks or cut the stream midway), ``HttpError`` (any status, ``Retry-After``),
``Raw`` (any bytes, e.g. a malformed JSON body), ``Embeddings`` (explicit vectors).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Embeddings",
    "HttpError",
    "OpenAIServer",
    "Raw",
    "RecordedRequest",
    "Reply",
    "Spec",
    "replies",
]


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Reply:
    """A successful chat completion.

    ``content`` is the assistant text (JSON text, malformed JSON, prose: whatever the test needs).
    ``tool_call`` = ``(name, arguments_json)`` answers with a function call instead.
    ``delay_s`` waits before the response starts (longer than the client's timeout = a timeout);
    ``chunk_size``/``chunk_delay_s`` pace a stream; ``cut_after_chunks`` aborts the connection
    after that many content chunks (a stream cut midway; for a plain request, after the headers).
    ``prompt_tokens``/``completion_tokens`` override the deterministic usage estimate.
    """

    content: str = ""
    tool_call: tuple[str, str] | None = None
    finish_reason: str = "stop"
    delay_s: float = 0.0
    chunk_size: int = 16
    chunk_delay_s: float = 0.0
    cut_after_chunks: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    model: str | None = None


@dataclass(frozen=True)
class HttpError:
    """An error answer in OpenAI's error shape, e.g. ``HttpError(429, retry_after=1)``."""

    status: int = 500
    message: str = "scripted error"
    retry_after: float | None = None
    error_type: str | None = None
    delay_s: float = 0.0


@dataclass(frozen=True)
class Raw:
    """Exactly these bytes, e.g. ``Raw(b'{"choices": [')`` for a malformed body."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass(frozen=True)
class Embeddings:
    """Explicit embedding vectors, one per input (cycled when there are fewer)."""

    vectors: list[list[float]]
    delay_s: float = 0.0


Spec = Reply | HttpError | Raw | Embeddings
Scripted = Spec | Callable[["RecordedRequest"], Spec]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the provider received it."""

    method: str
    path: str
    endpoint: str  # "chat", "embeddings", "models" or "other"
    headers: dict[str, str]
    raw: bytes
    received_at: float

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")

    @property
    def body(self) -> Any:
        try:
            return json.loads(self.raw) if self.raw else None
        except ValueError:
            return None

    @property
    def model(self) -> str | None:
        body = self.body
        return body.get("model") if isinstance(body, dict) else None

    @property
    def stream(self) -> bool:
        body = self.body
        return bool(isinstance(body, dict) and body.get("stream"))

    @property
    def messages(self) -> list[dict[str, Any]]:
        body = self.body
        return list(body.get("messages") or []) if isinstance(body, dict) else []

    def message_text(self, role: str | None = None) -> str:
        """All message contents (of one role, if given) joined by newlines."""
        parts: list[str] = []
        for message in self.messages:
            if role is not None and message.get("role") != role:
                continue
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):  # content parts
                parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
        return "\n".join(parts)


class _Abort(Exception):
    """Raised inside a response to drop the connection (uvicorn closes it mid-body)."""


class _QuietAborts(logging.Filter):
    """Scripted cuts are the test's intent, not server errors: keep them out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], _Abort))


logging.getLogger("uvicorn.error").addFilter(_QuietAborts())


# -------------------------------------------------------------------------- server


class OpenAIServer:
    """Scripted OpenAI-compatible HTTP server on ``127.0.0.1`` and a free port."""

    def __init__(
        self,
        *,
        default: Scripted | None = None,
        embeddings_default: Scripted | None = None,
        responder: Callable[[RecordedRequest], Spec | None] | None = None,
        embedding_dim: int = 16,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.default = default
        self.embeddings_default = embeddings_default
        self.responder = responder
        self.embedding_dim = embedding_dim
        self.api_key = api_key  # when set, other bearer tokens get 401
        self.host = host
        self.port = port
        self.requests: list[RecordedRequest] = []
        self._queues: dict[tuple[str, str | None], deque[Scripted]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self._counter = 0

    # ------------------------------------------------------------- scripting
    def enqueue(self, *items: Scripted, model: str | None = None, endpoint: str = "chat") -> OpenAIServer:
        """Queue answers for the next requests (of ``model``, if given) in order."""
        with self._lock:
            self._queues.setdefault((endpoint, model), deque()).extend(items)
        return self

    def enqueue_embeddings(self, *items: Scripted, model: str | None = None) -> OpenAIServer:
        return self.enqueue(*items, model=model, endpoint="embeddings")

    def pending(self, model: str | None = None, endpoint: str = "chat") -> int:
        with self._lock:
            return len(self._queues.get((endpoint, model), ()))

    def clear(self) -> None:
        """Forget queued answers and recorded requests."""
        with self._lock:
            self._queues.clear()
            self.requests.clear()

    # ------------------------------------------------------------- inspecting
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What to give litellm / the OpenAI client as ``api_base`` / ``base_url``."""
        return f"{self.base_url}/v1"

    def chat_requests(self, model: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == "chat" and (model is None or r.model == model)]

    def embedding_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == "embeddings"]

    def all_text(self) -> str:
        """Every request body received, concatenated: assert secrets are NOT in here."""
        with self._lock:
            return "\n".join(r.text for r in self.requests)

    def wait_for_requests(
        self, count: int, timeout_s: float = 10.0, endpoint: str | None = "chat"
    ) -> list[RecordedRequest]:
        """Block until ``count`` requests (of ``endpoint``; None = any) arrived."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                matched = [r for r in self.requests if endpoint is None or r.endpoint == endpoint]
                if len(matched) >= count:
                    return matched
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} {endpoint or ''} request(s), got {len(matched)}")
                self._changed.wait(min(left, 0.1))

    async def async_wait_for_requests(
        self, count: int, timeout_s: float = 10.0, endpoint: str | None = "chat"
    ) -> list[RecordedRequest]:
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                matched = [r for r in self.requests if endpoint is None or r.endpoint == endpoint]
            if len(matched) >= count:
                return matched
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {endpoint or ''} request(s), got {len(matched)}")
            await asyncio.sleep(0.02)

    # ------------------------------------------------------------- lifecycle
    def start(self, timeout_s: float = 10.0) -> OpenAIServer:
        import uvicorn

        if not self.port:
            with socket.socket() as sock:
                sock.bind((self.host, 0))
                self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._asgi,
            host=self.host,
            port=self.port,
            lifespan="off",
            interface="asgi3",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=1,
            timeout_keep_alive=30,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"openai-server:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"loopback OpenAI server did not start on {self.base_url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._server = None
        self._thread = None

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> OpenAIServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *_exc: object) -> None:
        await asyncio.to_thread(self.stop)

    # ------------------------------------------------------------- ASGI app
    async def _asgi(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        normalised = path[3:] if path.startswith("/v1/") else path
        endpoint = {
            "/chat/completions": "chat",
            "/embeddings": "embeddings",
            "/models": "models",
        }.get(normalised.rstrip("/"), "other")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        request = RecordedRequest(scope["method"], path, endpoint, headers, b"".join(chunks), time.time())
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()

        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            await _send_json(send, 401, _error_body("invalid api key", "invalid_request_error"))
            return
        if endpoint == "models":
            await _send_json(send, 200, {"object": "list", "data": [{"id": "loopback", "object": "model"}]})
            return
        if endpoint == "other" or scope["method"] != "POST":
            await _send_json(send, 404, _error_body(f"no route {scope['method']} {path}", "not_found"))
            return
        if request.body is None or not isinstance(request.body, dict):
            await _send_json(send, 400, _error_body("request body is not a JSON object", "invalid_request_error"))
            return

        spec = self._next_spec(request)
        if spec is None:
            await _send_json(send, 500, _error_body(f"openai_server: script exhausted for {endpoint}", "server_error"))
            return
        delay = getattr(spec, "delay_s", 0.0)
        if delay:
            await asyncio.sleep(delay)
        if isinstance(spec, HttpError):
            extra = {"retry-after": _fmt_seconds(spec.retry_after)} if spec.retry_after is not None else {}
            await _send_json(
                send, spec.status, _error_body(spec.message, spec.error_type or _error_type(spec.status)), extra
            )
        elif isinstance(spec, Raw):
            body = spec.body.encode() if isinstance(spec.body, str) else spec.body
            await _send(send, spec.status, body, spec.content_type, spec.headers)
        elif endpoint == "embeddings":
            await self._embeddings(request, spec, send)
        elif isinstance(spec, Reply):
            await self._chat(request, spec, send)
        else:
            await _send_json(
                send, 500, _error_body(f"cannot answer {endpoint} with {type(spec).__name__}", "server_error")
            )

    def _next_spec(self, request: RecordedRequest) -> Spec | None:
        if self.responder is not None:
            answer = self.responder(request)
            if answer is not None:
                return answer
        with self._lock:
            item: Scripted | None = None
            for key in ((request.endpoint, request.model), (request.endpoint, None)):
                queue = self._queues.get(key)
                if queue:
                    item = queue.popleft()
                    break
        if item is None:
            item = self.default if request.endpoint == "chat" else self.embeddings_default
            if item is None and request.endpoint == "embeddings":
                return Embeddings([])  # deterministic vectors from the inputs
        if item is not None and callable(item) and not isinstance(item, Reply | HttpError | Raw | Embeddings):
            return item(request)
        return item

    def _ids(self) -> tuple[str, int]:
        with self._lock:
            self._counter += 1
            return f"chatcmpl-loopback-{self._counter}", self._counter

    async def _chat(self, request: RecordedRequest, spec: Reply, send: Callable[..., Any]) -> None:
        body = request.body
        model = spec.model or body.get("model") or "loopback"
        completion_id, created = self._ids()
        prompt_tokens = (
            spec.prompt_tokens if spec.prompt_tokens is not None else _estimate_tokens(request.message_text())
        )
        output = spec.content if spec.tool_call is None else spec.tool_call[1]
        completion_tokens = spec.completion_tokens if spec.completion_tokens is not None else _estimate_tokens(output)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        finish = "tool_calls" if spec.tool_call is not None and spec.finish_reason == "stop" else spec.finish_reason

        if not body.get("stream"):
            if spec.cut_after_chunks is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100000")],
                    }
                )
                await send({"type": "http.response.body", "body": b'{"id": "', "more_body": True})
                raise _Abort("scripted cut")
            message: dict[str, Any] = {"role": "assistant", "content": spec.content if spec.tool_call is None else None}
            if spec.tool_call is not None:
                message["tool_calls"] = [
                    {
                        "id": f"call_{created}",
                        "type": "function",
                        "function": {"name": spec.tool_call[0], "arguments": spec.tool_call[1]},
                    }
                ]
            await _send_json(
                send,
                200,
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                    "usage": usage,
                },
            )
            return

        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")],
            }
        )

        async def event(payload: dict[str, Any] | str) -> None:
            data = payload if isinstance(payload, str) else json.dumps(payload)
            await send({"type": "http.response.body", "body": f"data: {data}\n\n".encode(), "more_body": True})

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            return {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
            }

        await event(chunk({"role": "assistant", "content": ""}))
        size = max(1, spec.chunk_size)
        pieces = [output[i : i + size] for i in range(0, len(output), size)]
        for index, piece in enumerate(pieces):
            if spec.cut_after_chunks is not None and index >= spec.cut_after_chunks:
                raise _Abort("scripted stream cut")
            if spec.tool_call is None:
                await event(chunk({"content": piece}))
            else:
                call: dict[str, Any] = {"index": 0, "function": {"arguments": piece}}
                if index == 0:
                    call.update(id=f"call_{created}", type="function")
                    call["function"]["name"] = spec.tool_call[0]
                await event(chunk({"tool_calls": [call]}))
            if spec.chunk_delay_s:
                await asyncio.sleep(spec.chunk_delay_s)
        if spec.cut_after_chunks is not None:  # every piece sent, but never finished
            raise _Abort("scripted stream cut")
        await event(chunk({}, finish))
        if (body.get("stream_options") or {}).get("include_usage"):
            await event(
                {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [],
                    "usage": usage,
                }
            )
        await event("[DONE]")
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _embeddings(self, request: RecordedRequest, spec: Spec, send: Callable[..., Any]) -> None:
        body = request.body
        inputs = body.get("input")
        items: list[Any] = inputs if isinstance(inputs, list) else [inputs]
        if isinstance(spec, Embeddings) and spec.vectors:
            vectors = [spec.vectors[i % len(spec.vectors)] for i in range(len(items))]
        else:
            vectors = [_hash_vector(str(item), self.embedding_dim) for item in items]
        tokens = sum(_estimate_tokens(str(item)) for item in items)
        await _send_json(
            send,
            200,
            {
                "object": "list",
                "model": body.get("model") or "loopback",
                "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )


# -------------------------------------------------------------------------- helpers


def _estimate_tokens(text: str) -> int:
    """Deterministic stand-in for a tokenizer: about four characters per token."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


def _hash_vector(text: str, dim: int) -> list[float]:
    """A unit vector derived from the text: equal texts embed equally, different ones differ."""
    raw: list[float] = []
    counter = 0
    while len(raw) < dim:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        raw.extend((b - 127.5) / 127.5 for b in digest)
        counter += 1
    vector = raw[:dim]
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [round(x / norm, 6) for x in vector]


def _error_type(status: int) -> str:
    return {
        400: "invalid_request_error",
        401: "authentication_error",
        404: "not_found_error",
        429: "rate_limit_error",
    }.get(status, "server_error" if status >= 500 else "invalid_request_error")


def _error_body(message: str, error_type: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": None, "code": None}}


def _fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


async def _send(
    send: Callable[..., Any], status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> None:
    raw_headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _send_json(
    send: Callable[..., Any], status: int, payload: Any, headers: dict[str, str] | None = None
) -> None:
    await _send(send, status, json.dumps(payload).encode(), "application/json", headers)


def replies(*contents: str, **options: Any) -> Iterable[Reply]:
    """``Reply`` for each content with shared options: ``server.enqueue(*replies("a", "b", delay_s=1))``."""
    return [Reply(content, **options) for content in contents]
