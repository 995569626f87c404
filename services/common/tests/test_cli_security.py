"""`logmesh keys` and `logmesh audit`, through the real CLI (and, for audit, a real broker)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logmesh_contracts import LlmCall
from logmesh_contracts.topics import LLM_AUDIT
from logmesh_devstack.cli import app
from logmesh_runtime.auth import KeyStore
from logmesh_runtime.service import Service
from logmesh_runtime.settings import ServiceSettings

runner = CliRunner()


def test_keys_create_list_rotate_revoke(tmp_path: Path) -> None:
    store = str(tmp_path / "keys.sqlite")
    created = runner.invoke(app, ["keys", "create", "--org", "acme", "--scope", "read", "--scope", "ingest",
                                  "--store", store, "--json"])
    assert created.exit_code == 0, created.output
    key = json.loads(created.stdout)["key"]
    assert KeyStore(Path(store)).verify(key).org == "acme"  # type: ignore[union-attr]
    listed = json.loads(runner.invoke(app, ["keys", "list", "--store", store, "--json"]).stdout)
    assert [(k["org"], k["scopes"], k["active"]) for k in listed] == [("acme", ["ingest", "read"], True)]
    assert key not in runner.invoke(app, ["keys", "list", "--store", store]).stdout
    rotated = runner.invoke(app, ["keys", "rotate", listed[0]["key_id"], "--overlap", "1h", "--store", store, "--json"])
    new_key = json.loads(rotated.stdout)["key"]
    assert KeyStore(Path(store)).verify(key) is not None and KeyStore(Path(store)).verify(new_key) is not None
    assert runner.invoke(app, ["keys", "revoke", listed[0]["key_id"], "--store", store]).exit_code == 0
    assert KeyStore(Path(store)).verify(key) is None
    bad = runner.invoke(app, ["keys", "create", "--org", "acme", "--scope", "root", "--store", store])
    assert bad.exit_code != 0 and "scopes must be" in bad.output


@pytest.mark.broker
def test_audit_lists_calls_per_org(kafka_bootstrap: str, topic_prefix: str) -> None:
    def call(n: int, org: str) -> LlmCall:
        return LlmCall(event_id=f"c{n}", incident_id=f"inc-{n}", org=org, model="openai/m", endpoint="http://x/v1",
                       local=False, called_at=datetime(2026, 1, 1, n, tzinfo=UTC), redacted=True,
                       redactions={"jwt": n}, prompt_sha256="ab" * 32, prompt_chars=100)

    async def publish() -> None:
        service = Service(ServiceSettings(service_name="llm-analysis", kafka_bootstrap=kafka_bootstrap,
                                          topic_prefix=topic_prefix))
        await service.mesh.start_producer()
        try:
            for n, org in ((1, "acme"), (2, "globex"), (3, "acme")):
                await service.mesh.publish(LLM_AUDIT, call(n, org), key=f"inc-{n}")
        finally:
            await service.mesh.stop()

    asyncio.run(publish())
    shown = runner.invoke(app, ["audit", "--org", "acme", "--bootstrap", kafka_bootstrap, "--prefix", topic_prefix,
                                "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert [c["incident_id"] for c in data["calls"]] == ["inc-1", "inc-3"]
    assert data["summary"] == {"calls": 2, "unredacted_calls": 0, "remote_calls": 2, "redactions": {"jwt": 4}}
