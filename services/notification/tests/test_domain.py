"""Pure logic: escaping, routing, the thread map, the throttle, feedback ids, signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from logmesh_contracts import AnalysisResult, Citation, K8sRef, NotificationRecord
from notification.domain import (
    PENDING,
    LiveAnalysis,
    Rule,
    ThreadMap,
    default_rules,
    feedback_id,
    notice_from_result,
    pagerduty_trigger,
    parse_routes,
    plain_text,
    reactions_to_verdicts,
    route,
    slack_escape,
    slack_final_blocks,
    slack_signature,
    teams_card,
    teams_escape,
    verify_slack_signature,
    webhook_signature,
)

HOSTILE = (
    "<!channel> <!here> <!everyone> @here @channel <@U024BE7LH> <#C024BE7LQ|general> "
    "<http://evil.example/x|click me> https://phish.example/login `x` ``` & done"
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def result(**overrides: object) -> AnalysisResult:
    values: dict[str, object] = dict(
        event_id="res-1", incident_id="inc-1", completed_at=T0, title="Pod crashloop in checkout",
        severity="critical", category="pod-crash", root_cause="OOM in the JVM",
        confidence=0.8, target=K8sRef(namespace="prod-shop", pod="checkout-1"),
        evidence=[Citation(ref="log:prod-shop/checkout-1#1", excerpt=HOSTILE)], actions=["raise the limit"],
    )
    values.update(overrides)
    return AnalysisResult(**values)  # type: ignore[arg-type]


def test_slack_escape_neutralises_mentions_and_links() -> None:
    out = slack_escape(HOSTILE)
    for forbidden in ("<!channel>", "<!here>", "<!everyone>", "<@U", "<#C", "<http", "@here", "@channel", "https://"):
        assert forbidden not in out
    assert "&lt;!channel&gt;" in out and "&amp; done" in out
    assert "```" not in out
    assert "\u2060" in out  # the invisible break, not a removal: readers still see the text


def test_final_blocks_carry_no_untrusted_markup() -> None:
    blocks = json.dumps(slack_final_blocks(notice_from_result(result(title="<!channel> down", root_cause="@here"))))
    assert "<!channel>" not in blocks and "<@U" not in blocks and "<http://evil" not in blocks
    assert '"@here' not in blocks and "\\n@here" not in blocks
    assert "logmesh_feedback_correct" in blocks and "white_check_mark" in blocks


def test_teams_and_plain_text_are_defanged() -> None:
    out = teams_escape("[click](http://evil) <at>all</at> @everyone **bold**")
    assert "](" not in out and "<at>" not in out and "@everyone" not in out and "http://" not in out
    assert "\\*\\*bold" in out
    card = json.dumps(teams_card(notice_from_result(result())))
    assert "<!channel>" not in card and "http://evil" not in card
    assert plain_text("a\x00b @here http://x", 100) == "ab @\u2060here http:\u2060//x"
    assert len(plain_text("x" * 50, 10)) == 10


def test_pagerduty_event_uses_incident_as_dedup_key() -> None:
    event = pagerduty_trigger("rk", notice_from_result(result()))
    assert event["dedup_key"] == "inc-1" and event["event_action"] == "trigger"
    assert event["payload"]["severity"] == "critical" and len(event["payload"]["summary"]) <= 1024


def test_routing_rules() -> None:
    rules = parse_routes(json.dumps([
        {"sinks": ["pagerduty"], "severity": ["critical"], "namespace": ["prod-*"]},
        {"sinks": ["slack"], "category": "pod-crash"},
        {"sinks": ["teams"], "namespace": "staging"},
    ]))
    assert rules is not None
    enabled = ["slack", "teams", "pagerduty", "file"]
    assert route(rules, enabled, "critical", "prod-shop", "pod-crash") == ["slack", "pagerduty"]
    assert route(rules, enabled, "warning", "prod-shop", "oom-killed") == []
    assert route(rules, enabled, "info", "staging", "unknown") == ["teams"]
    defaults = default_rules(enabled)
    assert route(defaults, enabled, "warning", None, "unknown") == ["slack", "teams", "file"]
    assert route(defaults, enabled, "critical", None, "unknown") == enabled
    assert parse_routes(None) is None and parse_routes(" ") is None
    for bad in ("{", "{}", '[{"severity": ["x"]}]', '[{"sinks": ["a"], "colour": 1}]', '[{"sinks": ["a"], "severity": 3}]'):
        with pytest.raises(ValueError):
            parse_routes(bad)
    assert Rule(("a",), namespace=("prod-*",)).matches("info", None, "x") is False


def record(state: str, ts: str | None = None, detail: str = "", rid: str | None = None) -> NotificationRecord:
    return NotificationRecord(
        event_id=rid or f"{state}-{ts}-{detail}", incident_id="inc-1", sink="slack", channel="C1" if ts else None,
        message_ref=ts, thread_ref=ts, state=state, sent_at=T0, detail=detail,  # type: ignore[arg-type]
    )


def test_thread_map_never_moves_backwards_and_keeps_refs() -> None:
    threads = ThreadMap()
    threads.apply(record("started", detail=PENDING))
    assert threads.get("inc-1", "slack").pending  # type: ignore[union-attr]
    threads.apply(record("started", "1.1"))
    threads.apply(record("final", "1.1"))
    threads.apply(record("started", detail=PENDING, rid="late-pending"))  # replayed out of order
    threads.apply(record("started", "1.1"))
    state = threads.get("inc-1", "slack")
    assert state is not None and state.state == "final" and state.message_ref == "1.1" and not state.pending
    threads.apply(record("resolved"))  # no refs of its own: the thread is kept
    state = threads.get("inc-1", "slack")
    assert state is not None and state.state == "resolved" and state.message_ref == "1.1"
    assert threads.incident_for_message("C1", "1.1") == "inc-1"
    assert [s.incident_id for s in threads.messages("slack", T0)] == ["inc-1"]


def test_live_analysis_throttle() -> None:
    live = LiveAnalysis("inc-1")
    assert live.add(0, "started", "")
    live.mark_updated(0.0)
    assert live.add(1, "llm", "The ")
    assert not live.add(1, "llm", "The ")  # redelivered chunk
    assert live.add(2, "llm", "cause")
    assert not live.due(1.0, 3.0)  # within the interval
    assert live.due(3.0, 3.0)
    live.mark_updated(3.0)
    assert not live.due(10.0, 3.0)  # nothing new
    assert live.text == "The cause"
    live.finished = True
    assert not live.add(3, "llm", "late")


def test_feedback_ids_and_reactions() -> None:
    pairs = reactions_to_verdicts([
        {"name": "white_check_mark", "users": ["U1", "U2"]},
        {"name": "x::skin-tone-3", "users": ["U3"]},
        {"name": "tada", "users": ["U4"]},
    ])
    assert pairs == [("U1", "correct"), ("U2", "correct"), ("U3", "incorrect")]
    assert feedback_id("inc", "U1", "correct", "slack-reaction") == feedback_id("inc", "U1", "correct", "slack-reaction")
    assert feedback_id("inc", "U1", "correct", "slack-reaction") != feedback_id("inc", "U1", "incorrect", "slack-reaction")


def test_slack_signature_verification() -> None:
    body = b"payload=%7B%7D"
    sig = slack_signature("s3cr3t", "1700000000", body)
    assert verify_slack_signature("s3cr3t", "1700000000", body, sig, 1700000100) == (True, "ok")
    assert not verify_slack_signature("s3cr3t", "1700000000", body + b"x", sig, 1700000100)[0]
    assert not verify_slack_signature("other", "1700000000", body, sig, 1700000100)[0]
    assert not verify_slack_signature("s3cr3t", "1700000000", body, sig, 1700000000 + 301)[0]  # replay window
    assert not verify_slack_signature("s3cr3t", None, body, sig, 1700000000)[0]
    assert not verify_slack_signature("s3cr3t", "soon", body, sig, 1700000000)[0]
    assert webhook_signature("k", "1", b"{}").startswith("t=1,v1=")
