"""The LLM adapter: litellm's Router over the configured models (fallbacks, retries, cooldowns).

litellm is imported lazily (it takes seconds) and always with a local cost map, never the network.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from llm_analysis.ports import LlmReply, LlmUnavailable, OnText
from llm_analysis.safety import ANSWER_SCHEMA, BOUNDED_ANSWER_SCHEMA
from llm_analysis.settings import LlmAnalysisSettings, ModelConfig
from logmesh_runtime.settings import reveal

log = logging.getLogger(__name__)

NO_KEY = "sk-no-key-required"  # OpenAI-compatible local servers want some bearer token


def import_litellm() -> Any:
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    litellm.drop_params = True  # providers without response_format/stream_options still answer
    return litellm


class LiteLlmClient:
    def __init__(self, settings: LlmAnalysisSettings) -> None:
        self.settings = settings
        self.models: list[ModelConfig] = settings.models()
        if not self.models:
            raise ValueError("no LLM models configured")
        self._router: Any = None
        self._by_id = {f"logmesh-{i}": m for i, m in enumerate(self.models)}

    def _build(self) -> Any:
        if self._router is not None:
            return self._router
        litellm = import_litellm()
        model_list = []
        for deployment_id, model in self._by_id.items():
            params: dict[str, Any] = {
                "model": model.model,
                "timeout": model.timeout_s or self.settings.llm_timeout_s,
                "stream_timeout": model.timeout_s or self.settings.llm_timeout_s,
                "max_retries": 0,  # the Router retries; the OpenAI SDK's own retries would multiply them
            }
            if model.api_base:
                params["api_base"] = model.api_base
            key = model.api_key(reveal(self.settings.llm_api_key))
            if key or model.is_local():
                params["api_key"] = key or NO_KEY
            if model.input_cost_per_token is not None:
                params["input_cost_per_token"] = model.input_cost_per_token
            if model.output_cost_per_token is not None:
                params["output_cost_per_token"] = model.output_cost_per_token
            # The deployment id must differ from the group name: a request naming a deployment id
            # directly bypasses the Router's retries (seen with litellm 1.102.4).
            model_list.append({"model_name": deployment_id, "litellm_params": params,
                               "model_info": {"id": f"{deployment_id}.deployment"}})
        ids = list(self._by_id)
        self._router = litellm.Router(
            model_list=model_list,
            fallbacks=[{ids[0]: ids[1:]}] if len(ids) > 1 else [],
            num_retries=self.settings.llm_retries,
            timeout=self.settings.llm_timeout_s,
            allowed_fails=self.settings.llm_allowed_fails,
            cooldown_time=self.settings.llm_cooldown_s,
            retry_after=0,
        )
        return self._router

    def _request_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "max_tokens": self.settings.llm_max_tokens,
            "temperature": self.settings.llm_temperature,
        }
        if self.settings.llm_response_format == "json_object":
            options["response_format"] = {"type": "json_object"}
        elif self.settings.llm_response_format == "json_object_schema":
            options["response_format"] = {"type": "json_object", "schema": BOUNDED_ANSWER_SCHEMA}
        elif self.settings.llm_response_format == "json_schema":
            options["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "incident_analysis", "schema": ANSWER_SCHEMA, "strict": True}}
        return options

    async def complete(self, messages: list[dict[str, str]], *, stream: bool, on_text: OnText | None = None) -> LlmReply:
        router = self._build()
        primary = next(iter(self._by_id))
        try:
            if stream:
                return await self._stream(router, primary, messages, on_text)
            response = await router.acompletion(model=primary, messages=messages, **self._request_options())
        except Exception as exc:  # litellm maps every provider failure to its own exception types
            raise LlmUnavailable(f"{type(exc).__name__}: {str(exc)[:300]}") from exc
        text = response.choices[0].message.content or ""
        usage = getattr(response, "usage", None)
        return self._reply(response, text, getattr(usage, "prompt_tokens", 0) or 0,
                           getattr(usage, "completion_tokens", 0) or 0)

    async def _stream(self, router: Any, primary: str, messages: list[dict[str, str]], on_text: OnText | None) -> LlmReply:
        response = await router.acompletion(model=primary, messages=messages, stream=True,
                                            stream_options={"include_usage": True}, **self._request_options())
        parts: list[str] = []
        prompt_tokens = completion_tokens = 0
        async for chunk in response:
            usage = getattr(chunk, "usage", None)
            if usage is not None:
                prompt_tokens = getattr(usage, "prompt_tokens", 0) or prompt_tokens
                completion_tokens = getattr(usage, "completion_tokens", 0) or completion_tokens
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            piece = getattr(delta, "content", None) if delta is not None else None
            if piece:
                parts.append(piece)
                if on_text is not None:
                    await on_text(piece)
        return self._reply(response, "".join(parts), prompt_tokens, completion_tokens)

    def _reply(self, response: Any, text: str, prompt_tokens: int, completion_tokens: int) -> LlmReply:
        hidden = getattr(response, "_hidden_params", None) or {}
        deployment = hidden.get("model_id")
        model = self._by_id.get(deployment.removesuffix(".deployment")) if deployment else None
        name = model.model if model else (hidden.get("litellm_model_name") or getattr(response, "model", None))
        return LlmReply(text=text, model=name, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                        cost_usd=self._cost(model, name, prompt_tokens, completion_tokens))

    def _cost(self, model: ModelConfig | None, name: str | None, prompt_tokens: int, completion_tokens: int) -> float:
        if model is not None and (model.input_cost_per_token is not None or model.output_cost_per_token is not None):
            return prompt_tokens * (model.input_cost_per_token or 0.0) + completion_tokens * (
                model.output_cost_per_token or 0.0)
        if not name:
            return 0.0
        try:
            litellm = import_litellm()
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=name, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
            return float(prompt_cost + completion_cost)
        except Exception:  # unknown to the local cost map (self-hosted models): no cost known
            return 0.0

    async def close(self) -> None:
        router, self._router = self._router, None
        if router is not None:
            try:
                router.discard()
            except Exception:  # best effort; nothing depends on it
                log.debug("router discard failed", exc_info=True)
