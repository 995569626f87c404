"""API keys and tenants: who is calling, for which org, allowed to do what.

A key is ``lmk_<id>_<secret>`` with 256 bits of secret; the store keeps only its SHA-256
(a high-entropy key needs no slow hash) and compares in constant time. Each key is bound
to one org and carries scopes (``ingest``, ``read``, ``analyze``, ``admin``; admin implies
all). Rotation: create the new key, give the old one an expiry (the overlap), revoke later.

The store is one SQLite file (``LOGMESH_KEYS_PATH``, default ``<data_dir>/keys.sqlite``)
shared by every service on a host in the embedded stack, a mounted file in compose/k8s.
Services only read it; ``logmesh keys`` writes it.

Every route a service registers is guarded (see ``Service.asgi``): no key -> 401, a key
without the route's scope -> 403, both with a JSON reason. ``/health``, ``/ready``,
``/metrics`` and routes a service declares public (signed Slack callbacks) are exempt.
Handlers take the org from ``principal(request)``, never from a parameter.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from logmesh_runtime.http import HttpError, Principal, principal_of

Scope = Literal["ingest", "read", "analyze", "admin"]
SCOPES: tuple[str, ...] = ("ingest", "read", "analyze", "admin")
PREFIX = "lmk_"
CACHE_S = 5.0  # how long a verified key is trusted without a look at the store: revocation lands within it

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    org TEXT NOT NULL,
    scopes TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    expires_at REAL,
    revoked_at REAL
)
"""


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    org: str
    scopes: list[str]
    name: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    active: bool


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts is not None else None


class KeyStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            with db:
                yield db
        finally:
            db.close()

    def create(self, org: str, scopes: list[str], *, name: str = "", expires_at: float | None = None) -> tuple[str, str]:
        """A new key: returns (key_id, key). The key is shown once; only its digest is kept."""
        if not org or org == "*" or any(c.isspace() for c in org):
            raise ValueError("org must be one org name (no spaces, not '*')")
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown or not scopes:
            raise ValueError(f"scopes must be some of {', '.join(SCOPES)}; got {scopes}")
        key_id = secrets.token_hex(6)
        key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        with self._db() as db:
            db.execute(
                "INSERT INTO api_keys (key_id, digest, org, scopes, name, created_at, expires_at) VALUES (?,?,?,?,?,?,?)",
                (key_id, _digest(key), org, ",".join(sorted(set(scopes))), name, time.time(), expires_at),
            )
        return key_id, key

    def revoke(self, key_id: str) -> bool:
        with self._db() as db:
            cursor = db.execute("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                                (time.time(), key_id))
        self._cache.clear()
        return cursor.rowcount == 1

    def expire(self, key_id: str, at: float) -> bool:
        """Rotation's overlap: the key keeps working until ``at``."""
        with self._db() as db:
            cursor = db.execute("UPDATE api_keys SET expires_at = ? WHERE key_id = ?", (at, key_id))
        self._cache.clear()
        return cursor.rowcount == 1

    def list(self, org: str | None = None) -> list[KeyInfo]:
        if not self.path.exists():
            return []
        now = time.time()
        with self._db() as db:
            rows = db.execute(
                "SELECT key_id, org, scopes, name, created_at, expires_at, revoked_at FROM api_keys"
                + (" WHERE org = ?" if org else "") + " ORDER BY created_at", (org,) if org else ()
            ).fetchall()
        return [KeyInfo(r[0], r[1], r[2].split(","), r[3], _iso(r[4]) or "", _iso(r[5]), _iso(r[6]),
                        r[6] is None and (r[5] is None or r[5] > now)) for r in rows]

    def verify(self, key: str) -> Principal | None:
        """The key's principal, or None for an unknown, revoked, expired or malformed key."""
        now = time.monotonic()
        digest = _digest(key)
        cached = self._cache.get(digest)
        if cached is not None and now - cached[0] < CACHE_S:
            return cached[1]
        principal = self._lookup(key, digest)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now, principal)
        return principal

    def _read(self, key_id: str) -> tuple[Any, ...] | None:
        """Services only read; a store mounted read-only (a k8s Secret) is opened immutable."""
        if os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK):
            with self._db() as db:
                return db.execute("SELECT digest, org, scopes, expires_at, revoked_at FROM api_keys WHERE key_id = ?",
                                  (key_id,)).fetchone()
        db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
        try:
            return db.execute("SELECT digest, org, scopes, expires_at, revoked_at FROM api_keys WHERE key_id = ?",
                              (key_id,)).fetchone()
        finally:
            db.close()

    def _lookup(self, key: str, digest: str) -> Principal | None:
        if not key.startswith(PREFIX) or not self.path.exists():
            return None
        key_id = key[len(PREFIX):].split("_", 1)[0]
        row = self._read(key_id)
        if row is None:
            hmac.compare_digest(digest, digest)  # same work whether or not the id exists
            return None
        stored, org, scopes, expires_at, revoked_at = row
        if not hmac.compare_digest(stored, digest):
            return None
        if revoked_at is not None or (expires_at is not None and expires_at <= time.time()):
            return None
        return Principal(name=key_id, scopes=frozenset(scopes.split(",")), authenticated=True, org=org)


