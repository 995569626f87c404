"""Which org a request's records belong to: the credential first, never a body field.

Order: the authenticated principal's org (an API key bound to one org, set by the auth layer on
``request.state.principal``; or the ingest token's configured org), else a trusted header
(``X-Scope-OrgID``, as Loki does, for producers inside the trust boundary), else the listener's
default org. The first two *bind*: a record whose body ``org`` disagrees is refused with 403. A
default only fills records that name no org, so producers that send ``org`` keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

Source = Literal["credential", "header", "default", "none"]


class Principal(Protocol):
    """What the auth layer leaves on ``request.state.principal``; only ``org`` matters here."""

    org: str


class Forbidden(Exception):
    """A body or header names an org the credential is not bound to."""


@dataclass(frozen=True)
class Tenant:
    org: str | None
    source: Source

    @property
    def binding(self) -> bool:
        return self.source in ("credential", "header")

    def apply(self, item: Any) -> None:
        """Fill a record's org, or ``Forbidden`` when it names another org than the binding one."""
        if not isinstance(item, dict):
            return  # the normaliser rejects non-objects with their own reason
        given = item.get("org")
        if given is None or given == "":
            if self.org is not None:
                item["org"] = self.org
        elif self.binding and given != self.org:
            raise Forbidden(
                f"org {str(given)[:64]!r} in the body differs from {self.org!r}, the org of the {self.source}; "
                "drop org from the body or use a key of that org"
            )


def resolve(principal_org: str | None, header_org: str | None, default_org: str | None) -> Tenant:
    header_org = (header_org or "").strip() or None
    if principal_org:
        if header_org is not None and header_org != principal_org:
            raise Forbidden(
                f"X-Scope-OrgID {header_org[:64]!r} differs from {principal_org!r}, the org of the credential"
            )
        return Tenant(principal_org, "credential")
    if header_org is not None:
        return Tenant(header_org, "header")
    if default_org:
        return Tenant(default_org, "default")
    return Tenant(None, "none")


def principal_org(state: Any) -> str | None:
    principal = getattr(state, "principal", None)
    org = getattr(principal, "org", None)
    return org if isinstance(org, str) and org else None
