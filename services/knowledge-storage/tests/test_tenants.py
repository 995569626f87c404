"""Keys and tenants on the case API (export, get, delete, import, prune), against the real service."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from knowledge_storage.app import create_app
from logmesh_contracts.topics import ANALYSIS_RESULTS
from logmesh_runtime.auth import KeyStore
from logmesh_testing import wait_until

from .test_service import settings

pytestmark = [pytest.mark.broker]


async def test_a_key_sees_and_changes_only_its_own_orgs_cases(
    kafka_bootstrap: str, topic_prefix: str, qdrant_location: str, tmp_path: Path, make: Any
) -> None:
    keys = KeyStore(tmp_path / "keys.sqlite")
    _, acme_admin = keys.create("acme", ["admin"])
    _, globex_admin = keys.create("globex", ["admin"])
    _, globex_reader = keys.create("globex", ["read"])
    app = create_app(settings(kafka_bootstrap, topic_prefix, qdrant_location, tmp_path, auth="keys",
                              keys_path=tmp_path / "keys.sqlite"))
    service, handlers = app.state.service, app.state.handlers
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ks")

    def as_(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    async with service.running(), http:
        await service.mesh.publish(ANALYSIS_RESULTS, make.result("a1", org="acme"), key="a1")
        await service.mesh.publish(ANALYSIS_RESULTS, make.result("g1", org="globex"), key="g1")

        async def stored() -> bool:
            return handlers.ready.is_set() and all(
                [await asyncio.to_thread(handlers.cases.get, i) is not None for i in ("a1", "g1")])

        await wait_until(stored, timeout_s=20)
        for method, path in (("GET", "/cases/export"), ("GET", "/cases/a1"), ("DELETE", "/cases/a1"),
                             ("POST", "/cases/import"), ("POST", "/cases/prune"), ("GET", "/stats")):
            assert (await http.request(method, path)).status_code == 401, path
        for method, path in (("DELETE", "/cases/g1"), ("POST", "/cases/import"), ("POST", "/cases/prune")):
            assert (await http.request(method, path, headers=as_(globex_reader))).status_code == 403, path

        exported = (await http.get("/cases/export", headers=as_(globex_reader))).text.splitlines()
        assert [json.loads(line)["case"]["incident_id"] for line in exported[1:]] == ["g1"]
        assert (await http.get("/cases/a1", headers=as_(globex_reader))).status_code == 404
        assert (await http.delete("/cases/a1", headers=as_(globex_admin))).status_code == 404
        assert (await http.post("/cases/prune", params={"older_than_days": "0.0001"},
                                headers=as_(globex_admin))).json() == {"pruned": ["g1"]}
        assert await asyncio.to_thread(handlers.cases.get, "a1") is not None  # acme's case survived globex's admin

        acme_export = (await http.get("/cases/export", headers=as_(acme_admin))).text
        imported = await http.post("/cases/import", content=acme_export.encode(), headers=as_(globex_admin))
        assert imported.json()["cases"] == 0 and imported.json()["skipped"] == 1  # not into another org
        assert (await http.delete("/cases/a1", headers=as_(acme_admin))).json() == {"deleted": "a1"}
