"""Thin handlers: decode -> domain -> publish, for the HTTP and the logs.raw paths."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from ingestion.domain import (
    Normaliser,
    Rejected,
    decode_raw,
    gunzip_bounded,
    http_id_prefix,
    kafka_event_id,
    parse_body,
)
from ingestion.ports import RecordPublisher
from ingestion.settings import IngestionSettings
from logmesh_runtime.http import bearer_token, token_matches
from logmesh_runtime.kafka import Delivery, PublishUnavailable

log = logging.getLogger(__name__)

MAX_ERRORS_LISTED = 100  # per response; "rejected" still counts them all


@dataclass
class PathStats:
    requests: int = 0
    accepted: int = 0
    rejected: int = 0
    bytes_in: int = 0
    unavailable: int = 0  # 503: the broker did not acknowledge in time
    overloaded: int = 0  # 503: in-flight limits reached
    unauthorized: int = 0
    last_error: str | None = None


@dataclass
class IngestStats:
    started: float = field(default_factory=time.time)
    http: PathStats = field(default_factory=PathStats)
    kafka: PathStats = field(default_factory=PathStats)
    inflight_requests: int = 0
    inflight_records: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "uptime_s": round(time.time() - self.started, 3),
            "http": asdict(self.http),
            "kafka": asdict(self.kafka),
            "inflight": {"requests": self.inflight_requests, "records": self.inflight_records},
        }


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.records = Counter(
            "logmesh_ingest_records_total", "Log records by path and outcome", ["path", "outcome"], registry=registry
        )
        self.unavailable = Counter(
            "logmesh_ingest_unavailable_total", "503 answers by cause", ["cause"], registry=registry
        )
        self.inflight_records = Gauge(
            "logmesh_ingest_inflight_records", "HTTP records awaiting broker acks", registry=registry
        )


def _reject(status: int, reason: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"accepted": 0, "rejected": extra.pop("rejected", 0), "error": reason, **extra}, status)


@dataclass(eq=False)
class IngestPath:
    """What both paths share: settings, the normaliser, where records go, and the counters."""

    settings: IngestionSettings
    normaliser: Normaliser
    publisher: RecordPublisher
    stats: IngestStats
    metrics: IngestMetrics


@dataclass(eq=False)  # generated again so that __init__ runs __post_init__
class HttpIngest(IngestPath):
    """``POST /logs/ingest``: one endpoint for a record, ``{"logs": [...]}``, an array or NDJSON, gzip or not."""

    def __post_init__(self) -> None:
        token = self.settings.ingest_token.get_secret_value() if self.settings.ingest_token else None
        self._accepted_tokens = (token,) if token else ()

    def _unavailable(self, cause: str, reason: str) -> JSONResponse:
        if cause == "overloaded":
            self.stats.http.overloaded += 1
        else:
            self.stats.http.unavailable += 1
        self.metrics.unavailable.labels(cause=cause).inc()
        return JSONResponse(
            {"accepted": 0, "rejected": 0, "error": reason},
            503,
            headers={"Retry-After": str(self.settings.retry_after_s)},
        )

    def _authorized(self, request: Request) -> bool:
        return not self._accepted_tokens or token_matches(bearer_token(request), self._accepted_tokens)

    async def _read_body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise Rejected(f"body: {declared} bytes; the limit is {limit}", "oversized")
        chunks = bytearray()
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > limit:
                raise Rejected(f"body: more than {limit} bytes; the limit is {limit}", "oversized")
        body = bytes(chunks)
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            body = gunzip_bounded(body, limit)
        elif encoding not in ("identity", ""):
            raise _Unsupported(f"Content-Encoding {encoding!r} is not supported; use gzip or none")
        return body

    async def ingest(self, request: Request) -> Response:
        stats = self.stats.http
        stats.requests += 1
        if not self._authorized(request):
            stats.unauthorized += 1
            return JSONResponse(
                {"error": "missing or wrong bearer token"}, 401, headers={"WWW-Authenticate": 'Bearer realm="logmesh"'}
            )
        if self.stats.inflight_requests >= self.settings.max_inflight_requests:
            return self._unavailable("overloaded", "too many ingest requests in flight; retry later")
        self.stats.inflight_requests += 1
        try:
            return await self._ingest(request)
        finally:
            self.stats.inflight_requests -= 1

    async def _ingest(self, request: Request) -> Response:
        stats = self.stats.http
        client_request_id = (
            request.headers.get("idempotency-key") or request.headers.get("x-request-id") or ""
        ).strip()[:128]
        request_id = client_request_id or uuid.uuid4().hex
        try:
            body = await self._read_body(request)
            stats.bytes_in += len(body)
            parsed = parse_body(body, request.headers.get("content-type"), self.settings.max_batch_records)
        except _Unsupported as exc:
            return _reject(415, str(exc), request_id=request_id)
        except Rejected as exc:
            stats.rejected += 1
            self.metrics.records.labels(path="http", outcome="rejected").inc()
            return _reject(413 if exc.kind == "oversized" else 400, exc.reason, rejected=1, request_id=request_id)
        except ClientDisconnect:
            return Response(status_code=400)

        received_at = datetime.now(UTC)
        id_prefix = http_id_prefix(client_request_id, body) if client_request_id else request_id
        encode = self.normaliser.encode
        encoded: list[tuple[str, bytes]] = []
        errors: list[dict[str, Any]] = []
        oversized_only = True
        for index, item in enumerate(parsed.items):
            if index and not index % 1000:
                await asyncio.sleep(0)  # a 10k-record batch must not hold the event loop for its whole duration
            try:
                if isinstance(item, Rejected):
                    raise item
                encoded.append(encode(item, event_id=f"{id_prefix}-{index}", received_at=received_at))
            except Rejected as exc:
                oversized_only = oversized_only and exc.kind == "oversized"
                if len(errors) < MAX_ERRORS_LISTED:
                    errors.append({"index": index, "reason": exc.reason})
        rejected = len(parsed.items) - len(encoded)

        if encoded:
            count = len(encoded)
            inflight = self.stats.inflight_records
            if inflight and inflight + count > self.settings.max_inflight_records:  # alone, any batch may go
                return self._unavailable("overloaded", "too many records awaiting the broker; retry later")
            self.stats.inflight_records += count
            self.metrics.inflight_records.set(self.stats.inflight_records)
            try:
                await self.publisher.publish(encoded, self.settings.publish_timeout_s)
            except PublishUnavailable as exc:
                stats.last_error = str(exc)[:300]
                log.warning("publish failed, answering 503: %s", exc)
                return self._unavailable("broker", "the broker did not acknowledge the records; retry later")
            finally:
                self.stats.inflight_records -= count
                self.metrics.inflight_records.set(self.stats.inflight_records)

        stats.accepted += len(encoded)
        stats.rejected += rejected
        self.metrics.records.labels(path="http", outcome="accepted").inc(len(encoded))
        if rejected:
            self.metrics.records.labels(path="http", outcome="rejected").inc(rejected)
        status = 200 if not rejected else 207 if encoded else 413 if oversized_only else 400
        return JSONResponse(
            {"accepted": len(encoded), "rejected": rejected, "errors": errors, "request_id": request_id},
            status,
            headers={"X-Request-ID": request_id},
        )


class _Unsupported(Exception):
    pass


class RawLogs(IngestPath):
    """The Kafka path: ``logs.raw`` values (JSON or plain text + headers) to ``logs.records``.

    Decoding and normalising happen in the decoder, so anything malformed raises there and the
    runtime dead-letters it with the reason; the batch handler only publishes.
    """

    def decode(self, value: bytes, delivery: Delivery) -> tuple[str, bytes]:
        # The broker's timestamp stands in for "now", so a redelivered message yields identical bytes.
        if delivery.timestamp_ms > 0:
            received_at = datetime.fromtimestamp(delivery.timestamp_ms / 1000, UTC)
        else:  # a message without a timestamp (pre-0.10 format): nothing deterministic to use
            received_at = datetime.now(UTC)
        try:
            raw = decode_raw(
                value, delivery.headers, max_bytes=self.settings.max_record_bytes, default_org=self.settings.default_org
            )
            return self.normaliser.encode(
                raw,
                event_id=kafka_event_id(delivery.topic, delivery.partition, delivery.offset),
                received_at=received_at,
            )
        except Rejected:
            self.stats.kafka.rejected += 1
            self.metrics.records.labels(path="kafka", outcome="rejected").inc()
            raise

    async def handle(self, records: list[tuple[str, bytes]], deliveries: list[Delivery]) -> None:
        # PublishUnavailable is a TransientError: the runtime retries the batch until the broker is back.
        await self.publisher.publish(records, self.settings.publish_timeout_s)
        self.stats.kafka.requests += 1  # batches
        self.stats.kafka.accepted += len(records)
        self.stats.kafka.bytes_in += sum(len(d.value) for d in deliveries)
        self.metrics.records.labels(path="kafka", outcome="accepted").inc(len(records))
