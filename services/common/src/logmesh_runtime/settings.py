"""Settings shared by every service, read from the environment (``LOGMESH_*``)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "changethis", "secret", "password", "token", "xxx", "todo"})


S = TypeVar("S", str, SecretStr, None)


def refuse_placeholder(value: S, name: str) -> S:
    """Secrets that look like placeholders stop the service at start, naming the variable to set."""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if text is not None and text.strip().lower() in PLACEHOLDER_SECRETS:
        raise ValueError(f"{name} is a placeholder ({text!r}); set a real secret in the environment")
    return value


def reveal(secret: SecretStr | None) -> str | None:
    """The secret's text, at the one place it is handed to a client."""
    return secret.get_secret_value() if secret is not None else None


class ServiceSettings(BaseSettings):
    """Base for every service's settings. Subclasses add their own ``LOGMESH_*`` fields."""

    model_config = SettingsConfigDict(env_prefix="LOGMESH_", extra="ignore", frozen=True, populate_by_name=True)

    service_name: str = Field(description="The service's one name: consumer group, OTEL_SERVICE_NAME, ...")
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = Field(default="", description="Prepended to every topic name (test isolation, tenancy).")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=0, ge=0, le=65535, description="0 picks a free port.")
    data_dir: Path = Path(".logmesh/data")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    # The standard OpenTelemetry variables are honoured; a LOGMESH_OTEL_* one, when set, wins.
    otel_exporter: Literal["none", "otlp", "console", "file", "memory"] = Field(
        default="none", validation_alias=AliasChoices("LOGMESH_OTEL_EXPORTER", "OTEL_TRACES_EXPORTER"),
    )
    otel_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("LOGMESH_OTEL_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
        description="OTLP/HTTP base endpoint, e.g. http://collector:4318 (/v1/traces is appended)",
    )
    otel_traces_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        description="OTLP/HTTP traces URL used as is (the standard variable); wins over otel_endpoint",
    )
    otel_sdk_disabled: bool = Field(default=False, validation_alias=AliasChoices("OTEL_SDK_DISABLED"))
    handler_max_attempts: int = Field(default=3, ge=1, description="Attempts before a message is dead-lettered.")
    retry_backoff_s: float = Field(default=0.2, gt=0)
    retry_backoff_max_s: float = Field(default=10.0, gt=0)
    shutdown_grace_s: float = Field(default=15.0, gt=0, description="Time to finish in-flight work on SIGTERM.")
    kafka_request_timeout_ms: int = 10_000
    kafka_linger_ms: int = 5
    kafka_fetch_max_wait_ms: int = Field(
        default=200, ge=0, description="Longest an idle consumer's fetch waits at the broker. Each idle consumer "
        "sends 1000/this fetches a second, which cost the broker and the service CPU with nothing flowing. A Kafka "
        "broker completes a waiting fetch once fetch_min_bytes are there; Tansu re-checks after growing gaps, so "
        "there a record arriving late in a wait waits up to ~half of it more (docs/decisions/record-path.md).")
    kafka_batch_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Largest record batch the producer builds (one per partition "
        "per publish while it fits); also bounds a request's size (4x).")
    kafka_compression: Literal["zstd", "lz4", "snappy", "none"] = Field(
        default="zstd", description="Compression of the record batches this service produces: zstd's ~12x "
        "fewer bytes cost the producer ~0.3 µs per record and save the broker more (docs/decisions/record-path.md).")
    kafka_partition_fetch_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Most data a consumer fetches per partition per request.")
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

    auth: Literal["keys", "off"] = Field(
        default="keys", description="'keys': every route but /health, /ready, /metrics needs an API key (the default)."
    )
    keys_path: Path | None = Field(default=None, description="The API key store (SQLite); <data_dir>/keys.sqlite if unset.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """``LOGMESH_<SERVICE>_<FIELD>`` (e.g. ``LOGMESH_TEMPLATE_MATCHING_LLM_API_KEY``) wins over the shared
        ``LOGMESH_<FIELD>``, so one environment can configure several services without one name meaning
        two things; the shared names keep working."""
        default = cls.model_fields["service_name"].default
        if not isinstance(default, str) or not default:
            return init_settings, env_settings, dotenv_settings, file_secret_settings
        prefix = "LOGMESH_" + default.upper().replace("-", "_") + "_"
        own = EnvSettingsSource(settings_cls, env_prefix=prefix)
        return init_settings, own, env_settings, dotenv_settings, file_secret_settings

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

    @model_validator(mode="after")
    def _otel_disabled(self) -> ServiceSettings:
        if self.otel_sdk_disabled and self.otel_exporter != "none":
            object.__setattr__(self, "otel_exporter", "none")  # frozen: set once, while validating
        return self

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
