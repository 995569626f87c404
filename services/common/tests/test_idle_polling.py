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
from logmesh_runtime.kafka import BEHIND_FETCH_WAIT_MS, Delivery, Mesh, _PromptBatchSubscriber
from logmesh_runtime.metrics import Metrics
from logmesh_runtime.service import Service
from logmesh_runtime.settings import ServiceSettings
from logmesh_testing import wait_until

POLL_MS = 200


class FakeFetcher:
    def __init__(self, fetch_min_bytes: int) -> None:
        self._fetch_min_bytes, self._fetch_max_wait_ms = fetch_min_bytes, POLL_MS
        self._records: dict[Any, Any] = {}  # what aiokafka still holds after a poll


class FakeConsumer:
    """``getmany`` as aiokafka's: waits up to the timeout for records (``early``: comes back empty at once)."""

    def __init__(self, records: dict[Any, list[Any]] | None = None, early: bool = False, fill_bytes: int = 1) -> None:
        self.records, self.early, self.calls = records or {}, early, 0
        self._fetcher = FakeFetcher(fill_bytes)

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


async def test_while_a_backlog_is_drained_and_for_the_poll_after_fetches_take_what_the_broker_has() -> None:
    """The end of a burst: a consumer draining a backlog (a full poll, or records still held after it) must not have
    the broker hold its fetches for a fill its backlog's last records no longer make (they waited out the linger),
    nor for the linger when nothing is there (aiokafka's one fetch in flight kept the held partition waiting)."""
    fill = 1 << 18
    subscriber = subscribers(batch_timeout_ms=POLL_MS, fill_bytes=fill, max_records=3)[0]
    consumer = FakeConsumer(fill_bytes=fill)
    fetcher = consumer._fetcher
    filling, behind = (fill, POLL_MS), (1, BEHIND_FETCH_WAIT_MS)

    async def poll(records: list[str], *, held_after: bool = False) -> tuple[int, int]:
        consumer.records = {"p0": records} if records else {}
        fetcher._records = {"p1": "held"} if held_after else {}
        await subscriber.get_msg(consumer)
        return fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms

    assert await poll(["a"]) == filling
    assert await poll(["a", "b", "c"]) == behind  # full
    assert await poll(["d"]) == behind  # the poll after: what the full one left
    assert await poll(["e"]) == filling
    assert await poll(["f"], held_after=True) == behind  # not full, but records fetched earlier are still held
    assert await poll(["g"]) == behind
    assert await poll(["a", "b", "c"]) == behind
    assert await poll([]) == filling  # an empty poll: caught up, nothing at the broker
    assert await poll(["h"]) == filling


async def test_a_consumer_that_does_not_fill_keeps_its_fetches_as_set() -> None:
    subscriber = subscribers(batch_timeout_ms=POLL_MS, max_records=3)[0]
    consumer = FakeConsumer({"p0": ["a", "b", "c"]})
    await subscriber.get_msg(consumer)
    assert (consumer._fetcher._fetch_min_bytes, consumer._fetcher._fetch_max_wait_ms) == (1, POLL_MS)


def test_aiokafka_builds_each_fetch_from_the_fetchers_settings() -> None:
    """Re-check ``_fill_fetches_unless_behind`` against a new aiokafka: the consumer's fetcher is ``_fetcher``, every
    fetch request takes its wait and min bytes from the fetcher's ``_fetch_max_wait_ms`` and ``_fetch_min_bytes``
    when it is built, and the records it holds are in ``_records``, removed once handed out."""
    from aiokafka.consumer import consumer, fetcher

    assert version("aiokafka") == "0.14.0"
    assert "self._fetcher = Fetcher(" in inspect.getsource(consumer.AIOKafkaConsumer.start)
    building = inspect.getsource(fetcher.Fetcher._get_actions_per_node)
    assert "FetchRequest(\n                self._fetch_max_wait_ms,\n                self._fetch_min_bytes," in building
    assert "if tp in self._records:" in building
    assert "del self._records[tp]" in inspect.getsource(fetcher.Fetcher.fetched_records)


def test_the_fetch_wait_setting_reaches_the_consumer() -> None:
    assert [s._connection_args["fetch_max_wait_ms"] for s in subscribers()] == [200]  # the default
    assert [s._connection_args["fetch_max_wait_ms"] for s in subscribers({"kafka_fetch_max_wait_ms": 120})] == [120]
    # a consumer that fills batches lets the broker hold its fetch for its batch timeout when that is longer
    filling = subscribers(batch_timeout_ms=300, fill_bytes=1 << 20)
    assert [s._connection_args["fetch_max_wait_ms"] for s in filling] == [300]
