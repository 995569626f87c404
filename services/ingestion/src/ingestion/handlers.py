"""Thin handlers: decode -> domain -> publish, for the HTTP and the logs.raw paths."""

from __future__ import annotations

import asyncio
import logging
import operator
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from ingestion_native import PlainPath
from prometheus_client import CollectorRegistry, Counter, Gauge
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from ingestion import tenancy
from ingestion.domain import (
    Normaliser,
    Rejected,
    decode_raw,
    gunzip_bounded,
    http_id_prefix,
    kafka_event_id,
    kafka_id_prefix,
    parse_body,
    raw_fields_from_headers,
)
from ingestion.formats import loki, otlp, shippers
from ingestion.ports import RecordPublisher
from ingestion.settings import IngestionSettings
from ingestion.tenancy import Tenant
from logmesh_contracts.topics import LOGS_OTLP
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
    http_formats: dict[str, int] = field(default_factory=dict)  # accepted HTTP records per wire format

    def as_dict(self) -> dict[str, Any]:
        return {
            "uptime_s": round(time.time() - self.started, 3),
            "http": asdict(self.http),
            "http_formats": dict(self.http_formats),
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


@dataclass(eq=False)
class IngestPath:
    """What both paths share: settings, the normaliser, where records go, and the counters."""

    settings: IngestionSettings
    normaliser: Normaliser
    publisher: RecordPublisher
    stats: IngestStats
    metrics: IngestMetrics


@dataclass
class Outcome:
    """What one request's records came to; each wire format answers it in its own shape."""

    accepted: int
    rejected: int
    errors: list[dict[str, Any]]
    request_id: str
    oversized_only: bool = True


class _Unsupported(Exception):
    pass


class WireFormat:
    """How one endpoint reads a body and answers: the native format; OTLP and Loki override."""

    name = "native"
    maps_shippers = True  # Vector / Fluent Bit field names are mapped through the alias table
    ids_from_body = False  # without an Idempotency-Key, a fresh id per request
    extra_encodings: frozenset[str] = frozenset()

    def parse(self, body: bytes, content_type: str | None, max_records: int) -> list[Any]:
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media == "text/plain":
            items: list[Any] = shippers.text_lines(body)
            if not items:
                raise Rejected("body: no lines")
            if len(items) > max_records:
                raise Rejected(f"batch: {len(items)} lines; the limit is {max_records}", "oversized")
            return items
        return parse_body(body, content_type, max_records).items

    def answer(self, outcome: Outcome, content_type: str | None) -> Response:
        status = 200 if not outcome.rejected else 207 if outcome.accepted else 413 if outcome.oversized_only else 400
        return JSONResponse(
            {"accepted": outcome.accepted, "rejected": outcome.rejected, "errors": outcome.errors,
             "request_id": outcome.request_id},
            status,
            headers={"X-Request-ID": outcome.request_id},
        )

    def error(self, status: int, reason: str, content_type: str | None, *, rejected: int = 0,
              headers: dict[str, str] | None = None, request_id: str | None = None) -> Response:
        body: dict[str, Any] = {"accepted": 0, "rejected": rejected, "error": reason}
        if request_id is not None:
            body["request_id"] = request_id
        return JSONResponse(body, status, headers=headers)


_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 413: 8, 415: 3, 503: 14}


