"""Ports: what the service needs from the outside, as small protocols."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from knowledge_storage.domain import Hit


class Embedder(Protocol):
    """Turns texts into unit-length vectors; ``model_id`` names the model (stored with each vector)."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class CaseStore(Protocol):
    """The case base. Blocking calls: the service runs them in a worker thread."""

    def ensure_schema(self) -> list[str]: ...

    def upsert_case(self, incident_id: str, vector: Sequence[float], payload: Mapping[str, Any]) -> None: ...

    def get_case(self, incident_id: str) -> dict[str, Any] | None: ...

    def set_case_fields(self, incident_id: str, fields: Mapping[str, Any]) -> bool: ...

    def delete_case(self, incident_id: str) -> bool: ...

    def search(
        self, vector: Sequence[float], *, limit: int, threshold: float, filters: Mapping[str, str],
        exclude_incident: str | None = None,
    ) -> list[Hit]: ...

    def verdicts_for(self, incident_id: str) -> list[dict[str, Any]]: ...

    def get_verdict(self, incident_id: str, given_by: str) -> dict[str, Any] | None: ...

    def put_verdict(self, payload: Mapping[str, Any]) -> None: ...

    def recent_verdicts(self, *, alertname: str, category: str, org: str, limit: int) -> list[dict[str, Any]]: ...

    def iter_cases(self, fields: Sequence[str] | None = None) -> Iterator[dict[str, Any]]: ...

    def prune(self, older_than_ts: float) -> list[str]: ...
