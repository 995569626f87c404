"""The only wiring: Service, adapters, the logs.raw and logs.otlp consumers and the HTTP routes."""

from __future__ import annotations

from starlette.applications import Starlette

from ingestion.adapters.mesh import MeshPublisher
from ingestion.domain import Limits, Normaliser
from ingestion.handlers import HttpIngest, IngestMetrics, IngestStats, OtlpKafkaLogs, RawLogs
from ingestion.http import register_routes
from ingestion.ports import RecordPublisher
from ingestion.redaction import Redactor
from ingestion.settings import IngestionSettings
from logmesh_contracts.topics import LOGS_OTLP, LOGS_RAW
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
        max_age_s=settings.max_record_age_days * 86_400,
        max_future_s=settings.max_future_skew_s,
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
            raw.prepare,
            decoder=raw.decode,
            batch_decoder=raw.decode_batch,
            max_records=settings.raw_batch_max_records,
            batch_timeout_ms=settings.raw_batch_timeout_ms,
            overlap=True,  # the broker's acks for one poll's publish are awaited while the next poll is decoded
        )

    if settings.consume_otlp:
        otlp_logs = OtlpKafkaLogs(settings, normaliser, publisher, stats, metrics, dead_letter=service.mesh.dead_letter)
        service.mesh.consume_batch(
            LOGS_OTLP,
            otlp_logs.handle,
            decoder=otlp_logs.decode,
            max_records=settings.otlp_batch_max_messages,  # each message holds many records
            batch_timeout_ms=settings.raw_batch_timeout_ms,
        )

    app = service.asgi()
    app.state.stats = stats
    return app
