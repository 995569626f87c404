"""The API key store and the guard every service's routes sit behind."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse

from logmesh_runtime import auth
from logmesh_runtime.auth import KeyStore
from logmesh_runtime.service import Service
from logmesh_runtime.settings import ServiceSettings


def test_keys_are_stored_hashed_bound_to_one_org_and_scoped(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    key_id, key = store.create("acme", ["read", "ingest"], name="ci")
    assert key.startswith(f"lmk_{key_id}_") and len(key) > 40
    assert key.encode() not in (tmp_path / "keys.sqlite").read_bytes()
    who = store.verify(key)
    assert who is not None and who.org == "acme" and who.allows("read") and not who.allows("admin")
    assert store.verify(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert store.verify(f"lmk_{key_id}_guess") is None and store.verify("not-a-key") is None
    _, admin = store.create("acme", ["admin"])
    assert KeyStore(store.path).verify(admin).allows("analyze")  # type: ignore[union-attr]
    for bad in (("", ["read"]), ("*", ["read"]), ("acme", ["root"]), ("acme", [])):
        try:
            store.create(*bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")


def test_revocation_and_rotation_with_overlap(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    old_id, old = store.create("acme", ["read"])
    assert store.revoke(old_id) and KeyStore(store.path).verify(old) is None and not store.revoke(old_id)
    rotating_id, rotating = store.create("acme", ["read"])
    store.expire(rotating_id, time.time() + 60)
    assert KeyStore(store.path).verify(rotating) is not None  # still inside the overlap
    store.expire(rotating_id, time.time() - 1)
    assert KeyStore(store.path).verify(rotating) is None
    states = {k.key_id: k.active for k in store.list("acme")}
    assert states == {old_id: False, rotating_id: False}


async def test_routes_answer_401_without_a_key_403_without_the_scope(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    _, reader = store.create("acme", ["read"])
    _, admin = store.create("acme", ["admin"])
    settings = ServiceSettings(service_name="knowledge-storage", auth="keys", keys_path=tmp_path / "keys.sqlite")
    service = Service(settings)

    @service.route("/things", methods=["GET", "DELETE"])
    async def things(request: Request) -> JSONResponse:
        return JSONResponse({"org": auth.tenant(request, request.query_params.get("org"))})

    async def callback(_request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    from starlette.routing import Route

    service.routes.append(Route("/slack/events", callback, methods=["POST"]))
    service.public("/slack/events")
    app = service.asgi()  # no lifespan: the guard needs no broker
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as client:
        for path in ("/health", "/metrics"):
            assert (await client.get(path)).status_code == 200
        assert (await client.post("/slack/events")).status_code == 200
        missing = await client.get("/things")
        assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
        assert (await client.get("/things", headers={"X-API-Key": reader})).json() == {"org": "acme"}
        assert (await client.delete("/things", headers={"Authorization": f"Bearer {reader}"})).status_code == 403
        assert (await client.delete("/things", headers={"Authorization": f"Bearer {admin}"})).status_code == 200


def test_a_store_mounted_read_only_still_verifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writable = KeyStore(tmp_path / "keys.sqlite")
    _, key = writable.create("acme", ["read"])
    # a Secret volume: not writable (tests may run as root, who could write anyway)
    monkeypatch.setattr(auth.os, "access", lambda _path, _mode: False)
    store = KeyStore(tmp_path / "keys.sqlite")
    assert store.verify(key) is not None and store.verify(key + "x") is None
