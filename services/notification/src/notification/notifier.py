"""Delivery orchestration: which sink gets what, when, exactly once per incident thread.

Rules it keeps (docs/decisions/notification.md explains why):

* every send is recorded on ``notifications.sent`` (acks=all) before the handler returns,
  so before the input's offset is committed;
* a threaded sink (Slack) first records a write-ahead ``pending`` record, then posts, then
  records the message ref; a pending record without a ref after a crash is reconciled by
  looking for the message (Slack message metadata) before posting again;
* one sink's outage or slowness does not delay the others: each sink has its own consumer group
  on analysis.results and incidents.resolved (``on_result(..., only=sink)``), so a sink that is
  down retries on its own partition position while the others move on;
* per-incident locks serialise progress, results and resolutions of one incident in this process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import cast

from logmesh_contracts import AnalysisProgress, AnalysisResult, Feedback, IncidentResolved, NotificationRecord, utcnow
from logmesh_runtime.kafka import TransientError
from notification.domain import (
    PENDING,
    STATE_RANK,
    LiveAnalysis,
    Rule,
    SinkState,
    ThreadMap,
    make_feedback,
    notice_from_result,
    reactions_to_verdicts,
    record_id,
    route,
)
from notification.ports import LiveSink, Sent, Sink, SinkFailed

log = logging.getLogger(__name__)

PublishRecord = Callable[[NotificationRecord], Awaitable[None]]
PublishFeedback = Callable[[Feedback], Awaitable[None]]


class Notifier:
    def __init__(
        self,
        sinks: Sequence[Sink],
        rules: Sequence[Rule],
        publish_record: PublishRecord,
        publish_feedback: PublishFeedback,
        *,
        update_interval_s: float = 3.0,
        link_base_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        retention_s: float = 30 * 24 * 3600,
    ) -> None:
        self.sinks = {s.name: s for s in sinks}
        self.rules = list(rules)
        self.map = ThreadMap()
        self.live: dict[str, LiveAnalysis] = {}
        self.update_interval_s = update_interval_s
        self.link_base_url = link_base_url
        self._publish_record = publish_record
        self._publish_feedback = publish_feedback
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._feedback_sent: set[str] = set()
        self._poll_cursor = 0
        self.retention_s = retention_s
        self._resolved_early: dict[str, IncidentResolved] = {}

    # ------------------------------------------------------------------ helpers
    def _lock(self, incident_id: str) -> asyncio.Lock:
        lock = self._locks.get(incident_id)
        if lock is None:
            lock = self._locks[incident_id] = asyncio.Lock()
        return lock

    @property
    def live_sinks(self) -> list[LiveSink]:
        return [cast(LiveSink, s) for s in self.sinks.values() if s.live]

    async def record(
        self, sink: str, incident_id: str, state: str, source_event_id: str, sent: Sent | None = None,
        detail: str = "", previous: SinkState | None = None,
    ) -> NotificationRecord:
        previous = previous or self.map.get(incident_id, sink)
        record = NotificationRecord(
            event_id=record_id(sink, incident_id, "pending" if detail == PENDING else state, source_event_id),
            incident_id=incident_id,
            sink=sink,
            channel=(sent.channel if sent and sent.channel else None) or (previous.channel if previous else None),
            message_ref=(sent.message_ref if sent and sent.message_ref else None)
            or (previous.message_ref if previous else None),
            thread_ref=(sent.thread_ref if sent and sent.thread_ref else None)
            or (previous.thread_ref if previous else None),
            state=state,  # type: ignore[arg-type]
            sent_at=utcnow(),
            detail=detail[:1000],
        )
        await self._publish_record(record)  # acks=all: durable before the input is committed
        self.map.apply(record)
        return record

    def apply_record(self, record: NotificationRecord) -> None:
        """A record read back from ``notifications.sent`` (startup replay or another replica)."""
        if record.sent_at >= utcnow() - timedelta(seconds=self.retention_s):
            self.map.apply(record)

    def prune(self) -> int:
        """Forget incidents older than the retention (memory stays bounded by the incident rate)."""
        cutoff = utcnow() - timedelta(seconds=self.retention_s)
        self._resolved_early = {k: v for k, v in self._resolved_early.items() if v.resolved_at >= cutoff}
        return self.map.prune(cutoff)

    async def _ensure_thread(
        self, sink: LiveSink, incident_id: str, state: str, source_event_id: str, post: Callable[[], Awaitable[Sent]]
    ) -> tuple[SinkState, bool]:
        """The incident's message on ``sink``: the known one, one found after a crash, or a new one.

        Returns (state, posted_now).
        """
        current = self.map.get(incident_id, sink.name)
        if current is not None and current.message_ref:
            return current, False
        if current is not None and current.pending:
            found = await sink.find_posted(incident_id, current.channel, current.sent_at)
            if found is not None:
                log.info("adopting message %s of incident %s posted before a restart", found.message_ref, incident_id)
                await self.record(sink.name, incident_id, "started", source_event_id, found, detail="recovered")
                state = self.map.get(incident_id, sink.name)
                assert state is not None
                return state, False
        await self.record(sink.name, incident_id, "started", source_event_id, detail=PENDING)
        sent = await post()
        await self.record(sink.name, incident_id, state, source_event_id, sent)
        state_now = self.map.get(incident_id, sink.name)
        assert state_now is not None
        return state_now, True

    # ------------------------------------------------------------------ analysis.progress
    async def on_progress(self, event: AnalysisProgress) -> None:
        if not self.live_sinks:
            return
        async with self._lock(event.incident_id):
            live = self.live.get(event.incident_id)
            if live is None:
                live = self.live[event.incident_id] = LiveAnalysis(event.incident_id)
            for sink in self.live_sinks:
                current = self.map.get(event.incident_id, sink.name)
                if current is not None and STATE_RANK.get(current.state, 0) >= STATE_RANK["final"]:
                    live.finished = True  # the final message is out; late progress must not overwrite it
            if not live.add(event.seq, event.stage, event.text):
                return
            for sink in self.live_sinks:
                await self._show_live(sink, live, event.event_id)

    async def _show_live(self, sink: LiveSink, live: LiveAnalysis, source_event_id: str) -> None:
        now = self._clock()
        current = self.map.get(live.incident_id, sink.name)
        if current is None or not current.message_ref:
            await self._ensure_thread(
                sink, live.incident_id, "started", source_event_id,
                lambda: sink.post_live(live.incident_id, live.stage, live.text),
            )
            live.mark_updated(now)
            return
        if live.due(now, self.update_interval_s):
            try:
                await sink.update_live(current, live.stage, live.text)
            except (TransientError, SinkFailed) as exc:
                # a missed live update is not worth stalling the partition: the next one carries the text
                log.warning("live update of incident %s on %s failed: %s", live.incident_id, sink.name, exc)
                return
            live.mark_updated(now)

    async def flush_live(self) -> int:
        """Send throttled updates whose interval has passed (trailing text of a burst). Returns updates sent."""
        if len(self._locks) > 1000:
            # an unlocked lock has no holder and no waiter (acquiring a free lock does not suspend): safe to drop
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        sent = 0
        now = self._clock()
        for incident_id, live in list(self.live.items()):
            if live.finished:
                if live.last_update is None or now - live.last_update > 3600:
                    self.live.pop(incident_id, None)
                continue
            if not live.due(now, self.update_interval_s):
                continue
            async with self._lock(incident_id):
                for sink in self.live_sinks:
                    current = self.map.get(incident_id, sink.name)
                    if current is None or not current.message_ref or live.finished:
                        continue
                    try:
                        await sink.update_live(current, live.stage, live.text)
                        sent += 1
                    except (TransientError, SinkFailed) as exc:
                        log.warning("live update of incident %s failed: %s", incident_id, exc)
                live.mark_updated(self._clock())
        return sent

    # ------------------------------------------------------------------ analysis.results
    def _lock_for(self, incident_id: str, only: str | None) -> asyncio.Lock:
        """Per incident; per incident and sink where one sink's consumer works alone (a live sink keeps the
        incident's lock: its progress updates and its final message must not interleave)."""
        if only is None or self.sinks[only].live:
            return self._lock(incident_id)
        return self._lock(f"{incident_id}\x00{only}")

    async def on_result(self, result: AnalysisResult, only: str | None = None) -> None:
        """Deliver the final analysis to every routed sink, or to ``only`` (one sink's own consumer)."""
        notice = notice_from_result(result, self.link_base_url)
        routed = route(self.rules, list(self.sinks), result.severity, result.target.namespace, result.category)
        # a live thread that already exists gets its final text even when routing would not choose it
        routed += [s.sink for s in self.map.sinks_for(result.incident_id) if s.sink in self.sinks and s.sink not in routed
                   and self.sinks[s.sink].live]
        if only is not None:
            routed = [name for name in routed if name == only]
        transient: list[str] = []
        async with self._lock_for(result.incident_id, only):
            live = self.live.get(result.incident_id)
            if live is not None:
                live.finished = True
            for name in routed:
                sink = self.sinks[name]
                if {record_id(name, result.incident_id, state, result.event_id)
                        for state in ("final", "failed")} & self.map.seen_ids:
                    continue  # delivered to (or refused for good by) this sink already: redelivery, restart
                try:
                    await self._deliver_final(sink, notice, result.event_id)
                except TransientError as exc:
                    log.warning("sink %s unavailable for incident %s: %s", name, result.incident_id, exc)
                    transient.append(name)
                except SinkFailed as exc:
                    log.error("sink %s refused incident %s: %s", name, result.incident_id, exc)
                    await self.record(name, result.incident_id, "failed", result.event_id, detail=str(exc))
        if transient:
            raise TransientError(f"sinks unavailable: {', '.join(transient)}")
        early = self._resolved_early.get(result.incident_id)
        if early is not None:  # the alert resolved before its analysis was out: say so now
            await self.on_resolved(early, only)
            if only is None:  # with one consumer per sink, each sink's consumer needs it; prune() forgets it
                self._resolved_early.pop(result.incident_id, None)

    async def _deliver_final(self, sink: Sink, notice, source_event_id: str) -> None:
        if sink.threaded:
            live_sink = cast(LiveSink, sink)
            state, posted = await self._ensure_thread(
                live_sink, notice.incident_id, "final", source_event_id, lambda: sink.final(notice, None)
            )
            if posted:
                return
            sent = await sink.final(notice, state)
        else:
            sent = await sink.final(notice, self.map.get(notice.incident_id, sink.name))
        await self.record(sink.name, notice.incident_id, "final", source_event_id, sent)

    # ------------------------------------------------------------------ incidents.resolved
    async def on_resolved(self, event: IncidentResolved, only: str | None = None) -> None:
        transient: list[str] = []
        async with self._lock_for(event.incident_id, only):
            live = self.live.get(event.incident_id)
            sent = [s for s in self.map.sinks_for(event.incident_id) if STATE_RANK.get(s.state, 0) >= STATE_RANK["final"]
                    and (only is None or s.sink == only)]
            if not sent:
                # nothing final was sent yet: remember it for the analysis (this process only)
                self._resolved_early[event.incident_id] = event
            if live is not None and sent:
                live.finished = True
            for state in self.map.sinks_for(event.incident_id):
                sink = self.sinks.get(state.sink)
                if sink is None or state.state in ("resolved", "failed") or (only is not None and sink.name != only):
                    continue
                if sink.threaded and not state.message_ref:
                    continue  # nothing of ours to reply to
                if record_id(sink.name, event.incident_id, "resolved", event.event_id) in self.map.seen_ids:
                    continue
                try:
                    sent = await sink.resolved(event.incident_id, event.resolved_at, event.reason, state)
                except TransientError as exc:
                    transient.append(sink.name)
                    log.warning("sink %s unavailable for resolution of %s: %s", sink.name, event.incident_id, exc)
                    continue
                except SinkFailed as exc:
                    log.error("sink %s refused resolution of %s: %s", sink.name, event.incident_id, exc)
                    continue
                await self.record(sink.name, event.incident_id, "resolved", event.event_id, sent, previous=state)
        if transient:
            raise TransientError(f"sinks unavailable: {', '.join(transient)}")

    # ------------------------------------------------------------------ feedback
    async def feedback(self, feedback: Feedback) -> bool:
        """Publish a verdict once; False when this exact verdict was already published by this process."""
        if feedback.event_id in self._feedback_sent:
            return False
        await self._publish_feedback(feedback)
        self._feedback_sent.add(feedback.event_id)
        return True

    async def poll_reactions(self, window_s: float, now: datetime | None = None, max_messages: int = 40) -> int:
        """One sweep of reactions.get over recent analysis messages; returns feedback published.

        At most ``max_messages`` calls per sweep (reactions.get is rate limited, Tier 3): when
        there are more messages, successive sweeps rotate through them.
        """
        published = 0
        now = now or utcnow()
        since = now - timedelta(seconds=window_s)
        for sink in self.live_sinks:
            messages = sorted(self.map.messages(sink.name, since), key=lambda s: (s.sent_at, s.incident_id))
            if len(messages) > max_messages:
                start = self._poll_cursor % len(messages)
                messages = (messages[start:] + messages[:start])[:max_messages]
                self._poll_cursor = start + max_messages
            for state in messages:
                assert state.channel and state.message_ref
                try:
                    reactions = await sink.reactions(state.channel, state.message_ref)
                except (TransientError, SinkFailed) as exc:
                    log.warning("reactions.get for incident %s failed: %s", state.incident_id, exc)
                    continue
                for user, verdict in reactions_to_verdicts(reactions):
                    fb = make_feedback(state.incident_id, verdict, user, "slack-reaction", now)
                    if await self.feedback(fb):
                        published += 1
        return published

    async def close(self) -> None:
        for sink in self.sinks.values():
            try:
                await sink.close()
            except Exception:  # closing is best effort
                log.exception("closing sink %s failed", sink.name)
