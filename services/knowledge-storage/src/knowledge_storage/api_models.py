"""Typed query and response bodies of the case search (its OpenAPI document uses them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CaseSearchQuery(BaseModel):
    q: str = Field(min_length=1, max_length=2000, description="Free text, e.g. the operator's question.")
    org: str = "default"
    limit: int = Field(default=5, ge=1, le=50)
    threshold: float = Field(default=0.3, ge=-1.0, le=1.0, description="Lowest cosine similarity returned.")


class CaseHit(BaseModel):
    model_config = ConfigDict(extra="allow")  # the rest of the stored case payload

    score: float
    incident_id: str


class CaseSearchResult(BaseModel):
    count: int
    cases: list[CaseHit]
