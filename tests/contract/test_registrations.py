"""The topic registry (and the AsyncAPI document generated from it) says what each service consumes;
this holds it to what each service's code actually subscribes to when its app is built."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from logmesh_contracts.topics import SERVICES, consumed_by

# Topics a service reads whole through a TopicReplica (no consumer group, so no Mesh registration).
# alert-intake's read of its own alerts.received is not a consumer in the registry: it never
# dead-letters there (llm-analysis does), and the registry's consumers are who dead-letters.
READ_AS_REPLICA = {
    "alert-intake": set(),
    "notification": {"notifications.sent"},
    "template-matching": {"templates.events"},
}


def build(service: str, data_dir: Path) -> Any:
    package = service.replace("-", "_")
    app_module = importlib.import_module(f"{package}.app")
    settings_module = importlib.import_module(f"{package}.settings")
    settings_class = next(
        value for name, value in vars(settings_module).items()
        if name.endswith("Settings") and name != "ServiceSettings" and getattr(value, "__module__", "") == settings_module.__name__
    )
    extra: dict[str, Any] = {"intake_tokens": "registry-check-token"} if service == "alert-intake" else {}
    settings = settings_class(service_name=service, data_dir=data_dir, kafka_bootstrap="127.0.0.1:1", **extra)
    return app_module.create_app(settings)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_subscribes_to_what_the_registry_says_it_consumes(service: str, tmp_path: Path) -> None:
    app = build(service, tmp_path)
    mesh = app.state.service.mesh
    subscribed = set().union(*mesh.registered_topics().values()) if mesh.registered_topics() else set()
    replicas = READ_AS_REPLICA.get(service, set())
    registry = {topic.name for topic in consumed_by(service)}
    assert subscribed | replicas == registry, {
        "subscribed in code, not in the registry": sorted(subscribed - registry),
        "in the registry, never subscribed": sorted(registry - subscribed - replicas),
    }
