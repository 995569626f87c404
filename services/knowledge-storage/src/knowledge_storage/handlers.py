"""Thin handlers: decode (done by the mesh) -> case base (in a worker thread) -> publish."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from prometheus_client import Counter, Gauge, Histogram
from qdrant_client.http.exceptions import ResponseHandlingException

from knowledge_storage import domain
from knowledge_storage.cases import CaseBase
from knowledge_storage.settings import KnowledgeStorageSettings
from logmesh_contracts import AnalysisResult, Feedback, Incident
from logmesh_contracts.topics import EVIDENCE_PARTS
from logmesh_runtime.kafka import Delivery, TransientError
from logmesh_runtime.service import Service

log = logging.getLogger(__name__)
T = TypeVar("T")

# The store is unreachable (server mode): the data is fine, retry until it is back.
UNAVAILABLE = (ResponseHandlingException, httpx.TransportError, ConnectionError, TimeoutError)


class KnowledgeMetrics:
    def __init__(self, service: Service) -> None:
        registry = service.metrics.registry
        self.cases_stored = Counter("knowledge_cases_stored_total", "Analyses stored as cases", ["outcome"],
                                    registry=registry)
        self.feedback = Counter("knowledge_feedback_total", "Verdicts received", ["verdict", "outcome"],
                                registry=registry)
        self.answers = Counter("knowledge_similar_answers_total", "Similar-case answers published", ["outcome"],
                               registry=registry)
        self.lookup_seconds = Histogram("knowledge_similar_lookup_seconds", "Similar-case lookup latency",
                                        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5), registry=registry)
        self.accuracy = Gauge("knowledge_accuracy", "Share of judged analyses people validated",
                              ["dimension", "value"], registry=registry)
        self.judged = Gauge("knowledge_judged_cases", "Analyses with a verdict", ["dimension", "value"],
                            registry=registry)

    def publish_stats(self, stats: dict[str, Any]) -> None:
        rows = [("overall", "all", stats["overall"])]
        rows += [("category", k, v) for k, v in stats["by_category"].items()]
        rows += [("model", k, v) for k, v in stats["by_model"].items()]
        for dimension, value, tally in rows:
            judged = tally["validated"] + tally["rejected"]
            self.judged.labels(dimension=dimension, value=value).set(judged)
            if tally["accuracy"] is not None:
                self.accuracy.labels(dimension=dimension, value=value).set(tally["accuracy"])


class Handlers:
    def __init__(self, service: Service, settings: KnowledgeStorageSettings) -> None:
        self.service = service
        self.settings = settings
        self.metrics = KnowledgeMetrics(service)
        self.cases: CaseBase | None = None
        self.ready = asyncio.Event()
        self.stale: list[str] = []
        self.reembedding: dict[str, int] | None = None

    def case_base(self) -> CaseBase:
        if self.cases is None or not self.ready.is_set():
            raise TransientError("case base not open yet")
        return self.cases

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except UNAVAILABLE as exc:
            raise TransientError(f"qdrant unavailable: {exc!r}") from exc

    # ------------------------------------------------------------ consumers

    async def on_result(self, result: AnalysisResult, _delivery: Delivery) -> None:
        if result.status == "failed":  # no root cause to learn from
            self.metrics.cases_stored.labels(outcome="skipped-failed").inc()
            return
        outcome = await self.call(self.case_base().store_result, result)
        self.metrics.cases_stored.labels(outcome="created" if outcome.created else "updated").inc()
        log.info("stored case %s (%s)", result.incident_id, outcome.validation)

    async def on_feedback(self, feedback: Feedback, _delivery: Delivery) -> None:
        cases = self.case_base()
        outcome = await self.call(cases.apply_feedback, feedback)
        self.metrics.feedback.labels(verdict=feedback.verdict, outcome="applied" if outcome.changed else "duplicate").inc()
        if outcome.changed:
            stats = await self.call(cases.stats)
            self.metrics.publish_stats(stats)
            log.info("verdict %s on %s -> %s; accuracy %s", feedback.verdict, feedback.incident_id,
                     outcome.validation or "case not stored yet", stats["overall"]["accuracy"])

    async def on_incident(self, incident: Incident, _delivery: Delivery) -> None:
        """Always answer, within the incident's evidence deadline: empty with a reason rather than late."""
        if "similar-cases" not in incident.expected_evidence:
            return
        started = time.perf_counter()
        timeout = domain.query_timeout(incident, datetime.now(UTC), self.settings.similar_timeout_s)
        outcome = "ok"
        try:
            # just (re)started: the store may still be opening; wait for it within the same budget
            await asyncio.wait_for(self.ready.wait(), timeout)
        except TimeoutError:
            outcome = "not-ready"
            part = domain.similar_cases_part(incident, [], [], datetime.now(UTC),
                                             error="knowledge-storage unavailable: case base not open yet")
        else:
            part = await self._lookup(incident, max(0.05, timeout - (time.perf_counter() - started)))
            outcome = "ok" if part.error is None else ("timeout" if part.truncated else "error")
        self.metrics.lookup_seconds.observe(time.perf_counter() - started)
        await self.service.mesh.publish(EVIDENCE_PARTS, part, key=incident.incident_id)
        self.metrics.answers.labels(outcome=outcome).inc()

    async def _lookup(self, incident: Incident, budget_s: float) -> Any:
        try:
            cases = self.case_base()
            return await asyncio.wait_for(
                asyncio.to_thread(
                    cases.answer, incident, top_n=self.settings.similar_top_n,
                    threshold=self.settings.similar_threshold, same_namespace=self.settings.similar_same_namespace,
                    feedback_items=self.settings.similar_feedback_items,
                ),
                budget_s,
            )
        except TimeoutError:
            return domain.similar_cases_part(incident, [], [], datetime.now(UTC), truncated=True,
                                             error=f"similar-case lookup exceeded {budget_s:.1f}s")
        except Exception as exc:  # the store is down: say so, do not make analysis wait
            log.warning("similar-case lookup failed for %s: %r", incident.incident_id, exc)
            return domain.similar_cases_part(incident, [], [], datetime.now(UTC),
                                             error=f"knowledge-storage unavailable: {type(exc).__name__}")
