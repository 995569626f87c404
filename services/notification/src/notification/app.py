"""The only wiring of the notification service."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from logmesh_contracts import Feedback, NotificationRecord
from logmesh_contracts.topics import (
    ANALYSIS_PROGRESS,
    ANALYSIS_RESULTS,
    FEEDBACK,
    INCIDENTS_RESOLVED,
    NOTIFICATIONS_SENT,
)
from logmesh_runtime.kafka import delivery_of
from logmesh_runtime.service import Service
from notification.adapters import build_sinks
from notification.adapters.record_log import RecordLog
from notification.domain import default_rules, parse_routes, record_key
from notification.handlers import Handlers
from notification.http import feedback_routes
from notification.notifier import Notifier
from notification.settings import NotificationSettings
from notification.workers import register_workers


def create_app(settings: NotificationSettings) -> Starlette:
    service = Service(settings)
    sinks = build_sinks(settings)
    names = [s.name for s in sinks]
    rules = parse_routes(settings.routes) or default_rules(names)

    async def publish_record(record: NotificationRecord) -> None:
        await service.mesh.publish(NOTIFICATIONS_SENT, record, key=record_key(record.incident_id, record.sink))

    async def publish_feedback(feedback: Feedback) -> None:
        await service.mesh.publish(FEEDBACK, feedback, key=feedback.incident_id)

    notifier = Notifier(
        sinks, rules, publish_record, publish_feedback,
        update_interval_s=settings.slack_update_interval_s, link_base_url=settings.link_base_url,
        retention_s=settings.thread_map_retention_s,
    )
    async def reject_record(record: Any, error: Exception) -> None:
        await service.mesh.reject(NOTIFICATIONS_SENT, delivery_of(record), error)

    records_topic = service.mesh.topic_name(NOTIFICATIONS_SENT)

    def apply_record(record: NotificationRecord) -> None:
        notifier.apply_record(record)
        service.metrics.handled.labels(topic=records_topic).inc()

    record_log = RecordLog(settings.kafka_bootstrap, records_topic, apply_record, settings.service_name, reject_record,
                           security=settings.kafka_security_options())
    handlers = Handlers(notifier)
    service.mesh.consume(ANALYSIS_PROGRESS, handlers.progress)
    for name in names:  # one consumer group per sink: a slow or down sink never holds the others back
        on_result, on_resolved = handlers.for_sink(name)
        group = f"{settings.service_name}-sink-{name}"
        service.mesh.consume(ANALYSIS_RESULTS, on_result, group_id=group)
        service.mesh.consume(INCIDENTS_RESOLVED, on_resolved, group_id=group)
    register_workers(service, notifier, record_log, sinks, settings)

    async def sinks_check() -> tuple[bool, str]:
        return True, ", ".join(names) or "no sinks"

    service.readiness_check("sinks", sinks_check)
    service.routes.extend(feedback_routes(notifier, settings))
    service.public("/slack/interactions")  # Slack signs these (signing secret, checked in routes)
    service.public("/slack/events")
    service.require("/feedback", "analyze")
    app = service.asgi()
    app.state.notifier = notifier
    return app
