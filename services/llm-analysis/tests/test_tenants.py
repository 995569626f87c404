"""Keys and tenants on llm-analysis's REST API, against the real service on a real broker."""

from __future__ import annotations

import httpx
import pytest

from llm_analysis.app import create_app
from llm_analysis.testing import wait_assigned, wait_records
from logmesh_contracts.topics import ANALYSIS_REQUESTS, INCIDENTS_OPENED
from logmesh_runtime.auth import KeyStore
from logmesh_testing import wait_until

pytestmark = [pytest.mark.broker]


async def test_analysis_runs_for_the_keys_org_and_incidents_stay_in_it(
    kafka_bootstrap: str, topic_prefix: str, make_settings, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    keys = KeyStore(tmp_path / "keys.sqlite")
    _, acme = keys.create("acme", ["read", "analyze"])
    _, globex = keys.create("globex", ["analyze", "read"])
    _, reader = keys.create("globex", ["read"])
    app = create_app(make_settings(auth="keys", keys_path=tmp_path / "keys.sqlite"))
    service = app.state.service
    body = {"namespace": "prod", "service": "api", "since": "1h"}
    async with service.running():
        await wait_assigned(service)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://llm") as client:
            assert (await client.post("/api/v1/analyze", json=body)).status_code == 401
            assert (await client.post("/api/v1/analyze", json=body,
                                      headers={"Authorization": f"Bearer {reader}"})).status_code == 403
            other = await client.post("/api/v1/analyze", json={**body, "org": "acme"},
                                      headers={"Authorization": f"Bearer {globex}"})
            assert other.status_code == 403
            ok = await client.post("/api/v1/analyze", json=body, headers={"Authorization": f"Bearer {globex}"})
            assert ok.status_code == 202
            incident_id = ok.json()["incident_id"]
            requests = await wait_records(kafka_bootstrap, topic_prefix + ANALYSIS_REQUESTS.name, lambda rs: len(rs) >= 1)
            assert [r["org"] for r in requests] == ["globex"]
            await wait_records(kafka_bootstrap, topic_prefix + INCIDENTS_OPENED.name,
                               lambda rs: any(r["incident_id"] == incident_id for r in rs))
            path = f"/api/v1/incidents/{incident_id}"
            owner = {"Authorization": f"Bearer {globex}"}

            async def stored() -> bool:  # the announcement is on the topic before this replica stored it
                return (await client.get(path, headers=owner)).status_code == 200

            await wait_until(stored, timeout_s=20, what="incident stored")
            assert (await client.get(path)).status_code == 401
            assert (await client.get(path, headers={"Authorization": f"Bearer {acme}"})).status_code == 404
            mine = await client.get(path, headers=owner)
            assert mine.status_code == 200 and mine.json()["incident"]["org"] == "globex"
