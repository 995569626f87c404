"""The only wiring: Service, adapters, the logs.raw consumer and the HTTP routes."""

from __future__ import annotations

from starlette.applications import Starlette

from ingestion.adapters.mesh import MeshPublisher
from ingestion.domain import Limits, Normaliser
from ingestion.handlers import HttpIngest, IngestMetrics, IngestStats, RawLogs
from ingestion.http import register_routes
from ingestion.ports import RecordPublisher
from ingestion.redaction import Redactor
from ingestion.settings import IngestionSettings
from logmesh_contracts.topics import LOGS_RAW
from logmesh_runtime.service import Service


def limits_from(settings: IngestionSettings) -> Limits:
    return Limits(
        max_message_bytes=settings.max_message_bytes,
        oversize_policy=settings.oversize_policy,
        max_batch_records=settings.max_batch_records,
        max_body_bytes=settings.max_body_bytes,
        max_metadata_entries=settings.max_metadata_entries,
        max_field_chars=settings.max_field_chars,
        max_record_bytes=settings.max_record_bytes,
    )


def create_app(settings: IngestionSettings, publisher: RecordPublisher | None = None) -> Starlette:
    service = Service(settings)
    normaliser = Normaliser(limits_from(settings), Redactor(emails=settings.redact_emails) if settings.redact else None)
    publisher = publisher or MeshPublisher(service.mesh)
    stats = IngestStats()
    metrics = IngestMetrics(service.metrics.registry)

    http = HttpIngest(settings, normaliser, publisher, stats, metrics)
    register_routes(service, http, stats, settings)

    if settings.consume_raw:
        raw = RawLogs(settings, normaliser, publisher, stats, metrics)
        service.mesh.consume_batch(
            LOGS_RAW,
            raw.handle,
            decoder=raw.decode,
            max_records=settings.raw_batch_max_records,
            batch_timeout_ms=settings.raw_batch_timeout_ms,
        )

    app = service.asgi()
    app.state.stats = stats
    return app
