"""alert-intake: Alertmanager webhooks and generic alerts in, deduplicated `alerts.received` out."""
