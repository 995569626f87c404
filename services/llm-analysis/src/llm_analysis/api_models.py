"""Typed query and response bodies of the incident read API (its OpenAPI document uses them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from logmesh_contracts import AnalysisResult, EvidencePart, Incident


class IncidentQuery(BaseModel):
    status: Literal["pending", "done"] | None = Field(default=None, description="pending: waiting for evidence.")
    org: str | None = None
    since: str | None = Field(default=None, description="Opened within this duration: 30m, 2h, 1d.")
    q: str | None = Field(default=None, max_length=500, description="Text in the incident or its analysis.")
    limit: int = Field(default=50, ge=1, le=1000)


class IncidentRow(BaseModel):
    incident_id: str
    status: Literal["pending", "done"]
    incident: Incident
    analysis: AnalysisResult | None = None


class IncidentList(BaseModel):
    count: int
    incidents: list[IncidentRow]


class ResultMark(BaseModel):
    event_id: str
    status: str
    category: str
    model: str | None = None


class IncidentDetail(BaseModel):
    incident_id: str
    status: str
    evidence: list[str] = Field(description="Kinds of evidence that arrived.")
    incident: Incident | None = None
    result: ResultMark | None = None
    analysis: AnalysisResult | None = None
    parts: list[EvidencePart] = Field(default_factory=list)
