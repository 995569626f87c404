"""Base classes shared by every message on the mesh.

Two reading policies exist, on purpose:

* ``Event`` — internal messages written by logmesh services. Field types are
  validated strictly (no silent coercion of ``"1"`` into ``1``), the model is
  frozen, and unknown fields are *ignored* so that an older reader keeps working
  while a newer writer is rolled out (tolerant reader).
* ``ExternalPayload`` — payloads written by systems we do not control
  (Alertmanager, log producers). Types are coerced leniently and unknown fields
  are kept, so nothing a newer Alertmanager adds is lost.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def stable_id(*parts: object, length: int = 24) -> str:
    """Deterministic id from its parts: redelivery of the same input yields the same id."""
    # each part's text followed by a unit separator, hashed in one call (a batch token has ~10^4 parts);
    # exact strings are joined as they are, anything else (str subclasses and enums too) through str()
    text = "\x1f".join(parts if set(map(type, parts)) <= {str} else map(str, parts))  # type: ignore[arg-type]
    if parts:
        text += "\x1f"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()[:length]


_INTERNAL = ConfigDict(frozen=True, extra="ignore", strict=True, populate_by_name=True)


class Value(BaseModel):
    """A value object nested inside internal messages."""

    model_config = _INTERNAL


class Event(BaseModel):
    """An internal message with a schema version and a natural deduplication key."""

    model_config = _INTERNAL

    schema_version: int = Field(default=1, ge=1, description="Version of this message's schema; bump on additions.")
    event_id: str = Field(min_length=1, max_length=128, description="Natural deduplication key of this message.")


class ExternalPayload(BaseModel):
    """A payload from outside the mesh: lenient types, unknown fields preserved."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
