"""Ports: what the analysis needs from the outside world."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class LlmReply:
    text: str
    model: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class LlmUnavailable(Exception):
    """Every configured model failed (errors, timeouts, cooldowns)."""


OnText = Callable[[str], Awaitable[None]]


class LlmClient(Protocol):
    async def complete(
        self, messages: list[dict[str, str]], *, stream: bool, on_text: OnText | None = None
    ) -> LlmReply: ...

    async def close(self) -> None: ...