class OtlpFormat(WireFormat):
    """``POST /v1/logs``: OTLP/HTTP, protobuf or JSON; partial success answered as the spec says (200)."""

    name = "otlp"
    maps_shippers = False
    ids_from_body = True

    @staticmethod
    def _is_proto(content_type: str | None) -> bool:
        return (content_type or "").split(";", 1)[0].strip().lower() in ("application/x-protobuf",
                                                                          "application/protobuf")

    def parse(self, body: bytes, content_type: str | None, max_records: int) -> list[Any]:
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if self._is_proto(content_type):
            return otlp.decode_proto(body, max_records)
        if media == "application/json":
            return otlp.decode_json(body, max_records)
        raise _Unsupported(f"Content-Type {media or 'none'!r}: send application/x-protobuf or application/json")

    def _media(self, content_type: str | None) -> str:
        return "application/x-protobuf" if self._is_proto(content_type) else "application/json"

    def answer(self, outcome: Outcome, content_type: str | None) -> Response:
        message = "; ".join(f"record {e['index']}: {e['reason']}" for e in outcome.errors[:10])
        body = otlp.success(outcome.rejected, message, self._is_proto(content_type))
        return Response(body, 200, media_type=self._media(content_type), headers={"X-Request-ID": outcome.request_id})

    def error(self, status: int, reason: str, content_type: str | None, *, rejected: int = 0,
              headers: dict[str, str] | None = None, request_id: str | None = None) -> Response:
        body = otlp.failure(_GRPC_CODES.get(status, 2), reason, self._is_proto(content_type))
        return Response(body, status, media_type=self._media(content_type), headers=headers)


class LokiFormat(WireFormat):
    """``POST /loki/api/v1/push``: JSON, or snappy-compressed protobuf as Promtail/Alloy send it."""

    name = "loki"
    maps_shippers = False
    ids_from_body = True
    extra_encodings = frozenset({"snappy"})

    def parse(self, body: bytes, content_type: str | None, max_records: int) -> list[Any]:
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media in ("application/x-protobuf", "application/protobuf") or (not media and body[:1] != b"{"):
            return loki.decode_proto(body, max_records)
        if media == "application/json" or not media:
            return loki.decode_json(body, max_records)
        raise _Unsupported(f"Content-Type {media!r}: send application/x-protobuf (snappy) or application/json")

    def answer(self, outcome: Outcome, content_type: str | None) -> Response:
        if not outcome.rejected:
            return Response(status_code=204, headers={"X-Request-ID": outcome.request_id})
        return super().answer(outcome, content_type)


NATIVE, OTLP, LOKI = WireFormat(), OtlpFormat(), LokiFormat()


