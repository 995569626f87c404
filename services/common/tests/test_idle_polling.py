"""What an idle consumer does between records: it polls again at once after an empty poll (no sleep a
record arriving meanwhile would wait behind), without spinning, and it hands the broker the fetch wait
its settings ask for."""

from __future__ import annotations

import asyncio
import inspect
import time
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

import pytest
from faststream.kafka.subscriber.usecase import BatchSubscriber

from logmesh_contracts import Feedback
from logmesh_contracts.topics import FEEDBACK
from logmesh_runtime.kafka import Delivery, Mesh, _PromptBatchSubscriber
from logmesh_runtime.metrics import Metrics
from logmesh_runtime.service import Service
from logmesh_runtime.settings import ServiceSettings
from logmesh_testing import wait_until

POLL_MS = 200


class FakeConsumer:
    """``getmany`` as aiokafka's: waits up to the timeout for records (``early``: comes back empty at once)."""

    def __init__(self, records: dict[Any, list[Any]] | None = None, early: bool = False) -> None:
        self.records, self.early, self.calls = records or {}, early, 0

    async def getmany(self, timeout_ms: int, max_records: int | None) -> dict[Any, list[Any]]:
        self.calls += 1
        if not self.records and not self.early:
            await asyncio.sleep(timeout_ms / 1000)
        return self.records


def feedback(event_id: str) -> Feedback:
    return Feedback(event_id=event_id, incident_id="i", verdict="correct", given_by="t", given_at=datetime.now(UTC),
                    channel="http")


def mesh(**values: Any) -> Mesh:
    settings = ServiceSettings(service_name="knowledge-storage", kafka_bootstrap="127.0.0.1:1", **values)
    return Mesh(settings, Metrics("knowledge-storage"))


async def _ignore(*_args: Any) -> None:
    return None


def subscribers(values: dict[str, Any] | None = None, **consume: Any) -> list[Any]:
    """The FastStream subscribers the runtime builds for one ``consume_batch`` registration."""
    built = mesh(**(values or {}))
    built.consume_batch(FEEDBACK, _ignore, **consume)
    for group, registrations in built._groups.items():
        built._subscribe(group, registrations)
    return list(built.broker.subscribers)


def test_the_runtime_subscribes_with_the_prompt_subscriber() -> None:
    built = subscribers(batch_timeout_ms=POLL_MS)
    assert [type(s) for s in built] == [_PromptBatchSubscriber]
    assert built[0].batch_timeout_ms == POLL_MS


def test_the_faststream_internals_relied_on_are_unchanged() -> None:
    """Re-check ``_PromptBatchSubscriber`` against a new FastStream: its consume loop must still take each
    poll from ``self.get_msg(consumer)``, and the class must still be the one ``subscriber(batch=True)`` builds."""
    assert version("faststream") == "0.7.8"
    assert "await self.get_msg(consumer)" in inspect.getsource(BatchSubscriber._run_consume_loop)
    assert "anyio.sleep(self.batch_timeout_ms / 1000)" in inspect.getsource(BatchSubscriber.get_msg)


async def test_an_empty_poll_is_followed_by_the_next_at_once() -> None:
    subscriber = subscribers(batch_timeout_ms=POLL_MS)[0]
    consumer = FakeConsumer()
    started = time.monotonic()
    assert await subscriber.get_msg(consumer) == ()
    # FastStream's own get_msg sleeps another batch_timeout_ms here (2 x POLL_MS in all)
    assert time.monotonic() - started < 1.5 * POLL_MS / 1000


async def test_a_poll_that_came_back_empty_early_waits_out_its_time() -> None:
    subscriber = subscribers(batch_timeout_ms=POLL_MS)[0]
    consumer = FakeConsumer(early=True)
    started = time.monotonic()
    assert await subscriber.get_msg(consumer) == ()
    assert time.monotonic() - started >= 0.9 * POLL_MS / 1000  # no busy loop before an assignment


async def test_records_come_out_in_the_order_getmany_gave_them() -> None:
    subscriber = subscribers(batch_timeout_ms=POLL_MS)[0]
    assert await subscriber.get_msg(FakeConsumer({"p0": ["a", "b"], "p1": ["c"]})) == ("a", "b", "c")


@pytest.mark.broker
async def test_a_record_after_an_idle_spell_is_handled_without_waiting_a_poll_out(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    """Each record is produced in the middle of where FastStream's sleep after an empty poll would be
    (one poll timeout after the last record was handled, plus a quarter): there it waited ~0.75 s."""
    poll_s = 1.0
    handled: list[float] = []

    async def handle(events: list[Feedback], _deliveries: list[Delivery]) -> None:
        handled.extend(time.monotonic() for _ in events)

    settings = ServiceSettings(service_name="knowledge-storage", kafka_bootstrap=kafka_bootstrap,
                               topic_prefix=topic_prefix, shutdown_grace_s=1.0)
    service = Service(settings)
    service.mesh.consume_batch(FEEDBACK, handle, batch_timeout_ms=int(poll_s * 1000))
    latencies = []
    async with service.running():
        await service.mesh.publish(FEEDBACK, feedback("warm"), key=b"i")
        await wait_until(lambda: len(handled) == 1, timeout_s=30, what="the first record handled")
        for n in range(3):
            await asyncio.sleep(max(0.0, handled[-1] + 1.25 * poll_s - time.monotonic()))
            sent = time.monotonic()
            await service.mesh.publish(FEEDBACK, feedback(f"e{n}"), key=b"i")
            await wait_until(lambda n=n: len(handled) == n + 2, timeout_s=10, what=f"record {n} handled")
            latencies.append(handled[-1] - sent)
    assert max(latencies) < 0.4, latencies


def test_the_fetch_wait_setting_reaches_the_consumer() -> None:
    assert [s._connection_args["fetch_max_wait_ms"] for s in subscribers()] == [200]  # the default
    assert [s._connection_args["fetch_max_wait_ms"] for s in subscribers({"kafka_fetch_max_wait_ms": 120})] == [120]
    # a consumer that fills batches lets the broker hold its fetch for its batch timeout when that is longer
    filling = subscribers(batch_timeout_ms=300, fill_bytes=1 << 20)
    assert [s._connection_args["fetch_max_wait_ms"] for s in filling] == [300]
