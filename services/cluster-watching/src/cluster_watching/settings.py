"""cluster-watching settings (environment variables ``LOGMESH_<FIELD>``)."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from logmesh_runtime.settings import ServiceSettings


class ClusterWatchingSettings(ServiceSettings):
    service_name: str = "cluster-watching"
    kubeconfig: str | None = Field(
        default=None,
        description="A kubeconfig path, 'in-cluster', or unset/'none' (no cluster: the service runs and says so).",
    )
    kube_context: str | None = Field(default=None, description="kubeconfig context; the current one when unset.")
    cluster_name: str | None = Field(default=None, description="Written into K8sRef.cluster of what is published.")
    watch_namespaces: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Namespaces to watch (JSON list or comma-separated); empty: all."
    )
    watch_timeout_s: int = Field(default=300, ge=1, description="Server-side timeout of one watch request.")
    watch_backoff_s: float = Field(default=0.5, gt=0)
    watch_backoff_max_s: float = Field(default=30.0, gt=0)
    request_timeout_s: float = Field(default=15.0, gt=0)
    dedup_window_s: float = Field(default=600.0, ge=0, description="A signal that returns within this continues its episode.")
    pending_after_s: float = Field(default=300.0, ge=0, description="A pod Pending this long becomes a 'Pending' event.")
    max_event_age_s: float = Field(default=600.0, ge=0, description="Older Warning events seen at (re)list are not published.")
    sweep_interval_s: float = Field(default=30.0, gt=0, description="Re-evaluation of time-based signals and pruning.")
    buffer_retention_s: float = Field(default=86_400.0, gt=0)
    buffer_max_snapshots: int = Field(default=50_000, ge=1)
    buffer_max_events: int = Field(default=50_000, ge=1)
    evidence_log_lines: int = Field(default=100, ge=1, le=5000)
    evidence_max_bytes: int = Field(default=128_000, ge=2_000, description="Bound on one evidence part's item bodies.")
    evidence_item_bytes: int = Field(default=24_000, ge=500)
    evidence_stale_s: float = Field(default=600.0, ge=0, description="Skip incidents whose evidence deadline passed this long ago.")
    controller_enabled: bool = Field(default=True, description="Reconcile LogAnalysisJob custom resources.")

    @field_validator("watch_namespaces", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
