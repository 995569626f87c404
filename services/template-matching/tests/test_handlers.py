"""Handler logic around its ports, with fakes: evidence always answers; announcements survive retries."""

from __future__ import annotations

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
