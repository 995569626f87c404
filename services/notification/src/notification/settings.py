"""Settings of the notification service (env vars ``LOGMESH_<FIELD>``).

With nothing set, only the file sink is enabled: every notification becomes a JSON line
under ``data_dir/notification/`` and a one-line summary in the log.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from logmesh_runtime.settings import ServiceSettings, refuse_placeholder


class NotificationSettings(ServiceSettings):
    service_name: str = "notification"

    # --- Slack (bot token: threads, live updates, reactions) -------------------------
    slack_bot_token: SecretStr | None = Field(default=None, description="xoxb-... bot token; enables the Slack sink.")
    slack_channel: str = Field(default="#alerts", description="Channel (id or name) incidents are posted to.")
    slack_api_url: str = Field(default="https://slack.com/api/", description="Slack Web API base URL.")
    slack_signing_secret: SecretStr | None = Field(
        default=None, description="Verifies /slack/interactions and /slack/events requests."
    )
    slack_webhook_url: SecretStr | None = Field(
        default=None, description="Incoming webhook URL; enables the final-message-only Slack webhook sink."
    )
    slack_update_interval_s: float = Field(
        default=3.0, ge=0, description="Minimum seconds between live updates of one analysis message."
    )
    slack_rate_limit_retries: int = Field(default=3, ge=0, description="429s honoured (Retry-After) within one call.")
    reaction_poll_interval_s: float = Field(
        default=60.0, ge=0, description="Seconds between reactions.get sweeps; 0 disables polling."
    )
    reaction_poll_max_messages: int = Field(
        default=40, ge=1, description="reactions.get calls per sweep at most; more messages rotate across sweeps."
    )
    reaction_poll_window_s: float = Field(
        default=2 * 24 * 3600, gt=0, description="Only messages sent within this window are polled for reactions."
    )

    # --- other sinks ------------------------------------------------------------------
    webhook_url: str | None = Field(default=None, description="Generic JSON webhook URL.")
    webhook_secret: SecretStr | None = Field(default=None, description="HMAC-SHA256 key for the webhook signature.")
    teams_webhook_url: SecretStr | None = Field(default=None, description="Microsoft Teams incoming webhook URL.")
    pagerduty_routing_key: SecretStr | None = Field(default=None, description="PagerDuty Events v2 integration key.")
    pagerduty_url: str = "https://events.pagerduty.com/v2/enqueue"
    file_sink: bool = Field(default=True, description="Write every notification as a JSON line under data_dir.")
    sink_timeout_s: float = Field(default=10.0, gt=0)

    # --- routing and links ------------------------------------------------------------
    routes: str | None = Field(
        default=None,
        description='JSON list of rules: [{"sinks": ["pagerduty"], "severity": ["critical"], '
        '"namespace": ["prod-*"], "category": ["oom-killed"]}]. Unset: every sink but paging; '
        "paging for critical only.",
    )
    link_base_url: str | None = Field(
        default=None, description="Base of an incident link shown in messages, e.g. https://logmesh.example/incidents/"
    )

    thread_map_retention_s: float = Field(
        default=30 * 24 * 3600, gt=0, description="Incidents older than this are forgotten by the thread map."
    )

    # --- feedback over HTTP -------------------------------------------------------------
    feedback_token: SecretStr | None = Field(default=None, description="Bearer token for POST /feedback.")

    @field_validator(
        "slack_bot_token", "slack_signing_secret", "webhook_secret", "pagerduty_routing_key", "feedback_token"
    )
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None, info: object) -> SecretStr | None:
        if value is not None:
            refuse_placeholder(value.get_secret_value(), f"LOGMESH_{getattr(info, 'field_name', '').upper()}")
        return value

    @staticmethod
    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value is not None else None
