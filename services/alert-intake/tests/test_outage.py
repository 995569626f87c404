"""Broker outage: 503 with Retry-After, nothing remembered as sent, and the sender's retry goes through once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from alert_intake.app import create_app
from alert_intake.settings import AlertIntakeSettings
from logmesh_contracts import Alert
from logmesh_contracts.topics import ALERTS_RECEIVED
from logmesh_devstack.stack import EmbeddedBroker, create_topics
from logmesh_testing import read_topic

pytestmark = [pytest.mark.broker, pytest.mark.slow]

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker this test may kill: the shared session broker must stay up for the others."""
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log").start()
    try:
        yield broker
    finally:
        broker.stop()


async def test_broker_outage_answers_503_and_the_retry_publishes_exactly_once(
    own_broker: EmbeddedBroker, tmp_path: Path, webhook: Callable[..., Any]
) -> None:
    await create_topics(own_broker.bootstrap)
    config = AlertIntakeSettings(
        kafka_bootstrap=own_broker.bootstrap,
        data_dir=tmp_path,
        intake_tokens=TOKEN,
        intake_publish_timeout_s=2.0,
        intake_retry_after_s=7,
        kafka_request_timeout_ms=1500,
        shutdown_grace_s=1.0,
    )  # type: ignore[call-arg]
    app = create_app(config)
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(app.state.dedup.ready.wait(), 20)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
            own_broker.kill()
            started = time.monotonic()
            answer = await client.post("/webhook", json=webhook(), headers=AUTH)
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "7"
            assert "retry" in answer.json()["error"]
            assert time.monotonic() - started < 10  # bounded: Alertmanager's own request must not time out first
            assert len(app.state.dedup.window) == 0  # nothing remembered as sent

            # The broker comes back (empty: Tansu in memory); Alertmanager retries the same notification.
            own_broker.start()
            await create_topics(own_broker.bootstrap)
            deadline = time.monotonic() + 30
            while True:
                answer = await client.post("/webhook", json=webhook(), headers=AUTH)
                if answer.status_code == 200 or time.monotonic() > deadline:
                    break
                assert answer.status_code == 503
                await asyncio.sleep(0.5)
            assert answer.status_code == 200, answer.text
            assert answer.json()["published"] == 2
            again = await client.post("/webhook", json=webhook(), headers=AUTH)
            assert again.json()["duplicates"] == 2
            metrics = (await client.get("/metrics")).text
            assert 'logmesh_alert_intake_requests_total{code="503",endpoint="/webhook"}' in metrics

    records = await read_topic(own_broker.bootstrap, ALERTS_RECEIVED.name)
    alerts = [Alert.model_validate_json(r.value) for r in records]
    assert len(alerts) == len({a.event_id for a in alerts}) == 2
    with contextlib.suppress(Exception):
        own_broker.stop()
