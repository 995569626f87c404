"""The only wiring: Service, adapters, handlers, consumers, routes, checks."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from logmesh_contracts import TemplateEvent
from logmesh_contracts.topics import INCIDENTS_OPENED, LOGS_RECORDS, TEMPLATES_EVENTS
from logmesh_runtime.kafka import delivery_of
from logmesh_runtime.service import Service
from logmesh_runtime.settings import reveal
from template_matching.adapters.clickhouse import ClickHouseStore
from template_matching.adapters.llm import create_llm
from template_matching.adapters.registry_topic import RegistryFollower
from template_matching.domain import AnomalyConfig, AnomalyDetector
from template_matching.handlers import TemplateMatching
from template_matching.http import register_routes
from template_matching.ports import LogStore, TemplateLLM
from template_matching.records import decode_record, decode_records
from template_matching.registry import TemplateRegistry
from template_matching.settings import TemplateMatchingSettings
from template_matching.workers import register_refiner, register_workers


def create_app(
    settings: TemplateMatchingSettings,
    *,
    store: LogStore | None = None,
    llm: TemplateLLM | None = None,
) -> Starlette:
    """Build the service. ``store``/``llm`` replace the configured adapters (tests wrap the real ones)."""
    service = Service(settings)
    store = store or ClickHouseStore(
        settings.resolved_clickhouse_dsn(), settings.clickhouse_database, ttl_days=settings.log_ttl_days,
        async_insert=settings.clickhouse_async_insert,
    )
    detector = AnomalyDetector(
        AnomalyConfig(
            window_s=settings.anomaly_window_s, baseline_windows=settings.anomaly_baseline_windows,
            min_history=settings.anomaly_min_history, spike_factor=settings.anomaly_spike_factor,
            spike_min_count=settings.anomaly_spike_min_count, error_rate_delta=settings.anomaly_error_rate_delta,
            error_min_count=settings.anomaly_error_min_count,
            new_template_min_level=settings.anomaly_new_template_min_level, cooldown_s=settings.anomaly_cooldown_s,
            samples=settings.evidence_samples,
        )
    )
    tm = TemplateMatching(settings, service.mesh, store, TemplateRegistry(), detector)
    llm = llm or create_llm(
        settings.llm_model, api_base=settings.llm_api_base, api_key=reveal(settings.llm_api_key),
        timeout_s=settings.llm_timeout_s,
    )
    register_refiner(service, tm, llm, settings)

    async def reject_registry_record(record: Any, error: Exception) -> None:
        await service.mesh.reject(TEMPLATES_EVENTS, delivery_of(record), error)

    registry_topic = service.mesh.topic_name(TEMPLATES_EVENTS)

    async def apply_registry_events(events: list[TemplateEvent]) -> None:
        await tm.apply_template_events(events)
        service.metrics.handled.labels(topic=registry_topic).inc(len(events))

    follower = RegistryFollower(settings.kafka_bootstrap, registry_topic, apply_registry_events, reject_registry_record,
                                security=settings.kafka_security_options())

    service.mesh.consume_batch(
        LOGS_RECORDS, tm.prepare_records, decoder=decode_record, batch_decoder=decode_records, max_records=settings.insert_batch_rows,
        batch_timeout_ms=settings.insert_linger_ms, fill_bytes=settings.insert_fill_bytes,
        overlap=True,  # the insert runs in chDB's thread while the next poll is decoded and matched
    )
    # Its own group: consumers of different topics in one group rebalance each other at every start.
    service.mesh.consume(INCIDENTS_OPENED, tm.handle_incident, group_id=f"{settings.service_name}-evidence")

    register_workers(service, tm, store, llm, follower, settings)
    register_routes(service, tm, store)
    app = service.asgi()
    app.state.template_matching = tm
    return app
