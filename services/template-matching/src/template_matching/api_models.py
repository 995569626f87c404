"""Query parameters of template-matching's read routes (parsed and documented from these models)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from logmesh_runtime.http import parse_time
from template_matching.domain import LEVELS


class _Query(BaseModel):
    model_config = ConfigDict(extra="ignore")

    org: str | None = Field(default=None, description="Only this org (with a key: must be the key's own).")
    service: str | None = None


class LogQuery(_Query):
    start: datetime | None = Field(default=None, description="ISO-8601; default: one hour before `end`.")
    end: datetime | None = Field(default=None, description="ISO-8601; default: now. Naive times are UTC.")
    level: str | None = Field(default=None, description=f"One of {', '.join(LEVELS)} (any case).")
    template_id: str | None = Field(default=None, description="Also finds lines stored under its retired ids.")
    text: str | None = Field(default=None, max_length=500)
    namespace: str | None = None
    pod: str | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _iso(cls, value: object) -> object:
        return parse_time(value) if value not in (None, "") else None

    @field_validator("level")
    @classmethod
    def _level(cls, value: str | None) -> str | None:
        if value is not None and value.upper() not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        return value.upper() if value else None


class LogSearchQuery(LogQuery):
    limit: int = Field(default=100, ge=1, le=1000)


class TemplateQuery(_Query):
    limit: int = Field(default=200, ge=1, le=10_000)


class AnomalyQuery(_Query):
    kind: str | None = Field(default=None, description="new-template, frequency-spike or error-rate-jump.")
    limit: int = Field(default=50, ge=1, le=1000)
