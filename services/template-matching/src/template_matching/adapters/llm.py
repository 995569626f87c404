"""LLM adapters behind the ``TemplateLLM`` port.

litellm is the adapter of choice (any provider); it is imported lazily, on the first call, with
``LITELLM_LOCAL_MODEL_COST_MAP=True`` so it never fetches its price list. Where litellm is not
installed (it is the optional ``[llm]`` extra) the service speaks the OpenAI chat-completions HTTP
API directly, which covers OpenAI, Ollama, vLLM and llama.cpp servers.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import httpx


class LLMError(Exception):
    """The provider failed or answered something unusable."""


def litellm_available() -> bool:
    return importlib.util.find_spec("litellm") is not None


class LiteLLMClient:
    def __init__(self, model: str, *, api_base: str | None, api_key: str | None, timeout_s: float) -> None:
        self.model, self.api_base, self.api_key, self.timeout_s = model, api_base, api_key, timeout_s

    async def complete(self, messages: list[dict[str, str]]) -> str:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm  # lazy: importing litellm takes seconds

        litellm.suppress_debug_info = True  # its "Give Feedback" banner on every error
        # local OpenAI-compatible servers (Ollama, llama.cpp) need no key, but litellm's openai
        # provider refuses to call without one
        api_key = self.api_key or ("no-key" if self.api_base else None)
        try:
            response: Any = await litellm.acompletion(
                model=self.model, messages=messages, api_base=self.api_base, api_key=api_key,
                timeout=self.timeout_s, num_retries=0, temperature=0,
            )
        except Exception as exc:  # retried by the caller
            raise LLMError(f"{type(exc).__name__}: {exc}"[:500]) from exc
        return response.choices[0].message.content or ""


class OpenAIHttpClient:
    """Chat completions over HTTP for OpenAI-compatible servers (``provider/`` prefixes are dropped)."""

    def __init__(self, model: str, *, api_base: str | None, api_key: str | None, timeout_s: float) -> None:
        self.model = model.split("/", 1)[1] if "/" in model else model
        self.url = (api_base or "https://api.openai.com/v1").rstrip("/") + "/chat/completions"
        self.headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None

    async def complete(self, messages: list[dict[str, str]]) -> str:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout_s)
        try:
            response = await self._client.post(
                self.url, json={"model": self.model, "messages": messages, "temperature": 0}, headers=self.headers
            )
        except httpx.HTTPError as exc:
            raise LLMError(f"{type(exc).__name__}: {exc}"[:500]) from exc
        if response.status_code != 200:
            raise LLMError(f"HTTP {response.status_code}: {response.text[:300]}")
        try:
            return response.json()["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError(f"malformed completion: {exc!r}") from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def create_llm(model: str | None, *, api_base: str | None, api_key: str | None, timeout_s: float) -> Any:
    """The configured LLM client, or None (no LLM: the service runs deterministic-only)."""
    if not model:
        return None
    cls = LiteLLMClient if litellm_available() else OpenAIHttpClient
    return cls(model, api_base=api_base, api_key=api_key, timeout_s=timeout_s)


class GuardedLLM:
    """The refiner's LLM behind the runtime's redaction stage, each call audited on llm.audit first.

    Records reach template-matching already redacted by ingestion; masking the prompt again costs
    little and covers whatever a rule change let through. A call whose audit record cannot be
    written is not made (the refiner retries it).
    """

    def __init__(self, inner: Any, *, model: str, api_base: str | None, publish: Any) -> None:
        self.inner, self.model, self.api_base, self.publish = inner, model, api_base, publish

    async def complete(self, messages: list[dict[str, str]]) -> str:
        import hashlib
        import json
        from collections import Counter

        from logmesh_contracts import LlmCall, stable_id, utcnow
        from logmesh_runtime.redaction import DEFAULT

        counts: Counter[str] = Counter()
        clean = [{**m, "content": DEFAULT.obj(m.get("content", ""), counts)} for m in messages]
        prompt = json.dumps(clean, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(prompt.encode()).hexdigest()
        await self.publish(LlmCall(
            event_id=stable_id("llm-call", "template-refinement", digest, utcnow().isoformat()),
            incident_id="template-refinement", org="*", model=self.model,
            endpoint=self.api_base or f"{self.model.split('/', 1)[0]} (provider default)",
            local=_is_local(self.api_base), called_at=utcnow(), redacted=True, redactions=dict(counts),
            prompt_sha256=digest, prompt_chars=len(prompt),
        ))
        return str(await self.inner.complete(clean))

    async def close(self) -> None:
        closing = getattr(self.inner, "close", None)
        if closing is not None:
            await closing()


def _is_local(api_base: str | None) -> bool:
    import ipaddress
    from urllib.parse import urlparse

    host = (urlparse(api_base).hostname or "") if api_base else ""
    if host in ("localhost",) or host.endswith((".svc", ".svc.cluster.local", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private
