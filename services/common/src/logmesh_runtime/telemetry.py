"""OpenTelemetry tracing. Trace context crosses Kafka hops in W3C ``traceparent`` headers."""

from __future__ import annotations

from logmesh_runtime.settings import ServiceSettings
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def create_tracer_provider(settings: ServiceSettings) -> tuple[TracerProvider, InMemorySpanExporter | None]:
    """A provider per app (not the global one), so several services can run in one test process."""
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    memory = None
    if settings.otel_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = (settings.otel_endpoint or "http://127.0.0.1:4318").rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    elif settings.otel_exporter == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif settings.otel_exporter == "memory":
        memory = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(memory))
    return provider, memory


def tracer(provider: TracerProvider, name: str) -> trace.Tracer:
    return provider.get_tracer(name)