@dataclass(eq=False)  # generated again so that __init__ runs __post_init__
class HttpIngest(IngestPath):
    """The HTTP endpoints. ``POST /logs/ingest``: a record, ``{"logs": [...]}``, an array, NDJSON or
    text lines, gzip or not; ``POST /v1/logs`` (OTLP) and ``POST /loki/api/v1/push`` share the path."""

    def __post_init__(self) -> None:
        token = self.settings.ingest_token.get_secret_value() if self.settings.ingest_token else None
        self._accepted_tokens = (token,) if token else ()

    def _unavailable(self, fmt: WireFormat, content_type: str | None, cause: str, reason: str) -> Response:
        if cause == "overloaded":
            self.stats.http.overloaded += 1
        else:
            self.stats.http.unavailable += 1
        self.metrics.unavailable.labels(cause=cause).inc()
        return fmt.error(503, reason, content_type, headers={"Retry-After": str(self.settings.retry_after_s)})

    def _authorized(self, request: Request) -> bool:
        return not self._accepted_tokens or token_matches(bearer_token(request), self._accepted_tokens)

    def _tenant(self, request: Request) -> Tenant:
        credential_org = tenancy.principal_org(request.state)
        if credential_org is None and self._accepted_tokens:
            credential_org = self.settings.ingest_token_org
        header = request.headers.get(self.settings.org_header) if self.settings.org_header else None
        return tenancy.resolve(credential_org, header, self.settings.default_org)

    async def _read_body(self, request: Request, fmt: WireFormat) -> bytes:
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
        elif encoding not in ("identity", "") and encoding not in fmt.extra_encodings:
            raise _Unsupported(f"Content-Encoding {encoding!r} is not supported; use gzip or none")
        return body

    def endpoint(self, fmt: WireFormat) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            return await self.ingest(request, fmt)

        handle.__name__ = f"ingest_{fmt.name}"
        return handle

    async def ingest(self, request: Request, fmt: WireFormat = NATIVE) -> Response:
        stats = self.stats.http
        stats.requests += 1
        content_type = request.headers.get("content-type")
        if not self._authorized(request):
            stats.unauthorized += 1
            return fmt.error(401, "missing or wrong bearer token", content_type,
                             headers={"WWW-Authenticate": 'Bearer realm="logmesh"'})
        try:
            tenant = self._tenant(request)
        except tenancy.Forbidden as exc:
            stats.unauthorized += 1
            return fmt.error(403, str(exc), content_type)
        if self.stats.inflight_requests >= self.settings.max_inflight_requests:
            return self._unavailable(fmt, content_type, "overloaded", "too many ingest requests in flight; retry later")
        self.stats.inflight_requests += 1
        try:
            return await self._ingest(request, fmt, tenant, content_type)
        finally:
            self.stats.inflight_requests -= 1

    async def _ingest(self, request: Request, fmt: WireFormat, tenant: Tenant, content_type: str | None) -> Response:
        stats = self.stats.http
        client_request_id = (
            request.headers.get("idempotency-key") or request.headers.get("x-request-id") or ""
        ).strip()[:128]
        request_id = client_request_id or uuid.uuid4().hex
        try:
            body = await self._read_body(request, fmt)
            stats.bytes_in += len(body)
            items = fmt.parse(body, content_type, self.settings.max_batch_records)
        except _Unsupported as exc:
            return fmt.error(415, str(exc), content_type, request_id=request_id)
        except Rejected as exc:
            stats.rejected += 1
            self.metrics.records.labels(path="http", outcome="rejected").inc()
            return fmt.error(413 if exc.kind == "oversized" else 400, exc.reason, content_type, rejected=1,
                             request_id=request_id)
        except ClientDisconnect:
            return Response(status_code=400)
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:  # a shape we did not foresee
            stats.rejected += 1
            log.warning("%s body could not be read: %r", fmt.name, exc)
            return fmt.error(400, f"body: cannot be read as {fmt.name} ({type(exc).__name__}: {str(exc)[:200]})",
                             content_type, rejected=1, request_id=request_id)

        received_at = datetime.now(UTC)
        if client_request_id:
            id_prefix = http_id_prefix(client_request_id, body)
        elif fmt.ids_from_body:  # exporters resend a failed batch unchanged and send no key: the body is the key
            id_prefix = http_id_prefix(f"{fmt.name}:{tenant.org}", body)
        else:
            id_prefix = request_id
        encode = self.normaliser.encode
        apply_org = tenant.apply
        maps_shippers = fmt.maps_shippers
        encoded: list[tuple[str, bytes]] = []
        errors: list[dict[str, Any]] = []
        oversized_only = True
        for index, item in enumerate(items):
            if index and not index % 1000:
                await asyncio.sleep(0)  # a 10k-record batch must not hold the event loop for its whole duration
            try:
                if isinstance(item, Rejected):
                    raise item
                if maps_shippers and type(item) is dict and shippers.needs_mapping(item):
                    item = shippers.map_record(item)
                apply_org(item)
                encoded.append(encode(item, event_id=f"{id_prefix}-{index}", received_at=received_at))
            except tenancy.Forbidden as exc:
                stats.unauthorized += 1
                return fmt.error(403, f"record {index}: {exc}", content_type, request_id=request_id)
            except Rejected as exc:
                oversized_only = oversized_only and exc.kind == "oversized"
                if len(errors) < MAX_ERRORS_LISTED:
                    errors.append({"index": index, "reason": exc.reason})
            except Exception as exc:  # a bug of ours must cost one record, not the batch (a 500 is retried forever)
                log.exception("record %d of a batch could not be processed", index)
                oversized_only = False
                if len(errors) < MAX_ERRORS_LISTED:
                    errors.append({"index": index, "reason": f"record: cannot be processed ({type(exc).__name__})"})
        rejected = len(items) - len(encoded)

        if encoded:
            count = len(encoded)
            inflight = self.stats.inflight_records
            if inflight and inflight + count > self.settings.max_inflight_records:  # alone, any batch may go
                return self._unavailable(fmt, content_type, "overloaded",
                                         "too many records awaiting the broker; retry later")
            self.stats.inflight_records += count
            self.metrics.inflight_records.set(self.stats.inflight_records)
            try:
                await self.publisher.publish(encoded, self.settings.publish_timeout_s)
            except PublishUnavailable as exc:
                stats.last_error = str(exc)[:300]
                log.warning("publish failed, answering 503: %s", exc)
                return self._unavailable(fmt, content_type, "broker",
                                         "the broker did not acknowledge the records; retry later")
            finally:
                self.stats.inflight_records -= count
                self.metrics.inflight_records.set(self.stats.inflight_records)

        stats.accepted += len(encoded)
        stats.rejected += rejected
        self.stats.http_formats[fmt.name] = self.stats.http_formats.get(fmt.name, 0) + len(encoded)
        self.metrics.records.labels(path="http", outcome="accepted").inc(len(encoded))
        if rejected:
            self.metrics.records.labels(path="http", outcome="rejected").inc(rejected)
        return fmt.answer(Outcome(len(encoded), rejected, errors, request_id, oversized_only), content_type)


