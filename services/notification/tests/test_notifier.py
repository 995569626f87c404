"""Delivery orchestration with fakes behind the Sink port (the real adapters are tested elsewhere)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from logmesh_contracts import Feedback, NotificationRecord
from logmesh_runtime.kafka import TransientError
from notification.domain import Notice, SinkState, default_rules
from notification.notifier import Notifier
from notification.ports import Sent, SinkFailed
from notification.testing.harness import progress, resolved, result


class FakeSink:
    def __init__(self, name: str, live: bool = False, fail: list[Exception] | None = None) -> None:
        self.name, self.live, self.threaded = name, live, live
        self.fail = fail or []
        self.calls: list[tuple[str, Any]] = []
        self.reacted: dict[str, list[dict[str, Any]]] = {}

    def _maybe_fail(self) -> None:
        if self.fail:
            raise self.fail.pop(0)

    async def post_live(self, incident_id: str, stage: str, text: str) -> Sent:
        self._maybe_fail()
        self.calls.append(("post", text))
        return Sent("C1", f"ts-{incident_id}", f"ts-{incident_id}")

    async def update_live(self, previous: SinkState, stage: str, text: str) -> None:
        self.calls.append(("update", text))

    async def find_posted(self, incident_id: str, channel: str | None, since: datetime) -> Sent | None:
        return None

    async def reactions(self, channel: str, message_ref: str) -> list[dict[str, Any]]:
        self.calls.append(("reactions", message_ref))
        return self.reacted.get(message_ref, [])

    async def final(self, notice: Notice, previous: SinkState | None) -> Sent:
        self._maybe_fail()
        self.calls.append(("final", notice.root_cause))
        if self.live:
            return Sent("C1", previous.message_ref if previous else f"ts-{notice.incident_id}",
                        previous.thread_ref if previous else f"ts-{notice.incident_id}")
        return Sent()

    async def resolved(self, incident_id: str, resolved_at: datetime, reason: str, previous: SinkState) -> Sent:
        self.calls.append(("resolved", incident_id))
        return Sent()

    async def close(self) -> None:
        return None


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def notifier(*sinks: FakeSink, clock: Clock | None = None) -> tuple[Notifier, list[NotificationRecord], list[Feedback]]:
    records: list[NotificationRecord] = []
    feedback: list[Feedback] = []

    async def publish_record(record: NotificationRecord) -> None:
        records.append(record)

    async def publish_feedback(item: Feedback) -> None:
        feedback.append(item)

    n = Notifier(list(sinks), default_rules([s.name for s in sinks]), publish_record, publish_feedback,
                 update_interval_s=3.0, clock=clock or Clock())
    return n, records, feedback


async def test_throttle_with_a_clock() -> None:
    clock = Clock()
    slack = FakeSink("slack", live=True)
    n, _, _ = notifier(slack, clock=clock)
    await n.on_progress(progress("i", 0, "started"))
    for seq in range(1, 10):
        clock.now += 0.5
        await n.on_progress(progress("i", seq, "llm", f"{seq} "))
    # posted at t=0, edited at t=3.0 (seq 6); seq 7..9 wait for the flush
    assert [c[0] for c in slack.calls] == ["post", "update"]
    assert await n.flush_live() == 0  # t=4.5: not due yet
    clock.now = 6.0
    assert await n.flush_live() == 1
    assert slack.calls[-1] == ("update", "1 2 3 4 5 6 7 8 9 ")
    await n.on_result(result("i"))
    assert slack.calls[-1][0] == "final"
    await n.on_progress(progress("i", 10, "llm", "late"))  # after the final: ignored
    clock.now = 100.0
    assert await n.flush_live() == 0


async def test_one_sinks_outage_does_not_repeat_the_others() -> None:
    slack = FakeSink("slack", live=True)
    hook = FakeSink("webhook", fail=[TransientError("down")])
    broken = FakeSink("teams", fail=[SinkFailed("bad url")])
    n, records, _ = notifier(slack, hook, broken)
    with pytest.raises(TransientError):
        await n.on_result(result("i"))
    await n.on_result(result("i"))  # the runtime's retry
    assert [c[0] for c in slack.calls] == ["final"]  # posted once
    assert [c[0] for c in hook.calls] == ["final"]
    assert broken.calls == []
    assert [(r.sink, r.state) for r in records if r.state in ("final", "failed")] == [
        ("slack", "final"), ("teams", "failed"), ("webhook", "final")]
    await n.on_resolved(resolved("i"))
    await n.on_resolved(resolved("i"))
    assert [c for c in slack.calls + hook.calls if c[0] == "resolved"] == [("resolved", "i"), ("resolved", "i")]


async def test_reaction_polling_rotates_and_publishes_once() -> None:
    slack = FakeSink("slack", live=True)
    n, _, feedback = notifier(slack)
    for i in range(5):
        await n.on_result(result(f"i{i}"))
    slack.reacted["ts-i3"] = [{"name": "white_check_mark", "users": ["U1"]}, {"name": "x", "users": ["U2"]}]
    now = datetime.now(UTC)
    first = await n.poll_reactions(3600, now, max_messages=2)
    second = await n.poll_reactions(3600, now, max_messages=2)
    third = await n.poll_reactions(3600, now, max_messages=2)
    polled = [ref for kind, ref in slack.calls if kind == "reactions"]
    assert len(polled) == 6 and set(polled) == {f"ts-i{i}" for i in range(5)}
    assert first + second + third == 2
    assert sorted((f.given_by, f.verdict) for f in feedback) == [("U1", "correct"), ("U2", "incorrect")]
    assert await n.poll_reactions(3600, now, max_messages=10) == 0  # seen again: nothing new


async def test_a_resolution_before_the_analysis_is_sent_with_it() -> None:
    slack = FakeSink("slack", live=True)
    hook = FakeSink("webhook")
    n, _, _ = notifier(slack, hook)
    await n.on_resolved(resolved("i"))
    assert slack.calls == hook.calls == []
    await n.on_result(result("i"))
    assert [c[0] for c in slack.calls] == ["final", "resolved"]
    assert [c[0] for c in hook.calls] == ["final", "resolved"]


async def test_old_incidents_are_forgotten() -> None:
    slack = FakeSink("slack", live=True)
    n, records, _ = notifier(slack)
    await n.on_result(result("i"))
    assert n.map.get("i", "slack") is not None
    n.retention_s = -1  # everything is older than the retention now
    assert n.prune() == 1 and n.map.get("i", "slack") is None
    n.apply_record(records[-1])  # a replayed old record is not taken back
    assert n.map.get("i", "slack") is None
