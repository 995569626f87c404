"""alert-intake's own Prometheus metrics, on the service's registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class IntakeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "logmesh_alert_intake_requests_total", "Alert requests by endpoint and HTTP status", ["endpoint", "code"],
            registry=registry,
        )
        self.alerts = Counter(
            "logmesh_alert_intake_alerts_total", "Alerts received, by outcome (published, duplicate)", ["outcome"],
            registry=registry,
        )
        self.truncated = Counter(
            "logmesh_alert_intake_truncated_alerts_total",
            "Alerts Alertmanager left out of notifications (truncatedAlerts, max_alerts)", ["receiver"], registry=registry,
        )
        self.auth_failures = Counter(
            "logmesh_alert_intake_auth_failures_total", "Refused requests by reason", ["reason"], registry=registry
        )
        self.dedup_entries = Gauge(
            "logmesh_alert_intake_dedup_entries", "Alert states in the dedup window", registry=registry
        )
