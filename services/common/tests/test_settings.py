"""Settings read the standard OpenTelemetry variables beside logmesh's own."""

from __future__ import annotations

import pytest

from logmesh_runtime.settings import ServiceSettings
from logmesh_runtime.telemetry import create_tracer_provider


def test_standard_otel_variables_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging")
    settings = ServiceSettings(service_name="ingestion")
    assert (settings.otel_exporter, settings.otel_endpoint) == ("console", "http://collector:4318")
    provider, _ = create_tracer_provider(settings)
    attributes = provider.resource.attributes
    assert attributes["service.name"] == "ingestion" and attributes["deployment.environment"] == "staging"

    monkeypatch.setenv("LOGMESH_OTEL_EXPORTER", "memory")  # logmesh's own name wins
    assert ServiceSettings(service_name="ingestion").otel_exporter == "memory"
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert ServiceSettings(service_name="ingestion").otel_exporter == "none"


def test_settings_still_build_by_field_name() -> None:
    settings = ServiceSettings(service_name="ingestion", otel_exporter="memory", otel_endpoint="http://x:4318")
    assert (settings.otel_exporter, settings.otel_endpoint) == ("memory", "http://x:4318")


def test_a_service_prefixed_variable_wins_over_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    class TemplateMatchingLike(ServiceSettings):
        service_name: str = "template-matching"
        llm_model: str | None = None

    monkeypatch.setenv("LOGMESH_LLM_MODEL", "shared-model")
    monkeypatch.setenv("LOGMESH_HTTP_PORT", "8081")
    assert TemplateMatchingLike().llm_model == "shared-model"  # the old names keep working
    monkeypatch.setenv("LOGMESH_TEMPLATE_MATCHING_LLM_MODEL", "its-own-model")
    settings = TemplateMatchingLike()
    assert (settings.llm_model, settings.http_port) == ("its-own-model", 8081)
    assert TemplateMatchingLike(llm_model="explicit").llm_model == "explicit"
