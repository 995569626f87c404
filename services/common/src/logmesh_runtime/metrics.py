"""Prometheus metrics every service exposes on ``GET /metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """A registry per app, so several services can live in one test process."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.received = Counter("logmesh_messages_received_total", "Messages read from a topic", ["topic"], registry=registry)
        self.handled = Counter("logmesh_messages_processed_total", "Messages processed", ["topic"], registry=registry)
        self.failed = Counter("logmesh_handler_failures_total", "Handler attempts that raised", ["topic"], registry=registry)
        self.retries = Counter("logmesh_handler_retries_total", "Handler retries", ["topic", "kind"], registry=registry)
        self.dead_lettered = Counter(
            "logmesh_messages_dead_lettered_total", "Messages sent to a dead-letter topic", ["topic", "stage"], registry=registry
        )
        self.published = Counter("logmesh_messages_published_total", "Messages acknowledged by the broker", ["topic"], registry=registry)
        self.publish_failures = Counter(
            "logmesh_publish_failures_total", "Publishes the broker did not acknowledge", ["topic"], registry=registry
        )
        self.handle_seconds = Histogram(
            "logmesh_handle_seconds", "Handler latency", ["topic"],
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120), registry=registry,
        )
        self.consumer_lag = Gauge("logmesh_consumer_lag", "Messages behind the partition end", ["topic", "partition"], registry=registry)
        self.ready = Gauge("logmesh_ready", "1 when the service is ready", registry=registry)
        self.info = Gauge("logmesh_service_info", "Service identity", ["service"], registry=registry)
        self.info.labels(service=service).set(1)
