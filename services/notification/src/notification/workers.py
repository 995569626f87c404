"""Background work: rebuild and tail the thread map, flush live updates, poll reactions."""

from __future__ import annotations

import asyncio
import logging

from logmesh_runtime.service import Service
from notification.adapters import SlackSink
from notification.adapters.record_log import RecordLog
from notification.notifier import Notifier
from notification.ports import Sink
from notification.settings import NotificationSettings

log = logging.getLogger(__name__)


def register_workers(
    service: Service, notifier: Notifier, record_log: RecordLog, sinks: list[Sink], settings: NotificationSettings
) -> None:
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
