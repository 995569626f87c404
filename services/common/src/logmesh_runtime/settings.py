"""Settings shared by every service, read from the environment (``LOGMESH_*``)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
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
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_ssl_cafile: Path | None = Field(default=None, description="CA bundle (PEM) the brokers' certificates chain to.")
    kafka_ssl_certfile: Path | None = Field(default=None, description="Client certificate (PEM) for brokers that ask.")
    kafka_ssl_keyfile: Path | None = Field(default=None, description="The client certificate's private key (PEM).")
    kafka_ssl_check_hostname: bool = True
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_idempotence: Literal["auto", "on", "off"] = Field(
        default="auto", description="Idempotent producers: auto = on where the broker grants a producer id (Kafka), "
        "off where it does not (Tansu).",
    )

    @field_validator("service_name")
    @classmethod
    def _known_shape(cls, value: str) -> str:
        if not value or not all(c.isalnum() or c == "-" for c in value):
            raise ValueError("service_name must be the service's folder name, e.g. 'alert-intake'")
        return value

    @model_validator(mode="after")
    def _kafka_security_complete(self) -> ServiceSettings:
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError(
                f"LOGMESH_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs LOGMESH_KAFKA_SASL_USERNAME "
                "and LOGMESH_KAFKA_SASL_PASSWORD"
            )
        if self.kafka_sasl_password is not None:
            refuse_placeholder(self.kafka_sasl_password.get_secret_value(), "LOGMESH_KAFKA_SASL_PASSWORD")
        if (self.kafka_ssl_certfile is None) != (self.kafka_ssl_keyfile is None):
            raise ValueError("set both LOGMESH_KAFKA_SSL_CERTFILE and LOGMESH_KAFKA_SSL_KEYFILE, or neither")
        return self

    @property
    def kafka_bootstrap_servers(self) -> list[str]:
        """``kafka_bootstrap`` as a list: a production cluster is named by several brokers, comma-separated."""
        return [server.strip() for server in self.kafka_bootstrap.split(",") if server.strip()]

    def kafka_client_options(self) -> dict[str, Any]:
        """Connection settings for every aiokafka client (producer, consumer, admin): the one place
        TLS and SASL are applied, so no client of the mesh can connect around them."""
        return {"bootstrap_servers": self.kafka_bootstrap_servers, **self.kafka_security_options()}

    def kafka_security_options(self) -> dict[str, Any]:
        """TLS and SASL keyword arguments for an aiokafka client (empty for PLAINTEXT)."""
        protocol = self.kafka_security_protocol
        if protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {"security_protocol": protocol}
        if protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = self.kafka_ssl_context()
        if protocol.startswith("SASL_"):
            assert self.kafka_sasl_password is not None  # checked at load
            options |= {
                "sasl_mechanism": self.kafka_sasl_mechanism,
                "sasl_plain_username": self.kafka_sasl_username,
                "sasl_plain_password": self.kafka_sasl_password.get_secret_value(),
            }
        return options

    def kafka_ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.kafka_ssl_cafile) if self.kafka_ssl_cafile else None)
        context.check_hostname = self.kafka_ssl_check_hostname
        if self.kafka_ssl_certfile and self.kafka_ssl_keyfile:
            context.load_cert_chain(str(self.kafka_ssl_certfile), str(self.kafka_ssl_keyfile))
        return context

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    @property
    def state_dir(self) -> Path:
        path = self.data_dir / self.service_name
        path.mkdir(parents=True, exist_ok=True)
        return path
