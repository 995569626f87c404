"""Background work and instruments: result metrics, orphan adoption after a rebalance, shutdown, readiness."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from prometheus_client import Counter, Histogram

from llm_analysis.adapters.recovery import find_orphans
from llm_analysis.adapters.store import SqliteStore
from llm_analysis.analyzer import Analyzer
from llm_analysis.ports import LlmClient
from llm_analysis.settings import LlmAnalysisSettings
from logmesh_contracts import AnalysisResult, utcnow
from logmesh_contracts.topics import ANALYSIS_RESULTS, INCIDENTS_OPENED
from logmesh_runtime.kafka import Mesh
from logmesh_runtime.service import Service

log = logging.getLogger(__name__)


def result_publisher(service: Service) -> Callable[[AnalysisResult], Awaitable[None]]:
    """Publish a result and count what it cost (analyses, tokens, dollars, stage latencies)."""
    mesh = service.mesh
    registry = service.metrics.registry
    analyses = Counter("logmesh_analyses_total", "Analyses published", ["status", "category"], registry=registry)
    tokens = Counter("logmesh_llm_tokens_total", "LLM tokens used", ["model", "kind"], registry=registry)
    cost = Counter("logmesh_llm_cost_usd_total", "LLM cost in USD (litellm's price map or configured prices)",
                   ["model"], registry=registry)
    analysis_seconds = Histogram("logmesh_analysis_seconds", "Incident opened to analysis published, by stage",
                                 ["stage"], buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300), registry=registry)

    async def publish_result(event: AnalysisResult) -> None:
        await mesh.publish(ANALYSIS_RESULTS, event, key=event.incident_id)
        analyses.labels(status=event.status, category=event.category).inc()
        if event.model:
            tokens.labels(model=event.model, kind="prompt").inc(event.prompt_tokens)
            tokens.labels(model=event.model, kind="completion").inc(event.completion_tokens)
            cost.labels(model=event.model).inc(event.cost_usd)
        for stage, ms in event.latencies_ms.items():
            analysis_seconds.labels(stage=stage).observe(ms / 1000)

    return publish_result


def register_workers(
    service: Service, analyzer: Analyzer, store: SqliteStore, llm: LlmClient | None, settings: LlmAnalysisSettings
) -> None:
    mesh: Mesh = service.mesh
    service.background(analyzer.run)

    async def adopt_orphans() -> None:
        """Watch this replica's incidents.opened assignment; adopt unanalysed incidents of new partitions."""
        topic = mesh.topic_name(INCIDENTS_OPENED)
        owned: set[int] = set()
        while settings.recover_lookback_s > 0:
            await asyncio.sleep(1.0)
            assigned = {tp.partition for _, tp in mesh.assignments() if tp.topic == topic}
            new, owned = assigned - owned, assigned
            if not new:
                continue
            try:
                orphans = await find_orphans(
                    settings.kafka_bootstrap, topic, mesh.topic_name(ANALYSIS_RESULTS), new,
                    utcnow() - timedelta(seconds=settings.recover_lookback_s),
                    security=settings.kafka_security_options())
            except Exception:  # the broker is unreachable: retry with the next assignment check
                log.warning("orphan scan failed", exc_info=True)
                owned -= new
                continue
            adopted = [i for i in orphans if not store.known(i.incident_id)]
            for incident in adopted:
                store.upsert_incident(incident, utcnow())
            if adopted:
                log.info("adopted %d unanalysed incident(s) from partitions %s", len(adopted), sorted(new))
                analyzer.wake()

    service.background(adopt_orphans)

    async def close() -> None:
        if llm is not None:
            await llm.close()
        store.close()

    service.on_shutdown(close)

    async def llm_check() -> tuple[bool, str]:
        return True, "deterministic tier" if llm is None else f"{len(settings.models())} model(s) configured"

    service.readiness_check("llm", llm_check)
