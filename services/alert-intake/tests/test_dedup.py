"""Publishing each alert state once, with a fake sink behind the port (the real one: test_http.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from alert_intake import domain
from alert_intake.dedup import Deduplicator
from alert_intake.ports import SinkUnavailable
from logmesh_contracts import Alert


class FlakySink:
    """Acknowledges alerts one by one and fails after ``fail_after`` of them, like a broker going away."""

    def __init__(self, fail_after: int | None = None, gate: asyncio.Event | None = None) -> None:
        self.fail_after = fail_after
        self.gate = gate
        self.written: list[str] = []
        self.calls = 0

    async def publish(self, alerts: Sequence[Alert]) -> None:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        for alert in alerts:
            if self.fail_after is not None and len(self.written) >= self.fail_after:
                raise SinkUnavailable("broker went away")
            self.written.append(alert.event_id)


def alerts(webhook: Callable[..., Any]) -> list[Alert]:
    return domain.any_alerts(webhook(), received_at=datetime(2026, 11, 23, tzinfo=UTC), org="default").alerts


def deduplicator() -> Deduplicator:
    return Deduplicator(domain.DedupWindow(3600, 10_000), clock=lambda: 1000.0)


async def test_the_second_delivery_publishes_nothing(webhook: Callable[..., Any]) -> None:
    dedup, sink = deduplicator(), FlakySink()
    first = await dedup.publish_once(alerts(webhook), sink)
    second = await dedup.publish_once(alerts(webhook), sink)
    assert len(first.published) == 2 and first.duplicates == []
    assert second.published == [] and len(second.duplicates) == 2
    assert sink.calls == 1


async def test_a_half_published_request_is_not_remembered_and_its_retry_completes(webhook: Callable[..., Any]) -> None:
    dedup, sink = deduplicator(), FlakySink(fail_after=1)
    with pytest.raises(SinkUnavailable):
        await dedup.publish_once(alerts(webhook), sink)
    assert len(dedup.window) == 0  # the request failed as a whole: nothing is marked as sent
    assert len(sink.written) == 1  # though one alert reached the broker
    # The topic reader learns what did reach the broker; the retry then sends only the rest.
    dedup.remember(sink.written[0])
    sink.fail_after = None
    retry = await dedup.publish_once(alerts(webhook), sink)
    assert [a.event_id for a in retry.published] == [alerts(webhook)[1].event_id]
    assert len(retry.duplicates) == 1
    assert len(sink.written) == len(set(sink.written)) == 2


async def test_concurrent_requests_with_the_same_alert_publish_it_once(webhook: Callable[..., Any]) -> None:
    gate = asyncio.Event()
    dedup, sink = deduplicator(), FlakySink(gate=gate)
    first = asyncio.create_task(dedup.publish_once(alerts(webhook), sink))
    second = asyncio.create_task(dedup.publish_once(alerts(webhook), sink))
    await asyncio.sleep(0)
    gate.set()
    a, b = await asyncio.gather(first, second)
    assert len(a.published) + len(b.published) == 2
    assert len(a.duplicates) + len(b.duplicates) == 2
    assert len(sink.written) == 2


async def test_a_concurrent_failure_fails_the_waiting_request_too(webhook: Callable[..., Any]) -> None:
    gate = asyncio.Event()
    dedup, sink = deduplicator(), FlakySink(fail_after=0, gate=gate)
    first = asyncio.create_task(dedup.publish_once(alerts(webhook), sink))
    second = asyncio.create_task(dedup.publish_once(alerts(webhook), sink))
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert all(isinstance(r, SinkUnavailable) for r in results)
    assert len(dedup.window) == 0
