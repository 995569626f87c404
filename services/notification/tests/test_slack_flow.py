"""The Slack path end to end inside one process: real broker, real slack_sdk, loopback Slack API."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from logmesh_contracts import NotificationRecord, utcnow
from logmesh_contracts.topics import NOTIFICATIONS_SENT
from logmesh_runtime.testing import read_topic
from notification.domain import PENDING, record_id, record_key, slack_metadata
from notification.testing.harness import make_settings, progress, resolved, result, running, wait_until
from notification.testing.slack_server import LoopbackSlack

pytestmark = [pytest.mark.broker]

HOSTILE = "<!channel> <!here> @here <@U024BE7LH> <#C024BE7LQ|ops> <http://evil.example|click> https://phish.example"


def text_of(blocks: object) -> str:
    return json.dumps(blocks)


async def test_streaming_updates_are_throttled_and_end_in_the_final_text(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, slack: LoopbackSlack
) -> None:
    interval = 0.5
    settings = make_settings(kafka_bootstrap, topic_prefix, tmp_path, slack, slack_update_interval_s=interval)
    async with running(settings) as svc:
        await svc.publish(progress("inc-s", 0, "started"))
        await wait_until(lambda: slack.calls_of("chat.postMessage"), what="the analysis message")
        for seq in range(1, 41):  # a burst: 40 chunks far faster than the throttle allows
            await svc.publish(progress("inc-s", seq, "llm", f"w{seq} "))
        # the trailing text of the burst is flushed once the interval has passed
        await wait_until(lambda: "w40" in text_of(slack.top_level()[0].blocks), what="trailing text flushed")
        streaming = list(slack.calls_of("chat.update"))
        await svc.publish(result("inc-s"))
        await wait_until(lambda: "the JVM heap is too small" in text_of(slack.top_level()[0].blocks), what="final")

    assert len(slack.calls_of("chat.postMessage")) == 1  # one thread
    assert 1 <= len(streaming) < 40 / 4  # throttled: far fewer updates than chunks
    gaps = [b.at - a.at for a, b in itertools.pairwise(streaming)]
    assert all(gap >= interval * 0.9 for gap in gaps), gaps
    (message,) = slack.top_level()
    assert "Root cause" in text_of(message.blocks) and "w40" not in text_of(message.blocks)  # final replaced live
    assert "logmesh_feedback_correct" in text_of(message.blocks)  # feedback buttons on the final message


async def test_redelivered_result_keeps_one_thread_even_across_a_restart(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, slack: LoopbackSlack
) -> None:
    settings = make_settings(kafka_bootstrap, topic_prefix, tmp_path, slack)
    first = result("inc-r")
    async with running(settings) as svc:
        await svc.publish(progress("inc-r", 0, "started"))
        await svc.publish(first)
        await wait_until(lambda: slack.top_level() and "JVM heap" in text_of(slack.top_level()[0].blocks))
        await svc.publish(first)  # redelivered
        await svc.publish(result("inc-r", "inc-r-second", root_cause="second analysis"))  # same key: after it
        await wait_until(lambda: "second analysis" in text_of(slack.top_level()[0].blocks))
        await svc.publish(resolved("inc-r"))
        await wait_until(lambda: slack.replies("C0ALERTS", slack.top_level()[0].ts), what="resolution reply")
    updates_before_restart = len(slack.calls_of("chat.update"))

    async with running(settings) as svc:  # a new process: the thread map comes back from notifications.sent
        assert svc.notifier.map.get("inc-r", "slack") is not None
        await svc.publish(progress("inc-r", 0, "started"))  # redelivered after the restart
        await svc.publish(first)  # redelivered after the restart
        await svc.publish(resolved("inc-r"))
        await svc.publish(result("inc-r", "inc-r-third", root_cause="third analysis"))
        await wait_until(lambda: "third analysis" in text_of(slack.top_level()[0].blocks))

    assert len(slack.top_level()) == 1  # exactly one thread for the incident
    assert len(slack.calls_of("chat.postMessage")) == 2  # the analysis message and one resolution reply
    assert len(slack.calls_of("chat.update")) == updates_before_restart + 1  # only the new analysis
    records = [NotificationRecord.model_validate_json(r.value)
               for r in await read_topic(kafka_bootstrap, topic_prefix + NOTIFICATIONS_SENT.name)]
    slack_records = [r for r in records if r.sink == "slack"]
    assert {r.message_ref for r in slack_records if r.message_ref} == {slack.top_level()[0].ts}
    assert [r.state for r in slack_records].count("resolved") == 1


async def test_a_post_that_was_not_recorded_before_a_crash_is_adopted_not_repeated(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, slack: LoopbackSlack
) -> None:
    # the crash window: the write-ahead record and the message exist, the record of the message does not
    posted = slack.seed_message("C0ALERTS", "Analysis started", slack_metadata("inc-c"))
    settings = make_settings(kafka_bootstrap, topic_prefix, tmp_path, slack)
    async with running(settings) as svc:
        pending = NotificationRecord(
            event_id=record_id("slack", "inc-c", "pending", "inc-c-p0"), incident_id="inc-c", sink="slack",
            state="started", sent_at=utcnow(), detail=PENDING,
        )
        await svc.service.mesh.publish(NOTIFICATIONS_SENT, pending, key=record_key("inc-c", "slack"))
        await wait_until(lambda: (st := svc.notifier.map.get("inc-c", "slack")) is not None and st.pending)
        await svc.publish(result("inc-c"))
        await wait_until(lambda: "JVM heap" in text_of(posted.blocks), what="the adopted message updated")
    assert slack.calls_of("chat.postMessage") == []
    assert len(slack.top_level()) == 1


async def test_mentions_and_links_in_log_lines_are_neutralised(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, slack: LoopbackSlack
) -> None:
    settings = make_settings(kafka_bootstrap, topic_prefix, tmp_path, slack, slack_update_interval_s=0)
    hostile = result("inc-m", title=f"crash {HOSTILE}", root_cause=f"model says {HOSTILE}",
                     actions=[f"ping {HOSTILE}"])
    hostile = hostile.model_copy(update={"evidence": [hostile.evidence[0].model_copy(update={"excerpt": HOSTILE})]})
    async with running(settings) as svc:
        await svc.publish(progress("inc-m", 0, "started"))
        await svc.publish(progress("inc-m", 1, "llm", f"log line: {HOSTILE}"))
        await wait_until(lambda: slack.calls_of("chat.update"), what="live update")
        await svc.publish(hostile)
        await wait_until(lambda: slack.top_level() and "model says" in text_of(slack.top_level()[0].blocks))

    sent = json.dumps([c.params for c in slack.calls if c.method.startswith("chat.")])
    for forbidden in ("<!channel>", "<!here>", "<@U", "<#C", "<http", "@here", "http://", "https://phish"):
        assert forbidden not in sent, forbidden
    assert "&lt;!channel&gt;" in sent  # shown, not executed
    file_lines = (tmp_path / "notification" / "notifications.jsonl").read_text()
    assert "@here" not in file_lines and "http://evil" not in file_lines
