"""HTTP handlers: authenticate, read a bounded body, decode, dedup + publish, answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from alert_intake import domain
from alert_intake.auth import Authenticator, Verdict
from alert_intake.dedup import Deduplicator
from alert_intake.metrics import IntakeMetrics
from alert_intake.ports import AlertSink, SinkUnavailable
from alert_intake.settings import AlertIntakeSettings
from logmesh_contracts import utcnow
from logmesh_runtime.auth import principal
from logmesh_runtime.http import unavailable

log = logging.getLogger(__name__)

Parser = Callable[..., domain.Intake]


class IntakeHandlers:
    def __init__(
        self,
        settings: AlertIntakeSettings,
        auth: Authenticator,
        dedup: Deduplicator,
        sink: AlertSink,
        metrics: IntakeMetrics,
    ) -> None:
        self.settings = settings
        self.auth = auth
        self.dedup = dedup
        self.sink = sink
        self.metrics = metrics

    async def webhook(self, request: Request) -> Response:
        """``POST /webhook``: an Alertmanager webhook (object) or generic alerts (list)."""
        return await self._intake(request, "/webhook", domain.any_alerts)

    async def generic(self, request: Request) -> Response:
        """``POST /api/v2/alerts``: a JSON list of alerts, as posted to Alertmanager's own API."""
        return await self._intake(request, "/api/v2/alerts", domain.generic_alerts)

    async def _intake(self, request: Request, endpoint: str, parse: Parser) -> Response:
        response = await self._answer(request, parse)
        self.metrics.requests.labels(endpoint=endpoint, code=str(response.status_code)).inc()
        return response

    async def _answer(self, request: Request, parse: Parser) -> Response:
        caller = principal(request)  # with API keys on, the runtime checked Alertmanager's bearer key already
        verdict = Verdict(True, "api-key") if caller is not None else self.auth.check(request.headers.get("authorization"))
        if not verdict.ok:
            self.metrics.auth_failures.labels(reason=verdict.reason).inc()
            log.warning("refused unauthenticated alert request (%s) from %s", verdict.reason, _client(request))
            return JSONResponse(
                {"error": "unauthorized"}, status_code=401, headers={"WWW-Authenticate": self.auth.challenge()}
            )
        try:
            body = await self._read_body(request)
            org = caller.org if caller is not None else self.settings.intake_org  # the key's org, never the payload's
            intake = parse(domain.parse_json(body), received_at=utcnow(), org=org)
            domain.check_limits(
                intake,
                max_alerts=self.settings.intake_max_alerts,
                max_alert_bytes=self.settings.intake_max_alert_bytes,
            )
        except domain.PayloadError as exc:
            log.info("rejected alert payload: %s %s", exc.status, exc.reason, extra={"details": exc.details[:5]})
            return JSONResponse(exc.body(), status_code=exc.status)
        except ClientDisconnect:
            return Response(status_code=400)
        if intake.truncated_alerts:
            self.metrics.truncated.labels(receiver=intake.receiver or "").inc(intake.truncated_alerts)
            log.warning(
                "Alertmanager truncated %d alert(s) from a notification (raise max_alerts on the receiver)",
                intake.truncated_alerts, extra={"receiver": intake.receiver, "group_key": intake.group_key},
            )
        if intake.unknown_fields:
            log.info("webhook carried fields this version does not know: %s", intake.unknown_fields)
        if not self.dedup.ready.is_set():
            return self._unavailable("deduplication index is still loading")
        try:
            outcome = await self.dedup.publish_once(intake.alerts, self.sink)
        except SinkUnavailable as exc:
            log.warning("broker unavailable, answered 503: %s", exc)
            return self._unavailable("broker unavailable; nothing was accepted, retry the whole request")
        finally:
            self.metrics.dedup_entries.set(len(self.dedup.window))
        self.metrics.alerts.labels(outcome="published").inc(len(outcome.published))
        self.metrics.alerts.labels(outcome="duplicate").inc(len(outcome.duplicates) + intake.in_request_duplicates)
        answer: dict[str, Any] = {
            "received": len(intake.alerts) + intake.in_request_duplicates,
            "published": len(outcome.published),
            "duplicates": len(outcome.duplicates) + intake.in_request_duplicates,
            "truncated_alerts": intake.truncated_alerts,
            "event_ids": [alert.event_id for alert in intake.alerts],
        }
        return JSONResponse(answer, status_code=200)

    async def _read_body(self, request: Request) -> bytes:
        limit = self.settings.intake_max_body_bytes
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise domain.PayloadError(415, f"unsupported Content-Encoding {encoding[:40]!r}; send identity")
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise domain.PayloadError(400, "invalid Content-Length")
            if int(declared) > limit:
                raise domain.PayloadError(413, f"body of {declared} bytes; at most {limit}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise domain.PayloadError(413, f"body larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _unavailable(self, reason: str) -> Response:
        return unavailable(reason, retry_after_s=self.settings.intake_retry_after_s)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"
