"""The runtime's HTTP toolkit through a real Service app: errors, bounded bodies, typed input, the auth seam."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from logmesh_runtime.http import (
    HttpError,
    Principal,
    Unauthorized,
    bearer_token,
    json_body,
    parse_duration,
    parse_time,
    principal_of,
    query,
    token_matches,
    unavailable,
)
from logmesh_runtime.retry import backoff
from logmesh_runtime.service import Service
from logmesh_runtime.settings import ServiceSettings


class Window(BaseModel):
    since: str = "30m"
    limit: int = Field(default=10, ge=1, le=100)


class Note(BaseModel):
    text: str
    count: int = 1


def build() -> Service:
    service = Service(ServiceSettings(service_name="toolkit-test", kafka_bootstrap="127.0.0.1:1"))

    @service.route("/window")
    async def window(request: Request) -> Response:
        params = query(request, Window)
        return JSONResponse({"seconds": parse_duration(params.since).total_seconds(), "limit": params.limit})

    @service.route("/notes", methods=["POST"])
    async def notes(request: Request) -> Response:
        note = await json_body(request, Note, limit=64)
        return JSONResponse({"text": note.text, "caller": principal_of(request).name})

    @service.route("/down")
    async def down(_request: Request) -> Response:
        return unavailable("broker unavailable", retry_after_s=7)

    @service.route("/teapot")
    async def teapot(_request: Request) -> Response:
        raise HttpError(418, "short and stout")

    return service


def client(service: Service) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=service.asgi()), base_url="http://test")


async def test_errors_are_json_with_the_status_that_names_the_fix() -> None:
    async with client(build()) as http:
        assert (await http.get("/window", params={"since": "1h30m", "limit": "5"})).json() == {"seconds": 5400.0, "limit": 5}
        bad = await http.get("/window", params={"limit": "0"})
        assert bad.status_code == 400 and "limit" in bad.json()["error"]
        down = await http.get("/down")
        assert down.status_code == 503 and down.headers["retry-after"] == "7" and down.json()["error"]
        assert (await http.get("/teapot")).json() == {"error": "short and stout"}
        assert (await http.post("/notes", content=b"[1]")).status_code == 400
        missing = await http.post("/notes", json={"count": 2})
        assert missing.status_code == 400 and "text" in missing.json()["error"]
        too_big = await http.post("/notes", json={"text": "x" * 100})
        assert too_big.status_code == 413
        assert (await http.post("/notes", json={"text": "hi"})).json() == {"text": "hi", "caller": "anonymous"}


async def test_the_authenticator_seam_guards_every_route_but_health() -> None:
    service = build()

    async def api_keys(request: Request) -> Principal:
        if not token_matches(bearer_token(request), ["old-key", "new-key"]):
            raise Unauthorized()
        return Principal(name="ops", authenticated=True)

    service.authenticator = api_keys
    async with client(service) as http:
        denied = await http.post("/notes", json={"text": "hi"})
        assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Bearer")
        wrong = await http.post("/notes", json={"text": "hi"}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = await http.post("/notes", json={"text": "hi"}, headers={"Authorization": "Bearer new-key"})
        assert ok.json() == {"text": "hi", "caller": "ops"}
        assert (await http.get("/health")).status_code == 200


def test_one_grammar_for_durations_and_times() -> None:
    assert parse_duration("45s") == timedelta(seconds=45)
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1d2h30m") == timedelta(days=1, hours=2, minutes=30)
    for bad in ("", "1.5h", "h", "30 minutes", "-1m"):
        with pytest.raises(ValueError, match="30s, 15m"):
            parse_duration(bad)
    assert parse_time("2026-01-02T03:04:05Z") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_time("2026-01-02T03:04:05").tzinfo is UTC
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_time("yesterday", "start")


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    assert 0.5 <= backoff(1, 1.0, 30.0) <= 1.0
    assert 4.0 <= backoff(4, 1.0, 30.0) <= 8.0
    assert 15.0 <= backoff(50, 1.0, 30.0) <= 30.0
