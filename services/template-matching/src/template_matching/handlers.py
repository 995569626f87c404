"""Thin handlers: decode (done by the mesh) -> domain -> store/publish."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from logmesh_contracts import Incident, LogAnomaly, TemplateEvent, stable_id, utcnow
from logmesh_contracts.topics import EVIDENCE_PARTS, LOGS_ANOMALIES, TEMPLATES_EVENTS
from logmesh_runtime.kafka import Delivery, Mesh, TransientError
from template_matching.domain import (
    LOG_COLUMNS,
    AnomalyDetector,
    LLMItem,
    LogColumns,
    evidence_part,
    evidence_scope,
    select_templates,
    template_event,
)
from template_matching.engine import template_id as compute_template_id
from template_matching.ports import LogStore
from template_matching.records import Record
from template_matching.refiner import Refiner
from template_matching.registry import TemplateRegistry
from template_matching.settings import TemplateMatchingSettings

log = logging.getLogger(__name__)


class TemplateMatching:
    """The service's state and handlers; ``app.create_app`` wires them to the mesh and HTTP."""

    def __init__(
        self,
        settings: TemplateMatchingSettings,
        mesh: Mesh,
        store: LogStore,
        registry: TemplateRegistry,
        detector: AnomalyDetector,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.mesh = mesh
        self.store = store
        self.registry = registry
        self.detector = detector
        self.refiner: Refiner | None = None
        self.clock = clock
        # announcements survive a failed attempt: the engine has learned, so a retry would not re-announce
        self._unannounced: dict[str, TemplateEvent] = {}
        self._unpublished: dict[str, LogAnomaly] = {}
        self.records_stored = 0

    # logs.records -------------------------------------------------------------------------
    async def handle_records(self, records: list[Record], deliveries: list[Delivery]) -> None:
        """A polled batch: template, columns, anomaly windows, then one insert (offsets commit after it)."""
        await (await self.prepare_records(records, deliveries))

    async def prepare_records(self, records: list[Record], _deliveries: list[Delivery]) -> Awaitable[None]:
        """``handle_records`` up to its I/O, which it returns unawaited: the runtime runs the insert while
        the next poll is decoded and matched (``consume_batch(overlap=True)``), and commits after it."""
        now = self.clock()
        new_lines: dict[str, list[str]] = {}
        new_items: dict[str, Record] = {}
        matches = self.registry.assign_batch([record.message for record in records])
        template_ids = [match.template_id for match in matches]
        # records before the poll's first new or changed template have nothing to announce or sample
        first = next((i for i, match in enumerate(matches) if match.is_new or match.previous_template_id), len(matches))
        for record, match in zip(records[first:], matches[first:], strict=True):
            if match.is_new or match.previous_template_id:
                self._unannounced[match.template_id] = template_event(
                    template_id=match.template_id, template=match.template,
                    previous_template_id=match.previous_template_id, is_new=match.is_new, record=record, now=now,
                )
                new_items.setdefault(match.template_id, record)
                # a merge retires several templates at once: announce each, so that every replica
                # and the store's lineage (retired id -> live id, resolved at query time) learn it
                for extra in match.replaced[1:]:
                    self._unannounced[f"{match.template_id}<{extra}"] = template_event(
                        template_id=match.template_id, template=match.template, previous_template_id=extra,
                        is_new=match.is_new, record=record, now=now,
                    )
            if match.template_id in new_items and len(lines := new_lines.setdefault(match.template_id, [])) < 5:
                lines.append(record.message)
        for anomaly in self.detector.observe_batch(records, matches, now):
            self._unpublished[anomaly.event_id] = anomaly
        columns = LogColumns.of(records, template_ids)
        token = stable_id("logs", *sorted(columns.columns[LOG_COLUMNS.index("record_id")]), length=32)
        refinements = []
        if self.refiner is not None:
            for tid, record in new_items.items():
                template = self.registry.template_of(tid)
                if template is not None:  # still live (not generalised again within this batch)
                    refinements.append(LLMItem(tid, template, tuple(new_lines.get(tid, [record.message])),
                                               record.org, record.service))
        return self._store_records(columns, token, refinements)

    async def _store_records(self, columns: LogColumns, token: str, refinements: list[LLMItem]) -> None:
        """A poll's I/O, in order: its templates announced before rows name them, the insert, its anomalies."""
        await self._announce()
        await self.store.insert_logs(columns, token)
        self.records_stored += len(columns)
        await self._publish_anomalies()
        if self.refiner is not None:
            for item in refinements:
                self.refiner.submit(item)

    async def _announce(self) -> None:
        if not self._unannounced:
            return
        pending = list(self._unannounced.items())
        events = [e for _, e in pending]
        # the topic and the store do not depend on each other: both written at once, both awaited; either failing
        # fails the rest, and the retry writes both again (replicas apply events idempotently, upserts replace)
        outcomes = await asyncio.gather(
            self.mesh.publish_many(TEMPLATES_EVENTS, [(e.template_id, e) for e in events]),
            self.store.upsert_templates(events), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        for key, event in pending:
            if self._unannounced.get(key) is event:  # a later poll may have replaced it meanwhile: that one is due
                del self._unannounced[key]

    async def _publish_anomalies(self) -> None:
        if not self._unpublished:
            return
        anomalies = list(self._unpublished.values())
        await self.store.insert_anomalies(anomalies)
        await self.mesh.publish_many(LOGS_ANOMALIES, [(f"{a.org}/{a.service}", a) for a in anomalies])
        for anomaly in anomalies:
            if self._unpublished.get(anomaly.event_id) is anomaly:  # not replaced by a later poll meanwhile
                del self._unpublished[anomaly.event_id]

    async def tick_anomalies(self) -> None:
        """Close the windows of quiet streams and publish what they show."""
        for anomaly in self.detector.tick(self.clock()):
            self._unpublished[anomaly.event_id] = anomaly
        await self._publish_anomalies()

    # templates.events -----------------------------------------------------------------------
    async def apply_template_events(self, events: list[TemplateEvent]) -> None:
        """Registry events from every replica (this one included), in topic order."""
        if self.registry.apply(events):
            await self.store.upsert_templates(events)

    # LLM ------------------------------------------------------------------------------------
    async def on_refined(self, item: LLMItem, template: str) -> None:
        now = self.clock()
        new_id = compute_template_id(template)
        event = TemplateEvent(
            event_id=stable_id("template", new_id, "llm-refined", item.template_id),
            template_id=new_id,
            template=template,
            kind="llm-refined",
            previous_template_id=item.template_id,
            source="llm",
            service=item.service,
            org=item.org,
            sample=item.lines[0][:2000] if item.lines else None,
            first_seen=now,
            updated_at=now,
            count=len(item.lines),
        )
        self.registry.apply([event])
        self._unannounced[event.template_id] = event
        for attempt in range(5):  # background path: keep trying a while, the next batch retries too
            try:
                await self._announce()
                return
            except TransientError:
                await asyncio.sleep(min(10.0, 0.5 * 2**attempt))

    # incidents.opened (log evidence) ---------------------------------------------------------
    async def handle_incident(self, incident: Incident, _delivery: Delivery) -> None:
        if "logs" not in incident.expected_evidence:
            return
        scope = evidence_scope(incident, self.settings.evidence_pad_s)
        error = None
        summaries = []
        try:
            summaries = await asyncio.wait_for(
                self.store.top_templates(
                    **scope, limit=self.settings.evidence_max_templates, samples=self.settings.evidence_samples
                ),
                timeout=20,
            )
        except Exception as exc:  # always answer: llm-analysis must not wait for a part that never comes
            log.warning("log evidence query failed for %s: %s", incident.incident_id, exc)
            error = f"log store query failed: {type(exc).__name__}"
        summaries = select_templates(summaries, self.settings.evidence_max_templates)
        part = evidence_part(incident, summaries, self.clock(), max_bytes=self.settings.evidence_max_bytes, error=error)
        await self.mesh.publish(EVIDENCE_PARTS, part, key=incident.incident_id)
