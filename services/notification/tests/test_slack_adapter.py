"""The Slack adapter through the real slack_sdk AsyncWebClient against the loopback Slack API."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from logmesh_runtime.kafka import TransientError
from notification.adapters.slack import SlackSink
from notification.domain import Notice, SinkState
from notification.ports import SinkFailed
from notification.testing.slack_server import BOT_USER_ID, LoopbackSlack

TOKEN = "xoxb-service-test"




def sink(server: LoopbackSlack, token: str = TOKEN, retries: int = 3) -> SlackSink:
    return SlackSink(token, "#alerts", server.base_url, timeout_s=5, rate_limit_retries=retries)


def notice(incident_id: str = "inc-a") -> Notice:
    return Notice(incident_id=incident_id, title="Disk full", severity="warning", category="disk-pressure",
                  status="complete", root_cause="logs filled /var", confidence=0.7, target="prod/node-1",
                  namespace="prod", evidence=(("log:1", "<@U999> no space left"),), actions=("rotate logs",))


async def test_post_update_final_and_resolve_in_one_thread(slack: LoopbackSlack) -> None:
    client = sink(slack)
    identity = await client.identify()
    assert identity["user_id"] == BOT_USER_ID
    sent = await client.post_live("inc-a", "started", "")
    assert sent.channel == "C0ALERTS" and sent.message_ref == sent.thread_ref
    state = SinkState("inc-a", "slack", "started", datetime.now(UTC), sent.channel, sent.message_ref, sent.thread_ref)
    await client.update_live(state, "llm", "thinking about <!channel>")
    final = await client.final(notice(), state)
    assert final.message_ref == sent.message_ref
    await client.resolved("inc-a", datetime.now(UTC), "alert cleared", state)
    (message,) = slack.top_level()
    assert message.edited == 2 and "logs filled /var" in str(message.blocks)
    assert "<@U999>" not in str(message.blocks) and "&lt;@U999&gt;" in str(message.blocks)
    (reply,) = slack.replies("C0ALERTS", message.ts)
    assert "Resolved" in reply.text
    assert message.metadata == {"event_type": "logmesh_incident", "event_payload": {"incident_id": "inc-a"}}


async def test_rate_limit_retry_after_is_honoured(slack: LoopbackSlack) -> None:
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    started = time.monotonic()
    await sink(slack).post_live("inc-b", "started", "")
    assert time.monotonic() - started >= 1.0  # waited as told
    assert [c.status for c in slack.calls_of("chat.postMessage", ok_only=False)] == [429, 200]
    assert len(slack.top_level()) == 1


async def test_persistent_rate_limit_and_outage_are_transient(slack: LoopbackSlack) -> None:
    slack.rate_limit("chat.postMessage", times=2, retry_after=0)
    with pytest.raises(TransientError):
        await sink(slack, retries=1).post_live("inc-c", "started", "")
    slack.outage(1)
    with pytest.raises(TransientError):
        await sink(slack).post_live("inc-c", "started", "")
    with pytest.raises(SinkFailed):
        await sink(slack, token="xoxb-wrong").post_live("inc-c", "started", "")
    assert slack.top_level() == []


async def test_a_gone_message_is_posted_again(slack: LoopbackSlack) -> None:
    stale = SinkState("inc-d", "slack", "started", datetime.now(UTC), "C0ALERTS", "1.000001", "1.000001")
    sent = await sink(slack).final(notice("inc-d"), stale)
    assert sent.message_ref != "1.000001" and len(slack.top_level()) == 1


async def test_find_posted_uses_message_metadata(slack: LoopbackSlack) -> None:
    client = sink(slack)
    since = datetime.now(UTC) - timedelta(seconds=5)
    slack.seed_message("C0ALERTS", "other", {"event_type": "logmesh_incident", "event_payload": {"incident_id": "x"}})
    seeded = slack.seed_message("C0ALERTS", "ours",
                                {"event_type": "logmesh_incident", "event_payload": {"incident_id": "inc-e"}})
    found = await client.find_posted("inc-e", None, since)
    assert found is not None and found.message_ref == seeded.ts
    assert await client.find_posted("inc-missing", None, since) is None


async def test_reactions_exclude_the_bot_itself(slack: LoopbackSlack) -> None:
    message = slack.seed_message("C0ALERTS", "analysis")
    slack.react("C0ALERTS", message.ts, "white_check_mark", "U1")
    slack.react("C0ALERTS", message.ts, "white_check_mark", BOT_USER_ID)
    client = sink(slack)
    await client.identify()
    assert await client.reactions("C0ALERTS", message.ts) == [{"name": "white_check_mark", "users": ["U1"], "count": 2}]
