"""The only wiring: Service, adapters, handlers, consumers, routes, checks."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Gauge
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from logmesh_contracts import LlmCall, TemplateEvent, utcnow
from logmesh_contracts.topics import INCIDENTS_OPENED, LLM_AUDIT, LOGS_RECORDS, TEMPLATES_EVENTS
from logmesh_runtime.auth import WrongOrg, forbidden_org, tenant
from logmesh_runtime.kafka import delivery_of
from logmesh_runtime.service import Service
from template_matching.adapters.clickhouse import ClickHouseStore
from template_matching.adapters.llm import GuardedLLM, create_llm
from template_matching.adapters.registry_topic import RegistryFollower
from template_matching.domain import LEVELS, AnomalyConfig, AnomalyDetector
from template_matching.handlers import TemplateMatching
from template_matching.ports import LogStore, TemplateLLM
from template_matching.refiner import Refiner
from template_matching.registry import TemplateRegistry
from template_matching.settings import TemplateMatchingSettings

log = logging.getLogger(__name__)


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
        settings.llm_model, api_base=settings.llm_api_base, api_key=settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
    )
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

    async def reject_registry_record(record: Any, error: Exception) -> None:
        await service.mesh.reject(TEMPLATES_EVENTS, delivery_of(record), error)

    registry_topic = service.mesh.topic_name(TEMPLATES_EVENTS)

    async def apply_registry_events(events: list[TemplateEvent]) -> None:
        await tm.apply_template_events(events)
        service.metrics.handled.labels(topic=registry_topic).inc(len(events))

    follower = RegistryFollower(settings.kafka_bootstrap, registry_topic, apply_registry_events, reject_registry_record)

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

    service.mesh.consume_batch(
        LOGS_RECORDS, tm.handle_records, max_records=settings.insert_batch_rows,
        batch_timeout_ms=settings.insert_linger_ms, fill_bytes=settings.insert_fill_bytes,
    )
    # Its own group: consumers of different topics in one group rebalance each other at every start.
    service.mesh.consume(INCIDENTS_OPENED, tm.handle_incident, group_id=f"{settings.service_name}-evidence")

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
            llm_gauge.labels(counter=name).set_function(lambda name=name: getattr(stats, name))

    async def store_ready() -> tuple[bool, str]:
        return (await store.ping()), f"{len(tm.registry.live)} templates"

    service.readiness_check("clickhouse", store_ready)

    def log_filters(request: Request) -> dict[str, Any]:
        q = request.query_params
        end = _time(q.get("end")) or utcnow()
        level = q.get("level")
        if level is not None and level.upper() not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        return {
            "start": _time(q.get("start")) or end - timedelta(hours=1), "end": end, "org": tenant(request, q.get("org")),
            "service": q.get("service"), "level": level.upper() if level else None,
            "template_id": q.get("template_id"), "text": q.get("text"), "namespace": q.get("namespace"),
            "pod": q.get("pod"),
        }

    @service.route("/logs/search")
    async def search(request: Request) -> Response:
        try:
            filters = log_filters(request)
            limit = _limit(request.query_params.get("limit"), 100, 1000)
        except WrongOrg as exc:
            return forbidden_org(exc)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        rows = await store.search_logs(limit=limit, **filters)
        for row in rows:
            row["ts"] = _iso(row["ts"])
        return JSONResponse({"count": len(rows), "start": filters["start"].isoformat(),
                             "end": filters["end"].isoformat(), "logs": rows})

    @service.route("/logs/count")
    async def count(request: Request) -> Response:
        try:
            filters = log_filters(request)
        except WrongOrg as exc:
            return forbidden_org(exc)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        counts = await store.count_logs(**filters)
        return JSONResponse({**counts, "start": filters["start"].isoformat(), "end": filters["end"].isoformat()})

    @service.route("/templates")
    async def templates(request: Request) -> Response:
        q = request.query_params
        try:
            limit = _limit(q.get("limit"), 200, 10_000)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        try:
            org = tenant(request, q.get("org"))
        except WrongOrg as exc:
            return forbidden_org(exc)
        rows = await store.list_templates(org=org, service=q.get("service"), limit=limit)
        counts = {tid: n for tid, _t, n in tm.registry.engine.templates()}
        for row in rows:
            row["first_seen"], row["updated_at"] = _iso(row["first_seen"]), _iso(row["updated_at"])
            row["live"] = row["template_id"] in tm.registry.live
            row["count"] = max(int(row["count"]), counts.get(row["template_id"], 0))
        return JSONResponse({"count": len(rows), "templates": rows})

    @service.route("/anomalies")
    async def anomalies(request: Request) -> Response:
        q = request.query_params
        try:
            limit = _limit(q.get("limit"), 50, 1000)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        try:
            org = tenant(request, q.get("org"))
        except WrongOrg as exc:
            return forbidden_org(exc)
        rows = await store.list_anomalies(org=org, service=q.get("service"), kind=q.get("kind"), limit=limit)
        return JSONResponse({"count": len(rows), "anomalies": rows})

    app = service.asgi()
    app.state.template_matching = tm
    return app


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an ISO-8601 time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # naive times are UTC


def _limit(value: str | None, default: int, ceiling: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= ceiling:
        raise ValueError(f"limit must be an integer from 1 to {ceiling}")
    return int(value)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return str(value)
