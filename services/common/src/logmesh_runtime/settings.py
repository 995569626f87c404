"""Settings shared by every service, read from the environment (``LOGMESH_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "changethis", "secret", "password", "token", "xxx", "todo"})


def refuse_placeholder(value: str | None, name: str) -> str | None:
    """Secrets that look like placeholders stop the service at start, naming the variable to set."""
    if value is not None and value.strip().lower() in PLACEHOLDER_SECRETS:
        raise ValueError(f"{name} is a placeholder ({value!r}); set a real secret in the environment")
    return value


class ServiceSettings(BaseSettings):
    """Base for every service's settings. Subclasses add their own ``LOGMESH_*`` fields."""

    model_config = SettingsConfigDict(env_prefix="LOGMESH_", extra="ignore", frozen=True)

    service_name: str = Field(description="The service's one name: consumer group, OTEL_SERVICE_NAME, ...")
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = Field(default="", description="Prepended to every topic name (test isolation, tenancy).")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=0, ge=0, le=65535, description="0 picks a free port.")
    data_dir: Path = Path(".logmesh/data")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    otel_exporter: Literal["none", "otlp", "console", "file", "memory"] = "none"
    otel_endpoint: str | None = Field(default=None, description="OTLP/HTTP traces endpoint, e.g. http://collector:4318")
    handler_max_attempts: int = Field(default=3, ge=1, description="Attempts before a message is dead-lettered.")
    retry_backoff_s: float = Field(default=0.2, gt=0)
    retry_backoff_max_s: float = Field(default=10.0, gt=0)
    shutdown_grace_s: float = Field(default=15.0, gt=0, description="Time to finish in-flight work on SIGTERM.")
    kafka_request_timeout_ms: int = 10_000
    kafka_linger_ms: int = 5
    kafka_fetch_max_wait_ms: int = Field(default=50, description="Longest a poll waits at the broker: per-hop latency.")
    kafka_max_poll_interval_ms: int = 300_000
    kafka_session_timeout_ms: int = 10_000
    auth: Literal["keys", "off"] = Field(
        default="keys", description="'keys': every route but /health, /ready, /metrics needs an API key (the default)."
    )
    keys_path: Path | None = Field(default=None, description="The API key store (SQLite); <data_dir>/keys.sqlite if unset.")

    @field_validator("service_name")
    @classmethod
    def _known_shape(cls, value: str) -> str:
        if not value or not all(c.isalnum() or c == "-" for c in value):
            raise ValueError("service_name must be the service's folder name, e.g. 'alert-intake'")
        return value

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    @property
    def key_store_path(self) -> Path:
        return self.keys_path or self.data_dir / "keys.sqlite"

    @property
    def state_dir(self) -> Path:
        path = self.data_dir / self.service_name
        path.mkdir(parents=True, exist_ok=True)
        return path
