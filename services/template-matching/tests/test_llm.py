"""LLM refinement against the loopback OpenAI-compatible server: batching, bounds, retries, validation."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from logmesh_testing.openai_server import HttpError, OpenAIServer, Raw, RecordedRequest, Reply
from template_matching.adapters.llm import create_llm
from template_matching.domain import LLMItem
from template_matching.refiner import Refiner

pytestmark = [pytest.mark.llm]


def generalise(request: RecordedRequest) -> Reply:
    """A well-behaved 'model': every token holding a digit becomes <*>."""
    items = json.loads(request.message_text("user"))["items"]
    templates = [
        {"id": item["id"], "template": " ".join("<*>" if re.search(r"\d", t) else t for t in item["lines"][0].split())}
        for item in items
    ]
    return Reply(json.dumps({"templates": templates}))


def item(n: int) -> LLMItem:
    return LLMItem(f"t{n}", f"job {n} finished after <*> s", (f"job {n} finished after 3.{n} s",), "acme", "batch")


async def refine(server: OpenAIServer, items: list[LLMItem], **options) -> tuple[Refiner, list[str]]:
    accepted: list[str] = []

    async def on_refined(it: LLMItem, template: str) -> None:
        accepted.append(template)

    llm = create_llm("openai/loopback", api_base=server.api_base, api_key="sk-test-only", timeout_s=5)
    refiner = Refiner(llm, on_refined, **{"batch_wait_s": 0.2, "backoff_s": 0.01, **options})
    task = asyncio.create_task(refiner.run())
    try:
        for it in items:
            assert refiner.submit(it)
        await refiner.idle(20)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        close = getattr(llm, "close", None)
        if close:
            await close()
    return refiner, accepted


async def test_items_are_batched_and_validated_proposals_accepted() -> None:
    async with OpenAIServer(responder=generalise) as server:
        refiner, accepted = await refine(server, [item(n) for n in range(12)], batch_size=5)
        assert sorted(refiner.stats.batch_sizes) == [2, 5, 5]
        assert len(server.chat_requests()) == 3
        assert accepted.count("job <*> finished after <*> s") == 12
        assert "sk-test-only" not in server.all_text()  # the key travels as a header, never in a prompt


async def test_concurrency_is_bounded() -> None:
    def slow(request: RecordedRequest) -> Reply:
        reply = generalise(request)
        return Reply(reply.content, delay_s=0.3)

    async with OpenAIServer(responder=slow) as server:
        refiner, accepted = await refine(server, [item(n) for n in range(8)], batch_size=1, concurrency=2,
                                         batch_wait_s=0.01)
        assert refiner.stats.batches == 8 and refiner.stats.max_in_flight == 2 and len(accepted) == 8


async def test_failures_are_retried_with_backoff_then_given_up() -> None:
    async with OpenAIServer(default=generalise) as server:
        server.enqueue(HttpError(500), HttpError(429, retry_after=0), Raw(b'{"choices": ['))
        refiner, accepted = await refine(server, [item(1)], max_attempts=3)
        assert refiner.stats.failed_batches == 1 and accepted == []  # three bad answers: the batch is dropped
        server.enqueue(HttpError(503), Reply("not json at all"))
        refiner, accepted = await refine(server, [item(2)], max_attempts=3)
        assert refiner.stats.attempts == 3 and accepted == ["job <*> finished after <*> s"]


async def test_invalid_proposals_are_rejected() -> None:
    answer = {"templates": [{"id": 0, "template": "job 9 finished after <*> s"},  # does not match its line
                            {"id": 1, "template": "<*> <*> <*> <*> <*>"}]}  # explains nothing
    async with OpenAIServer(default=Reply(json.dumps(answer))) as server:
        refiner, accepted = await refine(server, [item(1), item(2)], batch_size=2)
        assert accepted == [] and refiner.stats.rejected == 2 and len(server.chat_requests()) == 1


async def test_submit_never_waits_when_the_queue_is_full() -> None:
    async def on_refined(it: LLMItem, template: str) -> None:
        raise AssertionError("not called")

    refiner = Refiner(create_llm("openai/x", api_base="http://127.0.0.1:9", api_key=None, timeout_s=1), on_refined,
                      queue_size=2)
    assert refiner.submit(item(1)) and refiner.submit(item(2))
    assert not refiner.submit(item(3)) and refiner.stats.dropped == 1
    assert not refiner.submit(item(1))  # already pending


def test_no_llm_configured_means_no_client() -> None:
    assert create_llm(None, api_base=None, api_key=None, timeout_s=1) is None


async def test_http_adapter_without_litellm_speaks_the_openai_api() -> None:
    from template_matching.adapters.llm import OpenAIHttpClient

    async with OpenAIServer(default=Reply('{"templates": []}')) as server:
        client = OpenAIHttpClient("openai/loopback", api_base=server.api_base, api_key="sk-test-only", timeout_s=5)
        try:
            assert await client.complete([{"role": "user", "content": "hi"}]) == '{"templates": []}'
            server.enqueue(HttpError(500))
            with pytest.raises(Exception, match="HTTP 500"):
                await client.complete([{"role": "user", "content": "hi"}])
        finally:
            await client.close()
        (first, _second) = server.chat_requests()
        assert first.model == "loopback" and first.headers["authorization"] == "Bearer sk-test-only"