_PENDING: tuple[str, bytes] = ("", b"")  # a slot ``decode_batch`` fills once the batch is encoded
_DELIVERY_FIELDS = ("topic", "partition", "offset", "timestamp_ms", "headers", "value")  # what PlainPath reads
_VALUE_OF = operator.attrgetter("value")  # Delivery.value


def _plain_headers(headers: Mapping[str, str]) -> bool:
    """Whether a message's headers add no record field: then its value alone is the record."""
    return not headers or not raw_fields_from_headers(headers)


class RawLogs(IngestPath):
    """The Kafka path: ``logs.raw`` values (JSON or plain text + headers) to ``logs.records``.

    Decoding and normalising happen in the decoder, so anything malformed raises there and the
    runtime dead-letters it with the reason; the batch handler only publishes.
    """

    # the last broker timestamp and its datetime: a polled batch's messages mostly share a few milliseconds
    _received: tuple[int, datetime] = (0, datetime.fromtimestamp(0, UTC))

    def _received_at(self, timestamp_ms: int) -> datetime:
        # The broker's timestamp stands in for "now", so a redelivered message yields identical bytes.
        if timestamp_ms > 0:
            last_ms, received_at = self._received
            if timestamp_ms != last_ms:
                received_at = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
                self._received = (timestamp_ms, received_at)
            return received_at
        return datetime.now(UTC)  # a message without a timestamp (pre-0.10 format): nothing deterministic to use

    def _document(self, value: bytes, delivery: Delivery) -> dict[str, Any]:
        raw = decode_raw(
            value, delivery.headers, max_bytes=self.settings.max_record_bytes, default_org=self.settings.default_org
        )
        if shippers.needs_mapping(raw):  # Vector / Fluent Bit / rsyslog JSON
            raw = shippers.map_record(raw)
        return self.normaliser.document(
            raw,
            event_id=kafka_event_id(delivery.topic, delivery.partition, delivery.offset),
            received_at=self._received_at(delivery.timestamp_ms),
        )

    def _rejected(self, exc: Exception) -> Rejected:
        self.stats.kafka.rejected += 1
        self.metrics.records.labels(path="kafka", outcome="rejected").inc()
        if isinstance(exc, Rejected):
            return exc
        # any failure dead-letters this message with a reason, never skips the poll
        rejected = Rejected(f"record: cannot be processed ({type(exc).__name__}: {str(exc)[:200]})")
        rejected.__cause__ = exc
        return rejected

    def decode(self, value: bytes, delivery: Delivery) -> tuple[str, bytes]:
        """One ``logs.raw`` message as its ``logs.records`` key and value, or ``Rejected`` with the reason."""
        try:
            return self.normaliser.finish(self._document(value, delivery))
        except Rejected as exc:
            self._rejected(exc)
            raise
        except Exception as exc:
            raise self._rejected(exc) from exc

    _plain: PlainPath | None = None

    def decode_batch(self, deliveries: list[Delivery]) -> list[tuple[str, bytes] | Exception]:
        """``decode`` for a polled batch (the same results as one by one, in a fraction of the time). The common
        plain record is parsed, normalised and encoded natively, one call for the poll; Python redacts the
        messages that hold a trigger word or shape, and a record whose message changes, like every record the
        native path does not answer for, goes the Python way (``_decode_python``). A bad message is its
        ``Rejected``."""
        plain = self._plain
        if plain is None:
            if not issubclass(Delivery, tuple):  # the native path reads deliveries as tuples
                return self._decode_python(deliveries)
            plain = self._plain = self.normaliser.plain_path(
                max_record_bytes=self.settings.max_record_bytes,
                delivery_fields=tuple(Delivery._fields.index(name) for name in _DELIVERY_FIELDS))
        results: list[Any]
        results, deferred, to_redact = plain.encode_poll(deliveries, _plain_headers, kafka_id_prefix)
        redactor = self.normaliser.redactor
        if to_redact and redactor is not None:
            masked = redactor.texts([message for _, message in to_redact])
            changed = [index for (index, message), (text, hit) in zip(to_redact, masked, strict=True)
                       if hit or text != message]
            if changed:
                deferred = sorted(deferred + changed)
        if deferred:
            for index, result in zip(deferred, self._decode_python([deliveries[i] for i in deferred]), strict=True):
                results[index] = result
        return results

    def _decode_python(self, deliveries: list[Delivery]) -> list[tuple[str, bytes] | Exception]:
        """``decode`` for a polled batch in Python: every message checked on its own (the typed fast path
        ``plain_document`` first), their messages redacted as one batch."""
        results: list[tuple[str, bytes] | Exception] = []
        documents: list[dict[str, Any]] = []
        at: list[int] = []
        plain_document = self.normaliser.plain_document
        max_bytes = self.settings.max_record_bytes
        id_prefix = kafka_id_prefix  # kafka_event_id's, inlined
        plain_headers: dict[int, bool] = {}  # by id: a poll's deliveries share their headers objects
        for delivery in deliveries:
            document = None
            headers = delivery.headers
            plain = plain_headers.get(id(headers))
            if plain is None:
                plain = plain_headers[id(headers)] = not headers or not raw_fields_from_headers(headers)
            value = delivery.value
            if plain and type(value) is bytes and len(value) <= max_bytes:  # no record fields in headers: the value alone
                document = plain_document(value, event_id=f"{id_prefix(delivery.topic, delivery.partition)}-"
                                          f"{delivery.offset}",
                                          received_at=self._received_at(delivery.timestamp_ms))
            if document is None:  # anything else, and whatever the fast path doubts: the general path decides
                try:
                    document = self._document(value, delivery)
                except Exception as exc:
                    results.append(self._rejected(exc))
                    continue
            documents.append(document)
            at.append(len(results))
            results.append(_PENDING)
        for index, encoded in zip(at, self.normaliser.encode_many(documents), strict=True):
            results[index] = self._rejected(encoded) if isinstance(encoded, Exception) else encoded
        return results

    async def prepare(self, records: list[tuple[str, bytes]], deliveries: list[Delivery]) -> Awaitable[None]:
        """A poll's publish, returned unawaited: the runtime waits for its acks while the next poll is
        decoded (``consume_batch(overlap=True)``), and commits after them."""
        return self._publish(records, deliveries)

    async def _publish(self, records: list[tuple[str, bytes]], deliveries: list[Delivery]) -> None:
        # PublishUnavailable is a TransientError: the runtime retries the batch until the broker is back.
        await self.publisher.publish(records, self.settings.publish_timeout_s)
        self.stats.kafka.requests += 1  # batches
        self.stats.kafka.accepted += len(records)
        self.stats.kafka.bytes_in += sum(map(len, map(_VALUE_OF, deliveries)))  # C-level: no Python step per record
        self.metrics.records.labels(path="kafka", outcome="accepted").inc(len(records))


