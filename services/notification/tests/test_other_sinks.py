"""Webhook, Teams, PagerDuty and the default file sink, on a real broker, against a loopback receiver;
and feedback over HTTP with a bearer token."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from logmesh_contracts import Feedback, K8sRef
from logmesh_contracts.topics import FEEDBACK
from logmesh_testing import read_topic, wait_for_messages, wait_until
from notification.testing.harness import FEEDBACK_TOKEN, make_settings, resolved, result, running

pytestmark = [pytest.mark.broker]

WEBHOOK_SECRET = "webhook-hmac-key-for-tests"


class Receiver:
    """Records every POST; answers 503 to the first ``fail_first`` webhook posts."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.fail_first = 0
        self.port = 0

    def of(self, path: str) -> list[tuple[dict[str, str], dict[str, Any]]]:
        return [(h, json.loads(b)) for p, h, b in self.requests if p == path]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((request.path, dict(request.headers), body))
        if request.path == "/hook" and self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=503, headers={"Retry-After": "0"})
        if request.path == "/pd":
            return web.json_response({"status": "success", "dedup_key": json.loads(body)["dedup_key"]}, status=202)
        return web.Response(text="1")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/{path}", rec.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rec.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield rec
    await runner.cleanup()


async def test_webhook_teams_pagerduty_and_file_sinks(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path, receiver: Receiver
) -> None:
    base = f"http://127.0.0.1:{receiver.port}"
    routes = json.dumps([
        {"sinks": ["webhook", "file"]},
        {"sinks": ["slack-webhook"], "category": ["pod-crash"], "severity": ["warning"]},
        {"sinks": ["teams"], "namespace": ["prod-*"]},
        {"sinks": ["pagerduty"], "severity": ["critical"]},
    ])
    settings = make_settings(
        kafka_bootstrap, topic_prefix, tmp_path, webhook_url=f"{base}/hook", webhook_secret=WEBHOOK_SECRET,
        teams_webhook_url=f"{base}/teams", slack_webhook_url=f"{base}/slackhook", pagerduty_routing_key="R0UTINGKEY0123", pagerduty_url=f"{base}/pd",
        routes=routes,
    )
    receiver.fail_first = 1  # the webhook is down once: retried, the others are not sent twice
    async with running(settings) as svc:
        await svc.publish(result("inc-p", severity="critical", target=K8sRef(namespace="prod-shop", pod="web-1"),
                                 root_cause="<!channel> OOM"))
        await svc.publish(result("inc-w", severity="warning", target=K8sRef(namespace="dev")))
        await wait_until(lambda: len(receiver.of("/hook")) == 3 and receiver.of("/pd") and receiver.of("/teams"))
        await svc.publish(resolved("inc-p"))
        # each sink has its own consumer: wait for every sink that gets the resolution, the file sink too
        sent = tmp_path / "notification" / "notifications.jsonl"
        await wait_until(lambda: len(receiver.of("/pd")) == 2 and len(receiver.of("/hook")) == 4
                         and len(receiver.of("/teams")) == 2 and len(receiver.of("/slackhook")) == 1
                         and sent.exists() and len(sent.read_text().splitlines()) == 3)

        # feedback over HTTP for sinks without reactions: bearer token required
        good = {"incident_id": "inc-p", "verdict": "incorrect", "given_by": "oncall@example.com",
                "corrected_category": "oom-killed"}
        assert (await svc.http.post("/feedback", json=good)).status_code == 401
        assert (await svc.http.post("/feedback", json=good,
                                    headers={"Authorization": "Bearer wrong"})).status_code == 401
        auth = {"Authorization": f"Bearer {FEEDBACK_TOKEN}"}
        bad = await svc.http.post("/feedback", json={**good, "verdict": "maybe"}, headers=auth)
        assert bad.status_code == 422 and "verdict" in json.dumps(bad.json())
        accepted = await svc.http.post("/feedback", json=good, headers=auth)
        again = await svc.http.post("/feedback", json=good, headers=auth)
        assert accepted.status_code == 202 and again.json()["event_id"] == accepted.json()["event_id"]

    # webhook: signed, with an idempotency id; the 503 made it retry, nothing else was duplicated
    hooks = receiver.of("/hook")
    assert sorted({doc["incident_id"] for _, doc in hooks if doc["kind"] == "analysis"}) == ["inc-p", "inc-w"]
    assert len(hooks) == 4  # the refused one, two analyses and the resolution
    for _, headers, raw in (r for r in receiver.requests if r[0] == "/hook"):
        stamp = headers["X-Logmesh-Timestamp"]
        expected = hmac.new(WEBHOOK_SECRET.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
        assert headers["X-Logmesh-Signature"] == f"t={stamp},v1={expected}"
        assert headers["X-Logmesh-Event-Id"]
    critical = next(doc for _, doc in hooks if doc["incident_id"] == "inc-p" and doc["kind"] == "analysis")
    assert "<!channel>" in critical["root_cause"]  # JSON carries the text; only pings/links are defanged
    # teams only for prod-*, an Adaptive Card with the untrusted text escaped
    (_, card), (_, resolved_card) = receiver.of("/teams")  # prod-* only: the analysis, then its resolution
    assert "Resolved" in json.dumps(resolved_card)
    assert card["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "<!channel>" not in json.dumps(card)
    # pagerduty only for critical: trigger then resolve on the same dedup key
    (_, trigger), (_, resolve) = receiver.of("/pd")
    assert (trigger["event_action"], trigger["dedup_key"]) == ("trigger", "inc-p")
    assert (resolve["event_action"], resolve["dedup_key"]) == ("resolve", "inc-p")
    assert trigger["routing_key"] == "R0UTINGKEY0123" and trigger["payload"]["severity"] == "critical"
    # the Slack incoming webhook: the final message only (it cannot be edited), then the resolution
    ((_, slack_msg),) = receiver.of("/slackhook")
    assert "inc-w" in json.dumps(slack_msg) and slack_msg["unfurl_links"] is False
    assert "logmesh_feedback_correct" not in json.dumps(slack_msg)  # no buttons: nobody could receive them
    # the file sink: one JSON line per notification
    lines = [json.loads(x) for x in sent.read_text().splitlines()]
    assert sorted((x["incident_id"], x["kind"]) for x in lines) == [
        ("inc-p", "analysis"), ("inc-p", "resolved"), ("inc-w", "analysis")]
    records = await wait_for_messages(kafka_bootstrap, topic_prefix + FEEDBACK.name, 1)
    (feedback,) = [Feedback.model_validate_json(r.value) for r in records]
    assert (feedback.verdict, feedback.channel, feedback.corrected_category) == ("incorrect", "http", "oom-killed")
    assert len(await read_topic(kafka_bootstrap, topic_prefix + FEEDBACK.name)) == 1
