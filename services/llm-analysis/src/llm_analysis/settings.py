"""llm-analysis settings (env vars ``LOGMESH_<FIELD>``). With none set, the deterministic tier runs."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from logmesh_runtime.settings import ServiceSettings, refuse_placeholder


class ModelConfig(BaseModel):
    """One model the router may use; the first is primary, the rest are fallbacks in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(description="litellm model string, e.g. 'openai/gpt-4o-mini', 'ollama_chat/llama3.1'.")
    api_base: str | None = None
    api_key_env: str | None = Field(default=None, description="Environment variable holding this model's key.")
    local: bool | None = Field(
        default=None, description="Runs on infrastructure you control; None: inferred from api_base (loopback, private)."
    )
    timeout_s: float | None = None
    input_cost_per_token: float | None = None
    output_cost_per_token: float | None = None

    def is_local(self) -> bool:
        if self.local is not None:
            return self.local
        if not self.api_base:
            return False  # no api_base: the provider's cloud endpoint
        host = (urlparse(self.api_base).hostname or "").lower()
        if host in {"localhost"} or host.endswith((".svc", ".svc.cluster.local", ".local", ".internal")):
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return address.is_loopback or address.is_private

    def api_key(self, default: str | None) -> str | None:
        if self.api_key_env:
            return os.environ.get(self.api_key_env) or default
        return default


class LlmAnalysisSettings(ServiceSettings):
    service_name: str = "llm-analysis"

    replica_id: str = Field(
        default_factory=lambda: os.environ.get("HOSTNAME") or socket.gethostname(),
        description="Names this replica's own consumer group for evidence.parts (every replica reads all parts), "
        "so it must survive restarts: on Kubernetes llm-analysis is a StatefulSet and HOSTNAME is llm-analysis-0, "
        "-1, ...; elsewhere set LOGMESH_REPLICA_ID. A Deployment's pod name would leave a group behind per restart.",
    )

    # incidents and evidence
    evidence_deadline_s: float = Field(default=5.0, gt=0, description="How long to wait for evidence parts.")
    correlation_window_s: float = Field(default=900.0, gt=0, description="Sources about one object join one incident.")
    incident_window_s: float = Field(default=900.0, gt=0, description="Look-back window requested from providers.")
    anomaly_min_severity: Literal["info", "warning", "critical"] = "critical"
    cluster_orgs: dict[str, str] = Field(
        default_factory=dict,
        description='Org of each cluster\'s events, e.g. {"prod-eu": "acme"}, so they correlate with that org\'s '
        "logs and alerts; other clusters' events (and events naming none) belong to cluster_org.",
    )
    cluster_org: str = Field(default="default", min_length=1, max_length=128)
    recover_lookback_s: float = Field(
        default=3600.0, ge=0, description="On partition assignment, adopt unanalysed incidents this far back (0: off)."
    )
    evidence_max_age_s: float = Field(default=86_400.0, gt=0, description="Older evidence parts are not stored.")

    # analysis workers
    max_concurrent_analyses: int = Field(default=2, ge=1)
    worker_poll_s: float = Field(default=0.25, gt=0)
    progress_interval_s: float = Field(default=0.5, ge=0, description="Minimum time between progress chunks.")
    progress_min_chars: int = Field(default=80, ge=1)
    prompt_max_chars: int = Field(default=12_000, ge=1000)

    # LLM (litellm). No models => deterministic tier only.
    llm_models: str = Field(default="", description="JSON list of ModelConfig objects, primary first.")
    otel_capture_prompts: bool = Field(
        default=False, description="Put prompt and completion text on GenAI spans (may hold log data)."
    )
    llm_model: str | None = Field(default=None, description="Shorthand for a single model.")
    llm_api_base: str | None = None
    llm_api_key: SecretStr | None = Field(default=None, description="Default key for models without api_key_env.")
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_retries: int = Field(default=1, ge=0)
    llm_cooldown_s: float = Field(default=30.0, ge=0)
    llm_allowed_fails: int = Field(default=1, ge=0)
    llm_max_tokens: int = Field(default=900, ge=64)
    llm_temperature: float = Field(default=0.1, ge=0, le=2)
    # json_object_schema: {"type": "json_object", "schema": ...}, the dialect llama-cpp-python's server
    # turns into a grammar (it rejects OpenAI's "json_schema" type)
    llm_response_format: Literal["json_object", "json_schema", "json_object_schema", "none"] = "json_object"
    llm_stream: bool = True
    redact: Literal["always", "cloud", "never"] = Field(
        default="always",
        description="Redact every prompt whatever the model's location ('always', the default); a deployment may opt"
        " out for local/in-cluster models ('cloud': redact only for remote ones) or entirely ('never').",
    )

    @field_validator("llm_api_key")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        return refuse_placeholder(value, "LOGMESH_LLM_API_KEY")

    @field_validator("llm_models")
    @classmethod
    def _valid_models(cls, value: str) -> str:
        if value.strip():
            parse_models(value)
        return value

    def models(self) -> list[ModelConfig]:
        models = parse_models(self.llm_models) if self.llm_models.strip() else []
        if not models and self.llm_model:
            models = [ModelConfig(model=self.llm_model, api_base=self.llm_api_base)]
        return models

    def must_redact(self) -> bool:
        if self.redact == "never":
            return False
        return self.redact == "always" or any(not m.is_local() for m in self.models())


def parse_models(raw: str) -> list[ModelConfig]:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"LOGMESH_LLM_MODELS is not JSON: {exc}") from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError("LOGMESH_LLM_MODELS must be a JSON list of {model, api_base, api_key_env, ...}")
    return [ModelConfig.model_validate({"model": item} if isinstance(item, str) else item) for item in data]