DeadLetter = Callable[..., Awaitable[None]]


@dataclass(eq=False)
class OtlpKafkaLogs(IngestPath):
    """``logs.otlp``: the OpenTelemetry Collector's Kafka exporter (``otlp_proto`` or ``otlp_json``).

    One message holds many records. The decoder maps and normalises them all; a message none of
    whose records can be accepted is dead-lettered whole by the runtime. When only some are bad, the
    good ones are published and the message is dead-lettered too, with the rejected indexes and
    reasons, so nothing is dropped silently.
    """

    dead_letter: DeadLetter | None = None

    def decode(self, value: bytes, delivery: Delivery) -> tuple[list[tuple[str, bytes]], list[str]]:
        if delivery.timestamp_ms > 0:
            received_at = datetime.fromtimestamp(delivery.timestamp_ms / 1000, UTC)
        else:
            received_at = datetime.now(UTC)
        limit = self.settings.max_batch_records
        try:
            if len(value) > self.settings.max_body_bytes:
                raise Rejected(f"value: {len(value)} bytes; the limit is {self.settings.max_body_bytes}", "oversized")
            items = otlp.decode_json(value, limit) if value.lstrip()[:1] == b"{" else otlp.decode_proto(value, limit)
            org = raw_fields_from_headers(delivery.headers).get("org") or self.settings.default_org
            prefix = kafka_event_id(delivery.topic, delivery.partition, delivery.offset)
            encoded: list[tuple[str, bytes]] = []
            reasons: list[str] = []
            for index, item in enumerate(items):
                try:
                    if isinstance(item, Rejected):
                        raise item
                    if org is not None:
                        item["org"] = org
                    encoded.append(self.normaliser.encode(item, event_id=f"{prefix}-{index}", received_at=received_at))
                except Rejected as exc:
                    reasons.append(f"record {index}: {exc.reason}")
                except Exception as exc:  # one record, not the message
                    reasons.append(f"record {index}: cannot be processed ({type(exc).__name__})")
            if not encoded:
                raise Rejected("; ".join(reasons[:10]) or "no log records in the request")
        except Rejected:
            self.stats.kafka.rejected += 1
            self.metrics.records.labels(path="kafka", outcome="rejected").inc()
            raise
        except Exception as exc:  # a body the decoders choke on: dead-lettered with the reason
            self.stats.kafka.rejected += 1
            self.metrics.records.labels(path="kafka", outcome="rejected").inc()
            raise Rejected(f"message: cannot be processed ({type(exc).__name__}: {str(exc)[:200]})") from exc
        return encoded, reasons

    async def handle(self, batches: list[tuple[list[tuple[str, bytes]], list[str]]],
                     deliveries: list[Delivery]) -> None:
        records = [record for encoded, _ in batches for record in encoded]
        await self.publisher.publish(records, self.settings.publish_timeout_s)
        for (encoded, reasons), delivery in zip(batches, deliveries, strict=True):
            if reasons and self.dead_letter is not None:
                reason = f"{len(reasons)} of {len(encoded) + len(reasons)} log records rejected: " + "; ".join(
                    reasons[:10])
                await self.dead_letter(LOGS_OTLP, delivery, stage="validate", reason=reason[:1000],
                                       error=Rejected(reason))
                self.stats.kafka.rejected += len(reasons)
                self.metrics.records.labels(path="kafka", outcome="rejected").inc(len(reasons))
        self.stats.kafka.requests += 1
        self.stats.kafka.accepted += len(records)
        self.stats.kafka.bytes_in += sum(map(len, map(_VALUE_OF, deliveries)))  # C-level: no Python step per record
        self.metrics.records.labels(path="kafka", outcome="accepted").inc(len(records))
