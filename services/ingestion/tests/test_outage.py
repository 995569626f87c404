"""Broker outage: 503 + Retry-After while it is down, nothing lost once it is back."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest

from logmesh_contracts import LogRecord
from logmesh_contracts.topics import LOGS_RECORDS
from logmesh_devstack.stack import EmbeddedBroker, create_topics, free_port
from logmesh_testing import wait_for_messages

from .support import make_settings, running

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def batch(tag: str, n: int = 5) -> dict[str, object]:
    return {"logs": [{"org": "acme", "service": "api", "message": f"{tag} {i}"} for i in range(n)]}


async def test_broker_outage_answers_503_and_retries_after_recovery_all_arrive(tmp_path: Path) -> None:
    broker = EmbeddedBroker(port=free_port(), log_path=tmp_path / "broker.log").start()
    prefix = f"o{uuid.uuid4().hex[:8]}."
    await create_topics(broker.bootstrap, prefix)
    settings = make_settings(
        broker.bootstrap, prefix, publish_timeout_s=2.0, kafka_request_timeout_ms=1500, retry_after_s=2
    )
    try:
        async with running(settings) as client:
            assert (await client.post("/logs/ingest", json=batch("before"))).status_code == 200

            broker.kill()
            started = time.monotonic()
            down = await client.post("/logs/ingest", json=batch("during"), headers={"Idempotency-Key": "during-1"})
            assert down.status_code == 503, down.text
            assert down.headers["retry-after"] == "2"
            assert time.monotonic() - started < 10  # bounded: no unbounded buffering or waiting
            assert (await client.get("/stats")).json()["http"]["unavailable"] >= 1

            broker.start()  # same port; memory storage starts empty, so the topics are made again
            await create_topics(broker.bootstrap, prefix)
            accepted: list[str] = []
            deadline = time.monotonic() + 60
            retried = None
            while time.monotonic() < deadline:  # a client honouring Retry-After: the same request again
                retried = await client.post(
                    "/logs/ingest", json=batch("during"), headers={"Idempotency-Key": "during-1"}
                )
                if retried.status_code == 200:
                    break
                assert retried.status_code == 503
                await asyncio.sleep(0.5)
            assert retried is not None and retried.status_code == 200, retried.text if retried else None
            accepted += [f"during {i}" for i in range(5)]
            for round_ in range(3):
                response = await client.post("/logs/ingest", json=batch(f"after{round_}"))
                assert response.status_code == 200
                accepted += [f"after{round_} {i}" for i in range(5)]

        records = await wait_for_messages(broker.bootstrap, prefix + LOGS_RECORDS.name, len(accepted), timeout_s=20)
        messages = {LogRecord.model_validate_json(r.value).message for r in records}
        assert set(accepted) <= messages
    finally:
        broker.stop()
