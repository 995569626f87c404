"""OpenTelemetry tracing. Trace context crosses Kafka hops in W3C ``traceparent`` headers."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from logmesh_runtime.settings import ServiceSettings


class JsonLinesSpanExporter(SpanExporter):
    """Spans as JSON lines in a file: traces on the embedded stack without a collector."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for span in spans:
            context = span.get_span_context()
            if context is None:
                continue
            lines.append(json.dumps({
                "trace_id": format(context.trace_id, "032x"),
                "span_id": format(context.span_id, "016x"),
                "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
                "name": span.name,
                "kind": span.kind.name,
                "service": span.resource.attributes.get("service.name"),
                "start_ns": span.start_time,
                "end_ns": span.end_time,
                "attributes": {k: v if isinstance(v, str | int | float | bool) else list(v or ())
                               for k, v in (span.attributes or {}).items()},
                "status": span.status.status_code.name,
            }))
        with self._lock, self.path.open("a") as out:
            out.write("\n".join(lines) + "\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def create_tracer_provider(settings: ServiceSettings) -> tuple[TracerProvider, InMemorySpanExporter | None]:
    """A provider per app (not the global one), so several services can run in one test process.

    ``service.name`` is the service's one name; other resource attributes come from the standard
    ``OTEL_RESOURCE_ATTRIBUTES`` (``Resource.create`` reads it)."""
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    memory = None
    if settings.otel_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otel_traces_endpoint or (
            (settings.otel_endpoint or "http://127.0.0.1:4318").rstrip("/") + "/v1/traces"
        )
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    elif settings.otel_exporter == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif settings.otel_exporter == "file":
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(settings.state_dir / "spans.jsonl")))
    elif settings.otel_exporter == "memory":
        memory = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(memory))
    return provider, memory


def tracer(provider: TracerProvider, name: str) -> trace.Tracer:
    return provider.get_tracer(name)


def capture_context() -> dict[str, str]:
    """The current trace context as W3C headers, to resume the trace later (e.g. in a background task)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextlib.contextmanager
def resumed_context(carrier: Mapping[str, str] | None) -> Iterator[None]:
    """Run a block inside a trace context captured earlier or read from message headers."""
    if not carrier:
        yield
        return
    token = otel_context.attach(propagate.extract(dict(carrier)))
    try:
        yield
    finally:
        otel_context.detach(token)
