"""Who may post alerts: bearer tokens and basic auth as Alertmanager's ``http_config`` sends them.

Every comparison goes through ``hmac.compare_digest`` and every configured credential is
checked (no early exit), so timing reveals neither which credential matched nor how much of it.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from alert_intake.settings import AlertIntakeSettings

log = logging.getLogger(__name__)

TOKEN_FILE = "webhook-token"


class MissingCredentials(RuntimeError):
    """alert-intake refuses to start open unless told to."""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str  # "bearer", "basic", "open", or why it failed: "missing", "malformed", "mismatch"


class Authenticator:
    def __init__(
        self,
        tokens: list[str],
        basic_user: str | None = None,
        basic_passwords: list[str] | None = None,
        open_: bool = False,
    ) -> None:
        self._tokens = [t.encode() for t in tokens]
        self._user = basic_user.encode() if basic_user is not None else None
        self._passwords = [p.encode() for p in basic_passwords or []]
        self.open = open_ and not self._tokens and self._user is None

    @property
    def schemes(self) -> list[str]:
        return (["Bearer"] if self._tokens else []) + (["Basic"] if self._user is not None else [])

    def challenge(self) -> str:
        return ", ".join(f'{scheme} realm="alert-intake"' for scheme in self.schemes) or "Bearer"

    def check(self, authorization: str | None) -> Verdict:
        if self.open:
            return Verdict(True, "open")
        if not authorization:
            return Verdict(False, "missing")
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        scheme = scheme.lower()
        if scheme == "bearer" and self._tokens:
            given = credentials.encode("utf-8", "surrogateescape")
            matched = False
            for token in self._tokens:
                matched |= hmac.compare_digest(given, token)
            return Verdict(matched, "bearer" if matched else "mismatch")
        if scheme == "basic" and self._user is not None:
            try:
                decoded = base64.b64decode(credentials, validate=True)
            except (binascii.Error, ValueError):
                return Verdict(False, "malformed")
            user, sep, password = decoded.partition(b":")
            if not sep:
                return Verdict(False, "malformed")
            user_ok = hmac.compare_digest(user, self._user)
            password_ok = False
            for candidate in self._passwords:
                password_ok |= hmac.compare_digest(password, candidate)
            ok = user_ok and password_ok
            return Verdict(ok, "basic" if ok else "mismatch")
        return Verdict(False, "malformed")


def build_authenticator(settings: AlertIntakeSettings) -> Authenticator:
    """Credentials from settings; else a generated token (local default); else refuse unless open is allowed."""
    tokens = settings.bearer_tokens
    passwords = [
        s.get_secret_value() for s in (settings.intake_basic_password, settings.intake_basic_password_next) if s
    ]
    if tokens or settings.intake_basic_user is not None:
        return Authenticator(tokens, settings.intake_basic_user, passwords)
    if settings.intake_allow_unauthenticated:
        log.warning("alert-intake runs WITHOUT authentication (LOGMESH_INTAKE_ALLOW_UNAUTHENTICATED=true)")
        return Authenticator([], open_=True)
    if settings.intake_generate_token:
        path = settings.state_dir / TOKEN_FILE
        token = _generated_token(path)
        log.warning("no credential configured: webhook bearer token generated in %s", path)
        return Authenticator([token])
    raise MissingCredentials(
        "alert-intake needs credentials: set LOGMESH_INTAKE_TOKENS (bearer, comma-separated) or LOGMESH_INTAKE_BASIC_USER and "
        "LOGMESH_INTAKE_BASIC_PASSWORD, or LOGMESH_INTAKE_ALLOW_UNAUTHENTICATED=true to run open"
    )


def _generated_token(path: Path) -> str:
    """One token per data dir, created with mode 0600 and reused after restarts."""
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if len(existing) >= 16:
        return existing
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return token
