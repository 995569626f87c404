"""In-flight limits answer 503 + Retry-After instead of queueing without bound.

The publisher is a fake behind the ``RecordPublisher`` port (a broker cannot be made to stall on
cue); the real broker's outage is covered in test_outage.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx
import pytest
from pydantic import ValidationError

from ingestion.app import create_app
from ingestion.settings import IngestionSettings
from logmesh_runtime.kafka import PublishUnavailable


class StalledPublisher:
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = asyncio.Event()
        self.published: list[tuple[str, bytes]] = []

    async def publish(self, records: Sequence[tuple[str, bytes]], timeout_s: float) -> None:
        self.entered.set()
        try:
            await asyncio.wait_for(self.release.wait(), timeout_s)
        except TimeoutError as exc:
            raise PublishUnavailable("stalled") from exc
        self.published.extend(records)


def settings(**overrides: object) -> IngestionSettings:
    return IngestionSettings(consume_raw=False, retry_after_s=3, **overrides)  # type: ignore[arg-type]


def body(n: int) -> dict[str, object]:
    return {"logs": [{"org": "acme", "message": f"m{i}"} for i in range(n)]}


async def test_requests_beyond_the_in_flight_limits_get_503() -> None:
    publisher = StalledPublisher()
    app = create_app(settings(max_inflight_requests=1, max_inflight_records=10), publisher=publisher)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as client:
        first = asyncio.create_task(client.post("/logs/ingest", json=body(2)))
        await asyncio.wait_for(publisher.entered.wait(), 5)
        busy = await client.post("/logs/ingest", json=body(1))
        assert busy.status_code == 503 and busy.headers["retry-after"] == "3"
        publisher.release.set()
        assert (await first).status_code == 200
        assert len(publisher.published) == 2

    publisher = StalledPublisher()
    app = create_app(settings(max_inflight_requests=8, max_inflight_records=10), publisher=publisher)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as client:
        first = asyncio.create_task(client.post("/logs/ingest", json=body(8)))
        await asyncio.wait_for(publisher.entered.wait(), 5)
        too_many = await client.post("/logs/ingest", json=body(3))
        assert too_many.status_code == 503
        fits = asyncio.create_task(client.post("/logs/ingest", json=body(2)))
        await asyncio.sleep(0)
        publisher.release.set()
        assert (await first).status_code == 200 and (await fits).status_code == 200
        stats = (await client.get("/stats")).json()
        assert stats["http"]["overloaded"] == 1 and stats["inflight"] == {"requests": 0, "records": 0}


async def test_no_acknowledgement_in_time_is_503_not_200() -> None:
    publisher = StalledPublisher()
    app = create_app(settings(publish_timeout_s=0.2), publisher=publisher)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as client:
        response = await client.post("/logs/ingest", json=body(2))
    assert response.status_code == 503 and response.json()["accepted"] == 0
    assert publisher.published == []


def test_placeholder_token_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="LOGMESH_INGEST_TOKEN"):
        IngestionSettings(ingest_token="changeme")  # type: ignore[arg-type]
