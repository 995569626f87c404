"""The shared loopback OpenAI-compatible server (logmesh_testing.openai_server), used sync and async."""

from __future__ import annotations

import json

import httpx
import pytest

from logmesh_testing.openai_server import Embeddings, HttpError, OpenAIServer, Raw, Reply

pytestmark = [pytest.mark.llm]


def chat(server: OpenAIServer, model: str = "m", stream: bool = False, **extra: object) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "hello"}], "stream": stream, **extra}
    return httpx.post(f"{server.api_base}/chat/completions", json=body, timeout=5,
                      headers={"Authorization": "Bearer k"})


def sse(response: httpx.Response) -> list[object]:
    events = []
    for line in response.text.splitlines():
        if line.startswith("data: "):
            payload = line[6:]
            events.append(payload if payload == "[DONE]" else json.loads(payload))
    return events


def test_scripted_answers_in_order_per_model_and_recorded() -> None:
    with OpenAIServer() as server:
        server.enqueue(Reply('{"a": 1}'), HttpError(429, retry_after=2), Raw(b'{"choices": ['))
        server.enqueue(Reply("for b"), model="b")
        ok = chat(server)
        assert ok.json()["choices"][0]["message"]["content"] == '{"a": 1}'
        assert ok.json()["usage"]["prompt_tokens"] > 0
        assert chat(server, model="b").json()["choices"][0]["message"]["content"] == "for b"
        limited = chat(server)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
        assert limited.json()["error"]["type"] == "rate_limit_error"
        with pytest.raises(ValueError):
            chat(server).json()
        exhausted = chat(server)
        assert exhausted.status_code == 500 and "exhausted" in exhausted.json()["error"]["message"]
        assert [r.model for r in server.chat_requests()] == ["m", "b", "m", "m", "m"]
        assert server.requests[0].headers["authorization"] == "Bearer k"
        assert "hello" in server.all_text()


def test_streaming_with_usage_and_a_cut_stream() -> None:
    with OpenAIServer(default=Reply("abcdefghij", chunk_size=4)) as server:
        events = sse(chat(server, stream=True, stream_options={"include_usage": True}))
        assert events[-1] == "[DONE]"
        text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events[:-1]
                       if isinstance(e, dict) and e["choices"])
        assert text == "abcdefghij"
        assert any(isinstance(e, dict) and e.get("usage") for e in events)
        server.enqueue(Reply("abcdefghij", chunk_size=2, cut_after_chunks=2))
        with pytest.raises(httpx.HTTPError):
            chat(server, stream=True)


def test_responder_function_delay_and_embeddings() -> None:
    def respond(request):  # type: ignore[no-untyped-def]
        return Reply("slow", delay_s=0.5) if "slow" in request.text else None

    with OpenAIServer(default=Reply("fast"), responder=respond) as server:
        with pytest.raises(httpx.TimeoutException):
            httpx.post(f"{server.api_base}/chat/completions", timeout=0.2,
                       json={"model": "m", "messages": [{"role": "user", "content": "slow"}]})
        assert chat(server).json()["choices"][0]["message"]["content"] == "fast"
        first = httpx.post(f"{server.api_base}/embeddings", json={"model": "e", "input": ["a", "b"]}).json()
        again = httpx.post(f"{server.api_base}/embeddings", json={"model": "e", "input": "a"}).json()
        assert len(first["data"]) == 2 and first["data"][0]["embedding"] == again["data"][0]["embedding"]
        server.enqueue_embeddings(Embeddings([[1.0, 0.0]]))
        assert httpx.post(f"{server.api_base}/embeddings", json={"input": "x"}).json()["data"][0]["embedding"] == [1.0, 0.0]
        assert len(server.embedding_requests()) == 3


async def test_async_context_manager() -> None:
    async with OpenAIServer(default=Reply("hi")) as server:
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{server.api_base}/chat/completions",
                                         json={"model": "m", "messages": [{"role": "user", "content": "x"}]})
        assert response.json()["choices"][0]["message"]["content"] == "hi"
        assert len(await server.async_wait_for_requests(1)) == 1
