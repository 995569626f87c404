"""alert-intake settings (env ``LOGMESH_<FIELD>``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from logmesh_runtime.settings import ServiceSettings, refuse_placeholder

MIN_SECRET_LENGTH = 16


class AlertIntakeSettings(ServiceSettings):
    service_name: str = "alert-intake"

    # --- authentication (Alertmanager's webhook http_config) ---------------------------
    intake_tokens: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        default=(),
        description=(
            "Accepted bearer tokens, comma-separated (http_config.authorization.credentials); "
            "two at once while rotating."
        ),
    )
    intake_token: SecretStr | None = Field(
        default=None, description="One more accepted bearer token (the variable `logmesh send-alert` reads)."
    )
    intake_basic_user: str | None = Field(default=None, description="Basic-auth user (http_config.basic_auth).")
    intake_basic_password: SecretStr | None = None
    intake_basic_password_next: SecretStr | None = Field(default=None, description="Second accepted password.")
    intake_allow_unauthenticated: bool = Field(
        default=False, description="Run open when no credential is configured. Never the default."
    )
    intake_generate_token: bool = Field(
        default=True,
        description=(
            "With no credential configured, generate a token once into <data_dir>/alert-intake/webhook-token "
            "(0600) instead of refusing to start. The container image turns this off, so a deployment "
            "without credentials refuses to start."
        ),
    )

    # --- limits ------------------------------------------------------------------------
    intake_max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, description="Larger requests get 413.")
    intake_max_alerts: int = Field(default=1000, ge=1, description="Alerts per request; more gets 413.")
    intake_max_alert_bytes: int = Field(
        default=512 * 1024, ge=1024, description="Encoded size of one alert message; must stay under the broker's limit."
    )

    # --- delivery and deduplication ------------------------------------------------------
    intake_dedup_window_s: float = Field(
        default=7 * 24 * 3600, gt=0, description="How long an alert state is remembered; also the startup lookback."
    )
    intake_dedup_max_entries: int = Field(default=500_000, ge=1000)
    intake_publish_timeout_s: float = Field(default=10.0, gt=0, description="Wait for acks=all before answering 503.")
    intake_retry_after_s: int = Field(default=5, ge=1, description="Retry-After on 503 answers.")
    intake_org: str = Field(default="default", min_length=1, max_length=128, description="Org stamped on alerts.")

    @field_validator("intake_tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: object) -> object:
        if isinstance(value, str | SecretStr):
            raw = value.get_secret_value() if isinstance(value, SecretStr) else value
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        return value

    @field_validator("intake_tokens")
    @classmethod
    def _real_tokens(cls, value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        for token in value:
            _check_secret(token.get_secret_value(), "LOGMESH_INTAKE_TOKENS")
        return value

    @field_validator("intake_token", "intake_basic_password", "intake_basic_password_next")
    @classmethod
    def _real_secret(cls, value: SecretStr | None, info) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        _check_secret(value.get_secret_value(), f"LOGMESH_{info.field_name.upper()}")
        return value

    @model_validator(mode="after")
    def _basic_auth_complete(self) -> AlertIntakeSettings:
        if (self.intake_basic_user is None) != (self.intake_basic_password is None):
            raise ValueError("LOGMESH_INTAKE_BASIC_USER and LOGMESH_INTAKE_BASIC_PASSWORD go together")
        if self.intake_basic_password_next is not None and self.intake_basic_user is None:
            raise ValueError("LOGMESH_INTAKE_BASIC_PASSWORD_NEXT needs LOGMESH_INTAKE_BASIC_USER")
        return self

    @property
    def bearer_tokens(self) -> list[str]:
        tokens = [t.get_secret_value() for t in self.intake_tokens]
        if self.intake_token is not None:
            tokens.append(self.intake_token.get_secret_value())
        return list(dict.fromkeys(tokens))


def _check_secret(value: str, name: str) -> None:
    refuse_placeholder(value, name)
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(f"{name}: a secret is shorter than {MIN_SECRET_LENGTH} characters")
