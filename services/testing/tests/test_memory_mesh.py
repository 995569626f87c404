"""The in-memory mesh runs a handler chain with the runtime's delivery rules and no broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from logmesh_contracts import DeadLetter, Feedback
from logmesh_contracts.topics import FEEDBACK, Topic
from logmesh_runtime.kafka import Delivery
from logmesh_runtime.settings import ServiceSettings
from logmesh_testing.memory_mesh import InMemoryMesh

ACCEPTED = Topic("test.accepted", Feedback, "incident", ("test",), ("test",), "feedback a first handler accepted")


def feedback(event_id: str, verdict: str = "correct") -> Feedback:
    return Feedback.model_validate({
        "event_id": event_id, "incident_id": f"inc-{event_id}", "verdict": verdict, "given_by": "tester",
        "given_at": datetime(2026, 1, 1, tzinfo=UTC), "channel": "http",
    })


def mesh() -> InMemoryMesh:
    return InMemoryMesh(ServiceSettings(service_name="chain", retry_backoff_s=0.001, retry_backoff_max_s=0.002,
                                        handler_max_attempts=2))


async def test_a_chain_of_handlers_runs_and_poison_goes_to_the_dead_letter_topic() -> None:
    bus = mesh()
    seen: list[str] = []

    async def accept(event: Feedback, _delivery: Delivery) -> None:
        if event.given_by == "boom":
            raise RuntimeError("handler bug")
        await bus.publish(ACCEPTED, event, key=event.incident_id)

    async def record(events: list[Feedback], _deliveries: list[Delivery]) -> None:
        seen.extend(e.event_id for e in events)

    bus.consume(FEEDBACK, accept)
    bus.consume_batch(ACCEPTED, record)
    await bus.start()
    await bus.publish_many(FEEDBACK, [(f.incident_id, f) for f in (feedback("a"), feedback("b"))])
    await bus.publish(FEEDBACK, b'{"not": "feedback"}', key="x")
    await bus.publish(FEEDBACK, feedback("c").model_copy(update={"given_by": "boom"}), key="c")
    assert await bus.drain() == 6  # four on feedback, two forwarded
    assert seen == ["a", "b"]
    dead = [DeadLetter.model_validate_json(v) for v in bus.values(FEEDBACK.dead_letter)]
    assert [(d.stage, d.source_offset) for d in dead] == [("validate", 2), ("process", 3)]
    assert json.loads(dead[0].payload) == {"not": "feedback"}
    assert dead[1].attempts == 2 and "handler bug" in dead[1].reason
    assert await bus.drain() == 0  # each group handles a record once
    assert [e.event_id for e in bus.events(ACCEPTED)] == ["a", "b"]
