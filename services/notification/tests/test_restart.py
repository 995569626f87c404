"""Exactly one thread per incident across a restart, and across the crash window between
posting a message and recording it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logmesh_contracts import NotificationRecord, utcnow
from logmesh_contracts.topics import NOTIFICATIONS_SENT
from logmesh_testing import read_topic, wait_until
from notification.domain import PENDING, record_id, record_key, slack_metadata
from notification.testing.harness import make_settings, progress, resolved, result, running
from notification.testing.slack_server import LoopbackSlack

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def text_of(blocks: object) -> str:
    return json.dumps(blocks)


async def test_one_thread_per_incident_survives_a_restart_and_the_crash_window(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, slack: LoopbackSlack
) -> None:
    settings = make_settings(kafka_bootstrap, topic_prefix, tmp_path, slack)
    first = result("inc-r")
    async with running(settings) as svc:
        await svc.publish(progress("inc-r", 0, "started"))
        await svc.publish(first)
        await wait_until(lambda: slack.top_level() and "JVM heap" in text_of(slack.top_level()[0].blocks))
        await svc.publish(resolved("inc-r"))
        await wait_until(lambda: slack.replies("C0ALERTS", slack.top_level()[0].ts), what="resolution reply")
        # the crash window of another incident: the write-ahead record is durable, the message was
        # posted, and the process died before recording the message's ts
        await svc.service.mesh.publish(
            NOTIFICATIONS_SENT,
            NotificationRecord(event_id=record_id("slack", "inc-c", "pending", "inc-c-p0"), incident_id="inc-c",
                               sink="slack", state="started", sent_at=utcnow(), detail=PENDING),
            key=record_key("inc-c", "slack"),
        )
    (thread,) = slack.top_level()
    orphan = slack.seed_message("C0ALERTS", "Analysis started", slack_metadata("inc-c"))
    posts_before, updates_before = len(slack.calls_of("chat.postMessage")), len(slack.calls_of("chat.update"))

    async with running(settings) as svc:  # a new process: the thread map comes back from notifications.sent
        assert svc.notifier.map.get("inc-r", "slack") is not None
        assert svc.notifier.map.get("inc-c", "slack").pending  # type: ignore[union-attr]
        await svc.publish(progress("inc-r", 0, "started"))  # redelivered after the restart
        await svc.publish(first)  # redelivered after the restart
        await svc.publish(resolved("inc-r"))  # redelivered after the restart
        await svc.publish(result("inc-c"))
        await svc.publish(result("inc-r", "inc-r-new", root_cause="a newer analysis"))
        await wait_until(lambda: "a newer analysis" in text_of(thread.blocks), what="the thread updated")
        await wait_until(lambda: "JVM heap" in text_of(orphan.blocks), what="the orphan adopted")

    assert [m.ts for m in slack.top_level()] == [thread.ts, orphan.ts]  # one thread per incident
    assert len(slack.calls_of("chat.postMessage")) == posts_before  # nothing posted twice
    assert len(slack.calls_of("chat.update")) == updates_before + 2  # the newer analysis and the adopted message
    assert len(slack.replies("C0ALERTS", thread.ts)) == 1
    records = [NotificationRecord.model_validate_json(r.value)
               for r in await read_topic(kafka_bootstrap, topic_prefix + NOTIFICATIONS_SENT.name)]
    assert {r.message_ref for r in records if r.sink == "slack" and r.incident_id == "inc-r" and r.message_ref} == {
        thread.ts}
    assert {r.detail for r in records if r.incident_id == "inc-c"} >= {PENDING, "recovered"}
