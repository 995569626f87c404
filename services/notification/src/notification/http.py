"""HTTP endpoints that turn people's verdicts into ``feedback`` events.

* ``POST /slack/interactions`` — Block Kit button clicks (form field ``payload``);
* ``POST /slack/events`` — Events API: ``url_verification`` and ``reaction_added``;
* ``POST /feedback`` — any other client, with ``Authorization: Bearer <LOGMESH_FEEDBACK_TOKEN>``.

Slack requests are verified with the signing secret (v0 HMAC-SHA256, five-minute window)
before anything in the body is read; a forged or replayed request gets 401.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from logmesh_contracts import CATEGORIES, utcnow
from logmesh_runtime.http import bearer_token, token_matches, unavailable
from logmesh_runtime.kafka import PublishUnavailable
from notification.domain import BUTTON_VERDICTS, REACTION_VERDICTS, make_feedback, verify_slack_signature
from notification.notifier import Notifier
from notification.settings import NotificationSettings

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


def _error(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


def _unavailable() -> JSONResponse:
    return unavailable("broker unavailable, retry", retry_after_s=5)


def feedback_routes(notifier: Notifier, settings: NotificationSettings) -> list[Route]:
    signing_secret = NotificationSettings.secret(settings.slack_signing_secret)
    feedback_token = NotificationSettings.secret(settings.feedback_token)

    async def verified_body(request: Request) -> tuple[bytes | None, JSONResponse | None]:
        if signing_secret is None:
            return None, _error(503, "Slack callbacks are disabled: LOGMESH_SLACK_SIGNING_SECRET is not set")
        body = await request.body()
        if len(body) > MAX_BODY:
            return None, _error(413, "body too large")
        ok, why = verify_slack_signature(
            signing_secret,
            request.headers.get("x-slack-request-timestamp"),
            body,
            request.headers.get("x-slack-signature"),
            time.time(),
        )
        if not ok:
            log.warning("rejected a Slack request: %s", why)
            return None, _error(401, f"invalid Slack signature: {why}")
        return body, None

    async def interactions(request: Request) -> Response:
        body, problem = await verified_body(request)
        if problem is not None:
            return problem
        assert body is not None
        try:
            payload = json.loads(parse_qs(body.decode())["payload"][0])
        except (KeyError, IndexError, ValueError, UnicodeDecodeError):
            return _error(400, "expected a form field 'payload' holding JSON")
        if payload.get("type") != "block_actions":
            return Response(status_code=200)
        user = (payload.get("user") or {}).get("id") or (payload.get("user") or {}).get("username") or "unknown"
        published = 0
        for action in payload.get("actions") or []:
            verdict = BUTTON_VERDICTS.get(action.get("action_id", ""))
            incident_id = action.get("value")
            if verdict is None or not incident_id:
                continue
            try:
                if await notifier.feedback(make_feedback(incident_id, verdict, user, "slack-button", utcnow())):
                    published += 1
            except PublishUnavailable:
                return _unavailable()
        return JSONResponse({"ok": True, "published": published})

    async def events(request: Request) -> Response:
        body, problem = await verified_body(request)
        if problem is not None:
            return problem
        assert body is not None
        try:
            payload = json.loads(body)
        except ValueError:
            return _error(400, "body is not JSON")
        if payload.get("type") == "url_verification":
            return JSONResponse({"challenge": payload.get("challenge", "")})
        event = payload.get("event") or {}
        if payload.get("type") != "event_callback" or event.get("type") != "reaction_added":
            return JSONResponse({"ok": True, "ignored": True})
        item = event.get("item") or {}
        verdict = REACTION_VERDICTS.get(str(event.get("reaction", "")).split("::")[0])
        incident_id = notifier.map.incident_for_message(str(item.get("channel")), str(item.get("ts")))
        if verdict is None or incident_id is None or item.get("type") != "message":
            return JSONResponse({"ok": True, "ignored": True})
        try:
            published = await notifier.feedback(
                make_feedback(incident_id, verdict, str(event.get("user", "unknown")), "slack-reaction", utcnow())
            )
        except PublishUnavailable:
            return _unavailable()
        return JSONResponse({"ok": True, "published": int(published)})

    async def http_feedback(request: Request) -> Response:
        if feedback_token is None:
            return _error(503, "HTTP feedback is disabled: LOGMESH_FEEDBACK_TOKEN is not set")
        if not token_matches(bearer_token(request), [feedback_token]):
            return _error(401, "missing or wrong bearer token")
        body = await request.body()
        if len(body) > MAX_BODY:
            return _error(413, "body too large")
        try:
            data: Any = json.loads(body)
        except ValueError:
            return _error(400, "body is not JSON")
        if not isinstance(data, dict):
            return _error(400, "body must be a JSON object")
        problems = []
        for name in ("incident_id", "given_by"):
            if not isinstance(data.get(name), str) or not data[name].strip():
                problems.append(f"{name}: required string")
        if data.get("verdict") not in ("correct", "incorrect"):
            problems.append("verdict: must be 'correct' or 'incorrect'")
        for name in ("comment", "corrected_root_cause"):
            if data.get(name) is not None and not isinstance(data[name], str):
                problems.append(f"{name}: must be a string")
        if data.get("corrected_category") is not None and data["corrected_category"] not in CATEGORIES:
            problems.append(f"corrected_category: one of {', '.join(CATEGORIES)}")
        if problems:
            return JSONResponse({"error": "invalid feedback", "problems": problems}, status_code=422)
        fb = make_feedback(
            data["incident_id"][:128], data["verdict"], data["given_by"][:256], "http", utcnow(),
            comment=data.get("comment"), corrected_root_cause=data.get("corrected_root_cause"),
            corrected_category=data.get("corrected_category"),
        )
        try:
            published = await notifier.feedback(fb)
        except PublishUnavailable:
            return _unavailable()
        return JSONResponse({"event_id": fb.event_id, "published": published}, status_code=202)

    return [
        Route("/slack/interactions", interactions, methods=["POST"]),
        Route("/slack/events", events, methods=["POST"]),
        Route("/feedback", http_feedback, methods=["POST"]),
    ]
