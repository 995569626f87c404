"""The HTTP intake against a real broker: publish once, refuse bad input and bad credentials."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from alert_intake.app import create_app
from alert_intake.settings import AlertIntakeSettings
from logmesh_contracts import Alert
from logmesh_contracts.topics import ALERTS_RECEIVED
from logmesh_testing import read_topic, wait_for_messages

pytestmark = [pytest.mark.broker]

TOKEN = "test-token-0123456789abcdef"
NEXT = "next-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def settings(bootstrap: str, prefix: str, tmp_path: Path, **values: object) -> AlertIntakeSettings:
    base: dict[str, object] = {
        "kafka_bootstrap": bootstrap,
        "topic_prefix": prefix,
        "data_dir": tmp_path,
        "intake_tokens": f"{TOKEN},{NEXT}",
        "shutdown_grace_s": 1.0,
    }
    return AlertIntakeSettings(**{**base, **values})  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running(config: AlertIntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (broker, dedup index) running, and a client speaking to it."""
    app = create_app(config)
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(app.state.dedup.ready.wait(), 20)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://alert-intake") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


async def alerts_on_topic(bootstrap: str, prefix: str) -> list[Alert]:
    return [Alert.model_validate_json(r.value) for r in await read_topic(bootstrap, prefix + ALERTS_RECEIVED.name)]


async def test_one_message_per_alert_repeats_absorbed_resolution_published(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, webhook: Callable[..., Any]
) -> None:
    topic = topic_prefix + ALERTS_RECEIVED.name
    async with running(settings(kafka_bootstrap, topic_prefix, tmp_path)) as client:
        first = await client.post("/webhook", json=webhook(), headers=AUTH)
        assert first.status_code == 200, first.text
        assert first.json()["published"] == 2
        repeat = await client.post("/webhook", json=webhook(), headers=AUTH)  # repeat_interval / retry
        assert repeat.json() == {**first.json(), "published": 0, "duplicates": 2}

        resolved = webhook(status="resolved")
        resolved["alerts"] = resolved["alerts"][:1]
        resolved["alerts"][0].update(status="resolved", endsAt="2026-11-23T10:30:00Z")
        answer = await client.post("/webhook", json=resolved, headers=AUTH)
        assert answer.json()["published"] == 1

        metrics = (await client.get("/metrics")).text
        assert 'logmesh_alert_intake_alerts_total{outcome="published"} 3.0' in metrics
        assert 'logmesh_alert_intake_alerts_total{outcome="duplicate"} 2.0' in metrics

    records = await wait_for_messages(kafka_bootstrap, topic, 3, timeout_s=5)
    assert len(records) == 3
    alerts = [Alert.model_validate_json(r.value) for r in records]
    assert {r.key.decode() for r in records} == {"4d2b3e1f0a9c8b7d", "1111222233334444"}
    assert all(r.key.decode() == a.fingerprint for r, a in zip(records, alerts, strict=True))
    (resolution,) = [a for a in alerts if a.status == "resolved"]
    (fired,) = [a for a in alerts if a.fingerprint == resolution.fingerprint and a.status == "firing"]
    assert resolution.starts_at == fired.starts_at
    assert resolution.event_id != fired.event_id


async def test_generic_alerts_and_truncation(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, webhook: Callable[..., Any], generic: Callable[[], Any]
) -> None:
    async with running(settings(kafka_bootstrap, topic_prefix, tmp_path)) as client:
        answer = await client.post("/api/v2/alerts", json=generic(), headers={"Authorization": f"Bearer {NEXT}"})
        assert answer.status_code == 200 and answer.json()["published"] == 1
        # the same generic list is also accepted on /webhook, and recognised as the same alert
        again = await client.post("/webhook", json=generic(), headers=AUTH)
        assert again.json()["duplicates"] == 1
        truncated = await client.post("/webhook", json=webhook(truncatedAlerts=5), headers=AUTH)
        assert truncated.json()["truncated_alerts"] == 5
        metrics = (await client.get("/metrics")).text
        assert 'logmesh_alert_intake_truncated_alerts_total{receiver="logmesh"} 5.0' in metrics
    alerts = await alerts_on_topic(kafka_bootstrap, topic_prefix)
    assert sorted(a.truncated_alerts for a in alerts) == [0, 5, 5]


async def test_wrong_credentials_are_refused_without_echo_and_nothing_is_published(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, webhook: Callable[..., Any]
) -> None:
    body = webhook()
    body["alerts"][0]["annotations"]["summary"] = "ECHO-CANARY"
    refused_headers: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer wrong-token-0123456789abc"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Basic {base64.b64encode(f'alertmanager:{TOKEN}'.encode()).decode()}"},
        {"Authorization": TOKEN},
    ]
    async with running(settings(kafka_bootstrap, topic_prefix, tmp_path)) as client:
        for headers in refused_headers:
            answer = await client.post("/webhook", json=body, headers=headers)
            assert answer.status_code == 401, headers
            assert answer.json() == {"error": "unauthorized"}
            assert "ECHO-CANARY" not in answer.text and TOKEN not in answer.text
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        metrics = (await client.get("/metrics")).text
        assert 'logmesh_alert_intake_requests_total{code="401",endpoint="/webhook"} 5.0' in metrics
    assert await alerts_on_topic(kafka_bootstrap, topic_prefix) == []


