"""The Slack path inside one running service: real broker, real slack_sdk, loopback Slack API.

One service instance serves the whole module (a consumer-group join costs seconds on the
embedded broker); every test uses its own incident ids.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import pytest_asyncio

from logmesh_contracts import Feedback
from logmesh_contracts.topics import FEEDBACK
from logmesh_devstack.stack import create_topics
from logmesh_testing import read_topic, wait_for_messages, wait_until
from notification.domain import feedback_id, slack_signature
from notification.testing.harness import (
    SIGNING_SECRET,
    TOKEN,
    Running,
    make_settings,
    progress,
    resolved,
    result,
    running,
)
from notification.testing.slack_server import LoopbackSlack

pytestmark = [pytest.mark.broker, pytest.mark.asyncio(loop_scope="module")]

INTERVAL = 0.5
HOSTILE = "<!channel> <!here> @here <@U024BE7LH> <#C024BE7LQ|ops> <http://evil.example|click> https://phish.example"


@pytest.fixture(scope="module")
def module_prefix(kafka_bootstrap: str) -> str:
    import asyncio

    prefix = f"t{uuid.uuid4().hex[:10]}."
    asyncio.run(create_topics(kafka_bootstrap, prefix))
    return prefix


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def mslack() -> AsyncIterator[LoopbackSlack]:
    async with LoopbackSlack(token=TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("notification")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def svc(kafka_bootstrap: str, module_prefix: str, data_dir: Path, mslack: LoopbackSlack) -> AsyncIterator[Running]:
    settings = make_settings(kafka_bootstrap, module_prefix, data_dir, mslack, slack_update_interval_s=INTERVAL,
                             reaction_poll_interval_s=0.2)
    async with running(settings) as handle:
        yield handle


def text_of(blocks: object) -> str:
    return json.dumps(blocks)


def message_of(slack: LoopbackSlack, incident_id: str):  # type: ignore[no-untyped-def]
    for message in slack.top_level():
        if (message.metadata or {}).get("event_payload", {}).get("incident_id") == incident_id:
            return message
    return None


def calls_for(slack: LoopbackSlack, method: str, ts: str | None) -> list:  # type: ignore[type-arg]
    return [c for c in slack.calls_of(method) if ts is not None and c.params.get("ts") == ts]


async def test_streaming_updates_are_throttled_and_end_in_the_final_text(svc: Running, mslack: LoopbackSlack) -> None:
    await svc.publish(progress("inc-s", 0, "started"))
    await wait_until(lambda: message_of(mslack, "inc-s"), what="the analysis message")
    ts = message_of(mslack, "inc-s").ts
    for seq in range(1, 41):  # a burst: 40 chunks, far faster than the throttle allows
        await svc.publish(progress("inc-s", seq, "llm", f"w{seq} "))
    # the trailing text of the burst is flushed once the interval has passed
    await wait_until(lambda: "w40" in text_of(message_of(mslack, "inc-s").blocks), what="trailing text flushed")
    streaming = calls_for(mslack, "chat.update", ts)
    await svc.publish(result("inc-s"))
    await wait_until(lambda: "the JVM heap is too small" in text_of(message_of(mslack, "inc-s").blocks), what="final")

    assert len([c for c in mslack.calls_of("chat.postMessage") if "inc-s" in json.dumps(c.params)]) == 1
    assert 1 <= len(streaming) < 40 / 4  # throttled: far fewer updates than chunks
    gaps = [b.at - a.at for a, b in itertools.pairwise(streaming)]
    assert all(gap >= INTERVAL * 0.9 for gap in gaps), gaps
    final = message_of(mslack, "inc-s")
    assert "Root cause" in text_of(final.blocks) and "w40" not in text_of(final.blocks)  # final replaced live text
    assert "logmesh_feedback_correct" in text_of(final.blocks)  # feedback buttons on the final message
    assert "white_check_mark" in text_of(final.blocks)  # and the reaction instructions


async def test_a_redelivered_result_does_not_open_a_second_thread(svc: Running, mslack: LoopbackSlack) -> None:
    first = result("inc-r")
    await svc.publish(first)  # no progress seen: the final message opens the thread
    await wait_until(lambda: message_of(mslack, "inc-r"), what="the analysis message")
    ts = message_of(mslack, "inc-r").ts
    await svc.publish(first)  # redelivered
    await svc.publish(result("inc-r", "inc-r-second", root_cause="second analysis"))  # same key: handled after it
    await wait_until(lambda: "second analysis" in text_of(message_of(mslack, "inc-r").blocks))
    await svc.publish(resolved("inc-r"))
    await svc.publish(resolved("inc-r"))  # redelivered resolution
    await wait_until(lambda: mslack.replies("C0ALERTS", ts), what="the resolution reply")
    await svc.publish(result("inc-r", "inc-r-marker", root_cause="marker"))
    await wait_until(lambda: "marker" in text_of(message_of(mslack, "inc-r").blocks))

    assert [m.ts for m in mslack.top_level() if m is message_of(mslack, "inc-r")] == [ts]
    assert len([c for c in mslack.calls_of("chat.postMessage") if c.params.get("thread_ts") is None
                and "inc-r" in json.dumps(c.params)]) == 1
    assert len(calls_for(mslack, "chat.update", ts)) == 2  # second analysis and marker; the redelivery none
    assert len(mslack.replies("C0ALERTS", ts)) == 1  # one resolution reply in the thread


async def test_mentions_and_links_in_log_lines_are_neutralised(
    svc: Running, mslack: LoopbackSlack, data_dir: Path
) -> None:
    hostile = result("inc-m", title=f"crash {HOSTILE}", root_cause=f"model says {HOSTILE}", actions=[f"do {HOSTILE}"])
    hostile = hostile.model_copy(update={"evidence": [hostile.evidence[0].model_copy(update={"excerpt": HOSTILE})]})
    await svc.publish(progress("inc-m", 0, "started"))
    await svc.publish(progress("inc-m", 1, "llm", f"log line: {HOSTILE}"))
    await wait_until(lambda: message_of(mslack, "inc-m") and "log line" in text_of(message_of(mslack, "inc-m").blocks),
                     what="live update with the log line")
    await svc.publish(hostile)
    await wait_until(lambda: "model says" in text_of(message_of(mslack, "inc-m").blocks))

    sent = json.dumps([c.params for c in mslack.calls if c.method.startswith("chat.") and "inc-m" in json.dumps(c.params)])
    for forbidden in ("<!channel>", "<!here>", "<@U", "<#C", "<http", "@here", "http://", "https://phish"):
        assert forbidden not in sent, forbidden
    assert "&lt;!channel&gt;" in sent  # shown as text, not executed
    journal = data_dir / "notification" / "notifications.jsonl"

    def journal_lines() -> list[dict[str, object]]:
        complete = journal.read_text().rpartition("\n")[0] if journal.exists() else ""  # not a line mid-write
        return [entry for entry in map(json.loads, complete.splitlines()) if entry["incident_id"] == "inc-m"]

    # the file sink runs beside Slack's, so its line may land a moment after the Slack update
    await wait_until(journal_lines, what="the file sink's line")
    (line,) = journal_lines()
    assert "@here" not in json.dumps(line) and "http://evil" not in json.dumps(line)


def signed(body: bytes, secret: str = SIGNING_SECRET, ts: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": slack_signature(secret, stamp, body),
            "Content-Type": "application/x-www-form-urlencoded"}


def button_body(incident_id: str, action_id: str = "logmesh_feedback_correct", user: str = "U7") -> bytes:
    payload = {"type": "block_actions", "user": {"id": user},
               "actions": [{"action_id": action_id, "value": incident_id, "type": "button"}]}
    return urlencode({"payload": json.dumps(payload)}).encode()


async def test_a_forged_interactive_callback_is_rejected(
    svc: Running, kafka_bootstrap: str, module_prefix: str
) -> None:
    body = button_body("inc-i")
    forged = await svc.http.post("/slack/interactions", content=body, headers=signed(body, secret="not-the-secret"))
    assert forged.status_code == 401 and "signature" in forged.json()["error"]
    tampered = await svc.http.post("/slack/interactions", content=button_body("inc-i", user="U-evil"),
                                   headers=signed(body))
    assert tampered.status_code == 401
    replayed = await svc.http.post("/slack/interactions", content=body, headers=signed(body, ts=int(time.time()) - 600))
    assert replayed.status_code == 401
    unsigned = await svc.http.post("/slack/interactions", content=body)
    assert unsigned.status_code == 401

    for _ in range(2):  # the same click delivered twice
        ok = await svc.http.post("/slack/interactions", content=body, headers=signed(body))
        assert ok.status_code == 200
    await wait_for_messages(kafka_bootstrap, module_prefix + FEEDBACK.name, 1,
                            where=lambda r: json.loads(r.value)["incident_id"] == "inc-i")
    records = [Feedback.model_validate_json(r.value) for r in await read_topic(kafka_bootstrap, module_prefix + FEEDBACK.name)]
    (feedback,) = [f for f in records if f.incident_id == "inc-i"]
    assert (feedback.verdict, feedback.given_by, feedback.channel) == ("correct", "U7", "slack-button")


async def test_a_check_reaction_produces_exactly_one_feedback_message(
    svc: Running, mslack: LoopbackSlack, kafka_bootstrap: str, module_prefix: str
) -> None:
    await svc.publish(result("inc-f"))
    await wait_until(lambda: message_of(mslack, "inc-f"), what="the analysis message")
    ts = message_of(mslack, "inc-f").ts
    mslack.react("C0ALERTS", ts, "white_check_mark", "U42")
    mslack.react("C0ALERTS", ts, "tada", "U43")  # not a verdict
    await wait_for_messages(kafka_bootstrap, module_prefix + FEEDBACK.name, 1,
                            where=lambda r: json.loads(r.value)["incident_id"] == "inc-f")
    # the same reaction again through the Events API, and more polls that see it again
    event = json.dumps({"type": "event_callback", "event": {
        "type": "reaction_added", "user": "U42", "reaction": "white_check_mark",
        "item": {"type": "message", "channel": "C0ALERTS", "ts": ts}}}).encode()
    answer = await svc.http.post("/slack/events", content=event, headers=signed(event))
    assert answer.status_code == 200 and answer.json()["published"] == 0
    polls = len([c for c in mslack.calls_of("reactions.get") if c.params.get("timestamp") == ts])
    await wait_until(lambda: len([c for c in mslack.calls_of("reactions.get") if c.params.get("timestamp") == ts])
                     >= polls + 3, what="three more polls")

    records = [Feedback.model_validate_json(r.value) for r in await read_topic(kafka_bootstrap, module_prefix + FEEDBACK.name)]
    (feedback,) = [f for f in records if f.incident_id == "inc-f"]
    assert feedback.event_id == feedback_id("inc-f", "U42", "correct", "slack-reaction")
    assert (feedback.verdict, feedback.given_by, feedback.channel) == ("correct", "U42", "slack-reaction")


async def test_events_api_url_verification_and_forgery(svc: Running) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123"}).encode()
    answer = await svc.http.post("/slack/events", content=body, headers=signed(body))
    assert answer.json() == {"challenge": "abc123"}
    forged = await svc.http.post("/slack/events", content=body, headers=signed(body, secret="wrong"))
    assert forged.status_code == 401
