"""HTTP routes: the ingest endpoints (plain handlers on the hot path) and the counters."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingestion.handlers import LOKI, NATIVE, OTLP, HttpIngest, IngestStats
from ingestion.settings import IngestionSettings
from logmesh_runtime.service import Service


def register_routes(service: Service, http: HttpIngest, stats: IngestStats, settings: IngestionSettings) -> None:
    service.route("/logs/ingest", methods=["POST"], scope="ingest")(http.endpoint(NATIVE))
    service.route("/v1/logs", methods=["POST"], scope="ingest")(http.endpoint(OTLP))  # OTLP/HTTP's default path
    # Loki 3's path, for endpoints copied from it
    service.route("/otlp/v1/logs", methods=["POST"], scope="ingest")(http.endpoint(OTLP))
    service.route("/loki/api/v1/push", methods=["POST"], scope="ingest")(http.endpoint(LOKI))

    async def stats_endpoint(_request: Request) -> Response:
        return JSONResponse({
            "service": settings.service_name,
            **stats.as_dict(),
            "limits": {
                "max_message_bytes": settings.max_message_bytes,
                "max_batch_records": settings.max_batch_records,
                "max_body_bytes": settings.max_body_bytes,
                "max_inflight_requests": settings.max_inflight_requests,
                "max_inflight_records": settings.max_inflight_records,
            },
            "redaction": settings.redact,
            "auth": settings.ingest_token is not None,
        })

    service.route("/stats")(stats_endpoint)