async def test_every_malformed_payload_gets_a_json_4xx_and_nothing_is_published(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, webhook: Callable[..., Any]
) -> None:
    bad_time = webhook()
    bad_time["alerts"][1]["startsAt"] = "not-a-time"
    wrong_types = webhook()
    wrong_types["alerts"][0]["labels"] = {"alertname": ["a", "list"]}
    cases: list[tuple[str, bytes, int, str]] = [
        ("/webhook", b"{broken", 400, "not valid JSON"),
        ("/webhook", b"", 400, "empty body"),
        ("/webhook", b'"just a string"', 422, "expected a JSON object"),
        ("/webhook", b"17", 422, "expected a JSON object"),
        ("/webhook", json.dumps({"receiver": "r", "status": "firing"}).encode(), 422, "missing 'alerts'"),
        ("/webhook", json.dumps(wrong_types).encode(), 422, "alerts.0.labels.alertname"),
        ("/webhook", json.dumps(bad_time).encode(), 422, "alerts.1.startsAt"),
        ("/api/v2/alerts", json.dumps(webhook()).encode(), 422, "expected a JSON list"),
        ("/api/v2/alerts", b"[1, 2]", 422, "0: expected an object"),
    ]
    small = settings(kafka_bootstrap, topic_prefix, tmp_path, intake_max_body_bytes=2048, intake_max_alerts=3)
    async with running(small) as client:
        for path, body, status, fragment in cases:
            answer = await client.post(path, content=body, headers={**AUTH, "Content-Type": "application/json"})
            assert answer.status_code == status, (path, body[:40], answer.text)
            assert fragment in json.dumps(answer.json()), answer.text

        oversized = json.dumps(webhook(padding="x" * 4096)).encode()
        answer = await client.post("/webhook", content=oversized, headers=AUTH)
        assert answer.status_code == 413 and "at most 2048" in answer.json()["error"]

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit applies while reading
            for _ in range(8):
                yield b" " * 512

        answer = await client.post("/webhook", content=chunks(), headers=AUTH)
        assert answer.status_code == 413

        many = webhook()
        many["alerts"] = [
            {**many["alerts"][1], "fingerprint": f"{i:016x}", "labels": {"alertname": f"A{i}"}} for i in range(4)
        ]
        answer = await client.post("/webhook", json=many, headers=AUTH)
        assert answer.status_code == 413 and "at most 3" in answer.json()["error"]

        answer = await client.post("/webhook", json=webhook(), headers={**AUTH, "Content-Encoding": "gzip"})
        assert answer.status_code == 415
    assert await alerts_on_topic(kafka_bootstrap, topic_prefix) == []


async def test_a_restarted_replica_rebuilds_the_window_from_the_topic(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, webhook: Callable[..., Any]
) -> None:
    config = settings(kafka_bootstrap, topic_prefix, tmp_path)
    async with running(config) as client:
        assert (await client.post("/webhook", json=webhook(), headers=AUTH)).json()["published"] == 2
    async with running(config) as client:  # a fresh process: empty memory, same topic
        window = client.app.state.dedup.window  # type: ignore[attr-defined]
        assert all(window.contains(a.event_id, time.time()) for a in await alerts_on_topic(kafka_bootstrap, topic_prefix))
        answer = await client.post("/webhook", json=webhook(), headers=AUTH)
        assert answer.json()["published"] == 0 and answer.json()["duplicates"] == 2
        ready = (await client.get("/ready")).json()
        assert ready["checks"]["dedup-index"] == {"ok": True, "detail": "2 alert states"}
    assert len(await alerts_on_topic(kafka_bootstrap, topic_prefix)) == 2


async def test_replicas_share_the_window_by_tailing_the_topic(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, webhook: Callable[..., Any]
) -> None:
    config = settings(kafka_bootstrap, topic_prefix, tmp_path)
    async with running(config) as a, running(config) as b:
        first = await a.post("/webhook", json=webhook(), headers=AUTH)
        event_ids = first.json()["event_ids"]
        window_b = b.app.state.dedup.window  # type: ignore[attr-defined]
        deadline = asyncio.get_running_loop().time() + 10
        while not all(window_b.contains(e, time.time()) for e in event_ids):
            assert asyncio.get_running_loop().time() < deadline, "replica b never saw replica a's alerts"
            await asyncio.sleep(0.1)
        answer = await b.post("/webhook", json=webhook(), headers=AUTH)
        assert answer.json()["published"] == 0
    assert len(await alerts_on_topic(kafka_bootstrap, topic_prefix)) == 2

