"""Real adapters behind the ports, built from settings."""

from __future__ import annotations

from notification.adapters.file_sink import FileSink
from notification.adapters.http_sinks import PagerDutySink, SlackWebhookSink, TeamsSink, WebhookSink
from notification.adapters.slack import SlackSink
from notification.ports import Sink
from notification.settings import NotificationSettings


def build_sinks(settings: NotificationSettings) -> list[Sink]:
    """Every sink the settings enable, in delivery order. With no settings: the file sink only."""
    secret = NotificationSettings.secret
    timeout = settings.sink_timeout_s
    sinks: list[Sink] = []
    token = secret(settings.slack_bot_token)
    if token:
        sinks.append(SlackSink(token, settings.slack_channel, settings.slack_api_url, timeout,
                               settings.slack_rate_limit_retries))
    hook = secret(settings.slack_webhook_url)
    if hook:
        sinks.append(SlackWebhookSink(hook, timeout))
    if settings.webhook_url:
        sinks.append(WebhookSink(settings.webhook_url, secret(settings.webhook_secret), timeout))
    teams = secret(settings.teams_webhook_url)
    if teams:
        sinks.append(TeamsSink(teams, timeout))
    routing_key = secret(settings.pagerduty_routing_key)
    if routing_key:
        sinks.append(PagerDutySink(settings.pagerduty_url, routing_key, timeout))
    if settings.file_sink:
        sinks.append(FileSink(settings.state_dir / "notifications.jsonl"))
    return sinks


__all__ = ["FileSink", "PagerDutySink", "SlackSink", "SlackWebhookSink", "TeamsSink", "WebhookSink", "build_sinks"]
