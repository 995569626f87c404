"""Helpers for ingestion's tests: the real app on a real broker, driven over ASGI."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ingestion.app import create_app
from ingestion.settings import IngestionSettings


def make_settings(bootstrap: str, prefix: str, **overrides: Any) -> IngestionSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap": bootstrap,
        "topic_prefix": prefix,
        "retry_backoff_s": 0.05,
        "retry_backoff_max_s": 0.5,
        "shutdown_grace_s": 1.0,
        "consume_raw": False,
        "consume_otlp": False,
        **overrides,
    }
    return IngestionSettings(**values)


@contextlib.asynccontextmanager
async def running(settings: IngestionSettings, **app_kwargs: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (broker connected, consumers running) and a client for it."""
    app = create_app(settings, **app_kwargs)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingestion") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
