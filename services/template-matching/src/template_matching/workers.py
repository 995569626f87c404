"""Background work: load and follow the template registry, LLM refinement, anomaly ticks, gauges, readiness."""

from __future__ import annotations

import asyncio
import functools
import logging

from prometheus_client import Gauge

from logmesh_contracts import LlmCall
from logmesh_contracts.topics import LLM_AUDIT
from logmesh_runtime.service import Service
from template_matching.adapters.llm import GuardedLLM
from template_matching.adapters.registry_topic import RegistryFollower
from template_matching.handlers import TemplateMatching
from template_matching.ports import LogStore, TemplateLLM
from template_matching.refiner import Refiner
from template_matching.settings import TemplateMatchingSettings

log = logging.getLogger(__name__)


def register_refiner(
    service: Service, tm: TemplateMatching, llm: TemplateLLM | None, settings: TemplateMatchingSettings
) -> None:
    """LLM refinement of new templates, when a model is configured."""
    if llm is not None:
        async def audit(call: LlmCall) -> None:
            await service.mesh.publish(LLM_AUDIT, call, key=call.incident_id)  # acks=all, before the prompt leaves

        llm = GuardedLLM(llm, model=settings.llm_model or "unknown", api_base=settings.llm_api_base, publish=audit)
        tm.refiner = Refiner(
            llm, tm.on_refined, batch_size=settings.llm_batch_size, batch_wait_s=settings.llm_batch_wait_s,
            concurrency=settings.llm_concurrency, max_attempts=settings.llm_max_attempts,
            backoff_s=settings.llm_backoff_s, queue_size=settings.llm_queue_size,
        )
        service.background(tm.refiner.run)


def register_workers(
    service: Service,
    tm: TemplateMatching,
    store: LogStore,
    llm: TemplateLLM | None,
    follower: RegistryFollower,
    settings: TemplateMatchingSettings,
) -> None:
    @service.on_startup
    async def load_registry() -> None:
        await store.start()
        tm.registry.seed(await store.load_templates())
        await follower.catch_up()  # before any record is consumed: ids stay stable across restarts
        log.info("registry loaded: %d live templates", len(tm.registry.live))

    service.background(follower.follow)

    @service.on_shutdown
    async def close_store() -> None:
        await follower.close()
        await store.close()
        close = getattr(llm, "close", None)
        if close is not None:
            await close()

    @service.background
    async def anomaly_ticks() -> None:
        while True:
            await asyncio.sleep(max(1, settings.anomaly_window_s // 2))
            try:
                await tm.tick_anomalies()
            except Exception as exc:  # the broker or ClickHouse is down: the anomalies stay queued
                log.warning("publishing anomalies of quiet streams failed: %s", exc)

    registry = service.metrics.registry
    Gauge("logmesh_templates_live", "Templates in this replica's registry", registry=registry).set_function(
        lambda: len(tm.registry.live)
    )
    Gauge("logmesh_records_stored", "Records this replica inserted since start", registry=registry).set_function(
        lambda: tm.records_stored
    )
    if tm.refiner is not None:
        stats = tm.refiner.stats
        llm_gauge = Gauge("logmesh_llm_refiner", "LLM refinement counters since start", ["counter"], registry=registry)
        for name in ("queued", "dropped", "batches", "attempts", "failed_batches", "accepted", "rejected"):
            llm_gauge.labels(counter=name).set_function(functools.partial(getattr, stats, name))

    async def store_ready() -> tuple[bool, str]:
        return (await store.ping()), f"{len(tm.registry.live)} templates"

    service.readiness_check("clickhouse", store_ready)
