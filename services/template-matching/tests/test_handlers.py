"""Handler logic around its ports, with fakes: evidence always answers; announcements survive retries."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from logmesh_contracts import EvidencePart, Incident, TemplateEvent
from logmesh_runtime.kafka import PublishUnavailable
from template_matching.domain import AnomalyDetector
from template_matching.handlers import TemplateMatching
from template_matching.registry import TemplateRegistry
from template_matching.settings import TemplateMatchingSettings
from template_matching.testing import T0, record


class FakeMesh:
    def __init__(self) -> None:
        self.published: list[tuple[str, object]] = []
        self.fail_next = 0

    async def publish_many(self, topic, items, **_kw) -> int:
        if self.fail_next:
            self.fail_next -= 1
            raise PublishUnavailable("broker down")
        items = list(items)
        self.published += [(topic.name, event) for _key, event in items]
        return len(items)

    async def publish(self, topic, event, key=None, **_kw) -> None:
        await self.publish_many(topic, [(key, event)])


class FakeStore:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.rows: list = []
        self.templates: list = []

    async def insert_logs(self, rows, dedup_token) -> None:
        self.rows += rows

    async def upsert_templates(self, events) -> None:
        self.templates += events

    async def insert_anomalies(self, anomalies) -> None:
        pass

    async def top_templates(self, **_kw):
        if self.fail:
            raise ConnectionError("clickhouse unreachable")
        return []


def service(store: FakeStore, mesh: FakeMesh) -> TemplateMatching:
    settings = TemplateMatchingSettings(clickhouse_dsn="chdb:///unused")
    return TemplateMatching(settings, mesh, store, TemplateRegistry(), AnomalyDetector())  # type: ignore[arg-type]


async def test_evidence_answers_with_an_error_when_the_store_fails() -> None:
    mesh = FakeMesh()
    tm = service(FakeStore(fail=True), mesh)
    incident = Incident(
        event_id="i", incident_id="i", opened_at=T0, source="alert", title="t", severity="warning",
        window_start=T0, window_end=T0 + timedelta(minutes=1), evidence_deadline=T0,
    )
    await tm.handle_incident(incident, None)  # type: ignore[arg-type]
    ((topic, part),) = mesh.published
    assert topic == "evidence.parts" and isinstance(part, EvidencePart)
    assert part.items == [] and "ConnectionError" in (part.error or "")
    mesh.published.clear()
    await tm.handle_incident(incident.model_copy(update={"expected_evidence": ["cluster"]}), None)  # type: ignore[arg-type]
    assert mesh.published == []  # logs not expected: nobody waits for this part


async def test_template_announcements_survive_a_failed_attempt() -> None:
    mesh, store = FakeMesh(), FakeStore()
    tm = service(store, mesh)
    batch = [record("disk sda failed", level="ERROR", seq=1)]
    mesh.fail_next = 1
    with pytest.raises(PublishUnavailable):
        await tm.handle_records(batch, [])
    await tm.handle_records(batch, [])  # the retry: the engine already knows the template
    events = [e for topic, e in mesh.published if topic == "templates.events"]
    assert [e.template for e in events] == ["disk sda failed"] and isinstance(events[0], TemplateEvent)
    anomalies = [e for topic, e in mesh.published if topic == "logs.anomalies"]
    assert [a.kind for a in anomalies] == ["new-template"]  # published once, on the retry
    assert len(store.rows) == 1


class Timed:
    """Each write's start and end, in order of happening."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    async def write(self, what: str) -> None:
        self.steps.append(f"{what} started")
        await asyncio.sleep(0.01)
        self.steps.append(f"{what} done")


async def test_new_templates_go_to_the_topic_and_the_store_at_once_and_both_before_the_rows() -> None:
    """The first poll's announcements wait for the broker's acknowledgement and for chDB: side by side, not one
    after the other. Rows still follow both (no row names a template the store does not have)."""
    timed = Timed()

    class Mesh(FakeMesh):
        async def publish_many(self, topic, items, **kw) -> int:
            if topic.name == "templates.events":
                await timed.write("publish")
            return await super().publish_many(topic, items, **kw)

    class Store(FakeStore):
        async def upsert_templates(self, events) -> None:
            await timed.write("upsert")
            await super().upsert_templates(events)

        async def insert_logs(self, rows, dedup_token) -> None:
            timed.steps.append("rows")
            await super().insert_logs(rows, dedup_token)

    mesh, store = Mesh(), Store()
    await service(store, mesh).handle_records([record("disk sda failed", level="ERROR", seq=1)], [])
    assert timed.steps[:2] == ["publish started", "upsert started"]
    assert timed.steps[-1] == "rows"
    assert len(store.templates) == 1 and len(store.rows) == 1


async def test_a_failed_template_upsert_fails_the_poll_and_leaves_the_announcement_due() -> None:
    class Store(FakeStore):
        failures = 1

        async def upsert_templates(self, events) -> None:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("clickhouse unreachable")
            await super().upsert_templates(events)

    mesh, store = FakeMesh(), Store()
    tm = service(store, mesh)
    batch = [record("disk sda failed", level="ERROR", seq=1)]
    with pytest.raises(ConnectionError):
        await tm.handle_records(batch, [])
    assert not store.rows and tm._unannounced  # nothing stored, the announcement still due
    await tm.handle_records(batch, [])
    assert len(store.templates) == 1 and len(store.rows) == 1 and not tm._unannounced