def key_from(request: Request) -> str | None:
    """``Authorization: Bearer <key>`` or ``X-API-Key: <key>``."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


def denied(status: int, reason: str) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="logmesh"'} if status == 401 else None
    return JSONResponse({"error": "unauthorized" if status == 401 else "forbidden", "reason": reason},
                        status_code=status, headers=headers)


Endpoint = Callable[[Request], Awaitable[Response]]


def guard(endpoint: Endpoint, scope: str | None, store: KeyStore) -> Endpoint:
    """The endpoint behind a key check; the principal lands on ``request.state.principal``.

    Without an explicit scope, reading (GET, HEAD) needs ``read`` and anything else ``admin``.
    """

    @functools.wraps(endpoint)  # keeps the handler's docstring and OpenAPI marks
    async def guarded(request: Request) -> Response:
        needed = scope or ("read" if request.method in ("GET", "HEAD") else "admin")
        key = key_from(request)
        if key is None:
            return denied(401, "an API key is required: send 'Authorization: Bearer <key>' "
                               "(create one with `logmesh keys create --org ORG --scope read`)")
        principal = store.verify(key)
        if principal is None:
            return denied(401, "the API key is unknown, revoked or expired")
        if not principal.allows(needed):
            return denied(403, f"this key lacks the '{needed}' scope (it has {', '.join(sorted(principal.scopes))})")
        request.state.principal = principal
        return await endpoint(request)

    return guarded


def principal(request: Request) -> Principal | None:
    """The caller, where the service runs with keys (``LOGMESH_AUTH=keys``); None where auth is off."""
    who = principal_of(request)
    return who if who.authenticated and who.org is not None else None


async def already_checked(request: Request) -> Principal:
    """``Service.authenticator`` where keys are on: the key guard in ``Service.asgi`` ran first."""
    return principal_of(request)


class WrongOrg(HttpError):
    """A request named an org other than its key's: answered 403 by the route guard."""

    def __init__(self, reason: str) -> None:
        super().__init__(403, reason)

    def response(self) -> Response:
        return denied(403, self.reason)


def tenant(request: Request, asked: str | None) -> str | None:
    """The org a request may act for: its key's. Naming another org is refused (``WrongOrg``), never obeyed.

    Where auth is off (tests of other behaviour, a deployment that opted out) the parameter stands.
    """
    who = principal(request)
    if who is None:
        return asked
    if asked and asked != who.org:
        raise WrongOrg(f"this key belongs to org {who.org!r}; it cannot act for org {asked!r}")
    return who.org


def org_scoped(rows: list[dict[str, Any]], org: str | None, field: str = "org") -> list[dict[str, Any]]:
    return rows if org is None else [row for row in rows if row.get(field) == org]
