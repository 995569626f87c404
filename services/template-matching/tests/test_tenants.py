"""Keys and tenants on template-matching's read API, against the real service (broker + chDB)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from logmesh_contracts.topics import LOGS_RECORDS
from logmesh_runtime.auth import KeyStore
from template_matching.app import create_app
from template_matching.testing import T0, record, wait_until

pytestmark = [pytest.mark.broker]


async def test_a_key_reads_its_own_org_only_and_no_key_reads_nothing(make_settings, tmp_path) -> None:
    keys = KeyStore(tmp_path / "keys.sqlite")
    _, acme = keys.create("acme", ["read"])
    _, globex = keys.create("globex", ["read"])
    _, ingest_only = keys.create("acme", ["ingest"])
    app = create_app(make_settings(auth="keys", keys_path=tmp_path / "keys.sqlite"))
    tm, service = app.state.template_matching, app.state.service
    records = [record(f"acme order {i} paid", at=T0 + timedelta(seconds=i), seq=i, org="acme") for i in range(6)]
    records += [record(f"globex secret plan {i}", at=T0 + timedelta(seconds=i), seq=i, org="globex") for i in range(4)]
    window = {"start": (T0 - timedelta(minutes=1)).isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()}
    async with service.running():
        await service.mesh.publish_many(LOGS_RECORDS, [(f"{r.org}/api", r) for r in records])
        await wait_until(lambda: tm.records_stored >= len(records), what="records stored")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tm") as client:

            def as_(key: str) -> dict[str, str]:
                return {"Authorization": f"Bearer {key}"}

            assert (await client.get("/health")).status_code == 200
            assert (await client.get("/metrics")).status_code == 200
            for path in ("/logs/search", "/logs/count", "/templates", "/anomalies"):
                anonymous = await client.get(path, params=window)
                assert anonymous.status_code == 401 and "API key" in anonymous.json()["reason"], path
                forged = await client.get(path, params=window, headers=as_("lmk_000000000000_forged"))
                assert forged.status_code == 401, path
                assert (await client.get(path, params=window, headers=as_(ingest_only))).status_code == 403, path

            mine = (await client.get("/logs/search", params={**window, "limit": 1000}, headers=as_(acme))).json()
            assert mine["count"] == 6 and {row["org"] for row in mine["logs"]} == {"acme"}
            theirs = (await client.get("/logs/search", params={**window, "limit": 1000}, headers=as_(globex))).json()
            assert theirs["count"] == 4 and not any("acme" in row["message"] for row in theirs["logs"])
            asked = await client.get("/logs/search", params={**window, "org": "acme"}, headers=as_(globex))
            assert asked.status_code == 403 and "globex" in asked.json()["reason"]
            counted = (await client.get("/logs/count", params=window, headers=as_(globex))).json()
            assert counted["rows"] == 4, counted
            templates = (await client.get("/templates", headers=as_(globex))).json()["templates"]
            assert templates and {t["org"] for t in templates} == {"globex"}
            assert (await client.get("/templates", params={"org": "acme"}, headers=as_(globex))).status_code == 403
