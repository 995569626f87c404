"""Test harness: the service on a real broker with its HTTP app, and events to publish.

Used by this service's tests and usable from cross-service tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from logmesh_contracts import AnalysisProgress, AnalysisResult, Citation, IncidentResolved, K8sRef
from logmesh_contracts.topics import ANALYSIS_PROGRESS, ANALYSIS_RESULTS, INCIDENTS_RESOLVED
from notification.app import create_app
from notification.notifier import Notifier
from notification.settings import NotificationSettings
from notification.testing.slack_server import LoopbackSlack

TOKEN = "xoxb-service-test"
SIGNING_SECRET = "signing-secret-for-tests"
FEEDBACK_TOKEN = "feedback-token-for-tests"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_settings(
    bootstrap: str, prefix: str, data_dir: Path, slack: LoopbackSlack | None = None, **overrides: Any
) -> NotificationSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap": bootstrap,
        "topic_prefix": prefix,
        "data_dir": data_dir,
        "retry_backoff_s": 0.05,
        "retry_backoff_max_s": 0.5,
        "shutdown_grace_s": 1.0,
        "slack_update_interval_s": 0.5,
        "reaction_poll_interval_s": 0,
        "slack_signing_secret": SIGNING_SECRET,
        "feedback_token": FEEDBACK_TOKEN,
    }
    if slack is not None:
        values.update(slack_bot_token=TOKEN, slack_api_url=slack.base_url, slack_channel="#alerts")
    values.update(overrides)
    return NotificationSettings(**values)


class Running:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.service = app.state.service
        self.notifier: Notifier = app.state.notifier
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notification")

    async def publish(self, event: BaseModel) -> None:
        topic = {AnalysisProgress: ANALYSIS_PROGRESS, AnalysisResult: ANALYSIS_RESULTS,
                 IncidentResolved: INCIDENTS_RESOLVED}[type(event)]
        await self.service.mesh.publish(topic, event, key=event.incident_id)  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def running(settings: NotificationSettings) -> AsyncIterator[Running]:
    app = create_app(settings)
    handle = Running(app)
    async with handle.service.running():
        try:
            yield handle
        finally:
            await handle.http.aclose()


def progress(incident_id: str, seq: int, stage: Any = "llm", text: str = "") -> AnalysisProgress:
    return AnalysisProgress(event_id=f"{incident_id}-p{seq}", incident_id=incident_id, seq=seq, stage=stage,
                            text=text, at=T0)


def result(incident_id: str, event_id: str | None = None, root_cause: str = "the JVM heap is too small",
           **overrides: Any) -> AnalysisResult:
    values: dict[str, Any] = dict(
        event_id=event_id or f"{incident_id}-r", incident_id=incident_id, completed_at=T0,
        title="checkout is crash-looping", severity="warning", category="pod-crash", root_cause=root_cause,
        confidence=0.82, target=K8sRef(namespace="shop", pod="checkout-7d9"),
        evidence=[Citation(ref="log:shop/checkout-7d9#12", excerpt="java.lang.OutOfMemoryError")],
        actions=["raise the memory limit to 1Gi"],
    )
    values.update(overrides)
    return AnalysisResult(**values)


def resolved(incident_id: str) -> IncidentResolved:
    return IncidentResolved(event_id=f"{incident_id}-resolved", incident_id=incident_id, resolved_at=T0,
                            reason="alert cleared")
