"""Sources opening or joining incidents, on the real SQLite store (no broker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_analysis.adapters.store import SqliteStore
from llm_analysis.handlers import IntakeHandlers
from llm_analysis.settings import LlmAnalysisSettings
from llm_analysis.testing import alert, cluster_event
from logmesh_contracts import Incident


async def incidents_for(tmp_path: Path, alert_org: str, **settings: object) -> set[str]:
    published: list[Incident] = []

    async def publish(incident: Incident) -> None:
        published.append(incident)

    async def ignore(_event: object) -> None:
        return None

    handlers = IntakeHandlers(
        LlmAnalysisSettings(data_dir=tmp_path, **settings),  # type: ignore[arg-type]
        SqliteStore(tmp_path / "incidents.db"), publish, ignore,
    )
    event = cluster_event()
    event = event.model_copy(update={"object": event.object.model_copy(update={"cluster": "prod-eu"})})
    await handlers.on_cluster_event(event, None)  # type: ignore[arg-type]
    await handlers.on_alert(alert().model_copy(update={"org": alert_org}), None)  # type: ignore[arg-type]
    return {incident.incident_id for incident in published}


@pytest.mark.parametrize(
    ("alert_org", "settings", "incidents"),
    [
        ("default", {}, 1),  # single tenant: cluster events and alerts share the default org
        ("acme", {}, 2),  # acme's alert cannot join an event of an unmapped cluster
        ("acme", {"cluster_orgs": {"prod-eu": "acme"}}, 1),  # mapped: the cluster's events are acme's
        ("default", {"cluster_orgs": {"prod-eu": "acme"}}, 2),
    ],
)
async def test_cluster_events_belong_to_their_clusters_org(
    tmp_path: Path, alert_org: str, settings: dict[str, object], incidents: int
) -> None:
    assert len(await incidents_for(tmp_path, alert_org, **settings)) == incidents
