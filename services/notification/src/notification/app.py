"""The only wiring of the notification service."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.applications import Starlette

from logmesh_contracts import NotificationRecord
from logmesh_contracts.topics import (
    ANALYSIS_PROGRESS,
    ANALYSIS_RESULTS,
    FEEDBACK,
    INCIDENTS_RESOLVED,
    NOTIFICATIONS_SENT,
)
from logmesh_runtime.kafka import delivery_of
from logmesh_runtime.service import Service
from notification.adapters import SlackSink, build_sinks
from notification.adapters.record_log import RecordLog
from notification.domain import default_rules, parse_routes, record_key
from notification.handlers import Handlers
from notification.notifier import Notifier
from notification.routes import feedback_routes
from notification.settings import NotificationSettings

log = logging.getLogger(__name__)


def create_app(settings: NotificationSettings) -> Starlette:
    service = Service(settings)
    sinks = build_sinks(settings)
    names = [s.name for s in sinks]
    rules = parse_routes(settings.routes) or default_rules(names)

    async def publish_record(record):  # type: ignore[no-untyped-def]
        await service.mesh.publish(NOTIFICATIONS_SENT, record, key=record_key(record.incident_id, record.sink))

    async def publish_feedback(feedback):  # type: ignore[no-untyped-def]
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

    record_log = RecordLog(settings.kafka_bootstrap, records_topic, apply_record, settings.service_name, reject_record)
    handlers = Handlers(notifier)
    service.mesh.consume(ANALYSIS_PROGRESS, handlers.progress)
    for name in names:  # one consumer group per sink: a slow or down sink never holds the others back
        on_result, on_resolved = handlers.for_sink(name)
        group = f"{settings.service_name}-sink-{name}"
        service.mesh.consume(ANALYSIS_RESULTS, on_result, group_id=group)
        service.mesh.consume(INCIDENTS_RESOLVED, on_resolved, group_id=group)

    @service.on_startup
    async def rebuild_thread_map() -> None:
        # before any consumer starts: a redelivered result must find the thread it already has
        await record_log.catch_up()
        for sink in sinks:
            if isinstance(sink, SlackSink):
                try:
                    identity = await sink.identify()
                    log.info("slack bot %s in team %s", identity.get("user_id"), identity.get("team"))
                except Exception as exc:  # Slack down at start is an outage, not a reason to not start
                    log.warning("slack auth.test failed: %s", exc)

    @service.background
    async def tail_thread_map() -> None:
        await record_log.tail()

    @service.background
    async def flush_live_updates() -> None:
        tick = max(0.05, min(1.0, settings.slack_update_interval_s / 2))
        last_prune = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(tick)
            try:
                await notifier.flush_live()
                if asyncio.get_running_loop().time() - last_prune > 3600:
                    last_prune = asyncio.get_running_loop().time()
                    notifier.prune()
            except Exception:  # a background loop must survive a bad tick
                log.exception("live update flush failed")

    if settings.reaction_poll_interval_s > 0 and any(s.live for s in sinks):

        @service.background
        async def poll_reactions() -> None:
            while True:
                await asyncio.sleep(settings.reaction_poll_interval_s)
                try:
                    await notifier.poll_reactions(settings.reaction_poll_window_s,
                                                   max_messages=settings.reaction_poll_max_messages)
                except Exception:
                    log.exception("reaction poll failed")

    @service.on_shutdown
    async def close() -> None:
        await record_log.close()
        await notifier.close()

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
