"""The HTTP toolkit every service's routes use: one meaning for errors, bodies, times, durations and callers.

* errors are JSON ``{"error": reason}`` with the status that names the fix: 4xx for the caller,
  ``503`` with ``Retry-After`` when a dependency is down (``unavailable``);
* ``read_body`` bounds what a request may send (413 past the limit) before anything parses it;
  ``json_body`` / ``query`` validate into pydantic models and answer 400 with the field that is wrong;
* ``parse_time`` (ISO-8601, ``Z`` accepted, naive means UTC) and ``parse_duration`` (``30s``, ``15m``,
  ``2h``, ``1d``, ``1h30m``) are the only grammars for times and durations in requests;
* ``Principal`` / ``Authenticator``: the seam where API keys plug in. ``Service.route`` asks the
  service's authenticator for the caller of every route it registers; the default lets everyone in
  (each service still checks its own webhook tokens); a failing check answers 401.

Starlette handlers, not a framework on top: the ingest hot path pays nothing for a dependency system.
"""

from __future__ import annotations

import functools
import hmac
import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

M = TypeVar("M", bound=BaseModel)


class HttpError(Exception):
    """Raised anywhere under a route: answered as ``{"error": reason}`` with ``status``."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}

    def response(self) -> JSONResponse:
        return error(self.status, self.reason, headers=self.headers)


def error(status: int, reason: str, *, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": reason, **extra}, status_code=status, headers=headers)


def unavailable(reason: str, retry_after_s: float = 5, **extra: Any) -> JSONResponse:
    """503 with ``Retry-After``: the request was fine, a dependency is not; the caller retries unchanged."""
    return error(503, reason, headers={"Retry-After": str(max(1, round(retry_after_s)))}, **extra)


# ------------------------------------------------------------------ callers


@dataclass(frozen=True)
class Principal:
    """Who is calling: ``anonymous`` unless an authenticator recognised a credential."""

    name: str = "anonymous"
    scopes: frozenset[str] = field(default_factory=frozenset)
    authenticated: bool = False
    org: str | None = None  # the one org an API key acts for (logmesh_runtime.auth)

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


ANONYMOUS = Principal()
Authenticator = Callable[[Request], Awaitable[Principal]]


class Unauthorized(HttpError):
    def __init__(self, reason: str = "missing or wrong credentials", scheme: str = "Bearer") -> None:
        super().__init__(401, reason, {"WWW-Authenticate": f'{scheme} realm="logmesh"'})


async def allow_everyone(_request: Request) -> Principal:
    return ANONYMOUS


def principal_of(request: Request) -> Principal:
    """The caller ``Service.route`` authenticated for this request."""
    return getattr(request.state, "principal", ANONYMOUS)


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_matches(presented: str | None, accepted: Iterable[str]) -> bool:
    """Constant-time comparison against every accepted token (rotation: old and new both pass)."""
    if not presented:
        return False
    candidate = presented.encode()
    matched = False
    for token in accepted:
        matched |= hmac.compare_digest(candidate, token.encode())
    return matched


def guarded(endpoint: Callable[[Request], Awaitable[Response]], authenticate: Callable[[], Authenticator]) -> Any:
    """``endpoint`` answering ``HttpError``s as JSON, with the caller authenticated first."""

    @functools.wraps(endpoint)
    async def route(request: Request) -> Response:
        try:
            request.state.principal = await authenticate()(request)
            return await endpoint(request)
        except HttpError as exc:
            return exc.response()

    return route


# ------------------------------------------------------------------ bodies and queries


async def read_body(request: Request, limit: int) -> bytes:
    """The body, or 413 as soon as more than ``limit`` bytes arrived (a declared length is checked first)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HttpError(413, f"body too large: {declared} bytes, at most {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, f"body too large: more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def validation_reason(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}" for err in exc.errors()[:10]
    )


async def json_body(request: Request, model: type[M], limit: int = 1024 * 1024) -> M:
    raw = await read_body(request, limit)
    try:
        data = json.loads(raw or b"{}")
    except ValueError as exc:
        raise HttpError(400, f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise HttpError(400, "body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise HttpError(400, validation_reason(exc)) from exc


def query(request: Request, model: type[M]) -> M:
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise HttpError(400, validation_reason(exc)) from exc


# ------------------------------------------------------------------ times and durations

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> timedelta:
    """``30s``, ``15m``, ``2h``, ``1d`` or combined Go-style ``1h30m`` (whole units, no fractions)."""
    match = _DURATION.match(text.strip()) if text else None
    if not match or not any(match.groups()):
        raise ValueError(f"duration {text!r} must look like 30s, 15m, 2h, 1d or 1h30m")
    d, h, m, s = (int(g or 0) for g in match.groups())
    return timedelta(days=d, hours=h, minutes=m, seconds=s)


def parse_time(value: object, name: str = "time") -> datetime:
    """An ISO-8601 timestamp (``Z`` or an offset; none means UTC) as an aware datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{name} {value!r} is not an ISO-8601 timestamp") from exc
    else:
        raise ValueError(f"{name} must be an ISO-8601 timestamp")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

