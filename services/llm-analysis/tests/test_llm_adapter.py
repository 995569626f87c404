"""The litellm adapter over HTTP against the loopback server: retries, timeouts, cut streams, cost."""

from __future__ import annotations

import json
import os

import pytest

from llm_analysis.adapters.llm import LiteLlmClient
from llm_analysis.ports import LlmUnavailable
from llm_analysis.settings import LlmAnalysisSettings
from logmesh_testing.openai_server import HttpError, OpenAIServer, Reply

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
pytest.importorskip("litellm")
pytestmark = [
    pytest.mark.llm,
    pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning"),
    pytest.mark.filterwarnings("ignore:Accessing the 'model_(computed_)?fields' attribute:DeprecationWarning"),
]
MESSAGES = [{"role": "user", "content": "hi"}]


def client(server: OpenAIServer, **overrides: object) -> LiteLlmClient:
    models = [{"model": "openai/only", "api_base": server.api_base, "timeout_s": 1.0,
               "input_cost_per_token": 0.001, "output_cost_per_token": 0.002}]
    values = {"service_name": "llm-analysis", "llm_models": json.dumps(models), "llm_retries": 1,
              "llm_cooldown_s": 0, **overrides}
    return LiteLlmClient(LlmAnalysisSettings(**values))  # type: ignore[arg-type]


async def test_rate_limit_is_retried_and_cost_comes_from_configured_prices() -> None:
    async with OpenAIServer() as server:
        server.enqueue(HttpError(429, retry_after=0), Reply("ok", prompt_tokens=100, completion_tokens=10))
        llm = client(server)
        reply = await llm.complete(MESSAGES, stream=False)
        await llm.close()
    assert reply.text == "ok" and reply.model == "openai/only"
    assert reply.cost_usd == pytest.approx(100 * 0.001 + 10 * 0.002)
    assert len(server.chat_requests()) == 2


async def test_timeouts_and_cut_streams_surface_as_unavailable() -> None:
    async with OpenAIServer() as server:
        server.enqueue(Reply("late", delay_s=3), Reply("late", delay_s=3))
        llm = client(server, llm_retries=0)
        with pytest.raises(LlmUnavailable):
            await llm.complete(MESSAGES, stream=False)
        server.clear()
        server.enqueue(Reply('{"root_cause": "cut here"}', chunk_size=4, cut_after_chunks=2))
        seen: list[str] = []

        async def on_text(piece: str) -> None:
            seen.append(piece)

        with pytest.raises(LlmUnavailable):
            await llm.complete(MESSAGES, stream=True, on_text=on_text)
        await llm.close()


async def test_json_object_schema_sends_the_answer_schema_for_llama_cpp_grammars() -> None:
    from llm_analysis.safety import BOUNDED_ANSWER_SCHEMA

    async with OpenAIServer() as server:
        server.enqueue(Reply("{}"))
        llm = client(server, llm_response_format="json_object_schema")
        await llm.complete(MESSAGES, stream=False)
        await llm.close()
    (request,) = server.chat_requests()
    assert request.body["response_format"] == {"type": "json_object", "schema": BOUNDED_ANSWER_SCHEMA}


async def test_the_default_key_is_sent_as_bearer_but_never_printed_with_the_settings() -> None:
    secret = "sk-test-" + "9f3a" * 8
    async with OpenAIServer() as server:
        server.enqueue(Reply("ok"))
        llm = client(server, llm_api_key=secret)
        assert secret not in repr(llm.settings) and secret not in str(llm.settings.model_dump())
        await llm.complete(MESSAGES, stream=False)
        await llm.close()
    (request,) = server.chat_requests()
    assert request.headers.get("authorization") == f"Bearer {secret}"
