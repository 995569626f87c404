"""cluster-watching's own Prometheus series, on the service's registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from cluster_watching.buffer import ContextBuffer
from cluster_watching.reflector import Reflector


class ClusterMetrics:
    def __init__(self, registry: CollectorRegistry, buffer: ContextBuffer,
                 reflectors: Callable[[], list[Reflector]]) -> None:
        self.cluster_events = Counter("logmesh_cluster_events_total", "Cluster events published",
                                      ["reason", "serious"], registry=registry)
        self.evidence = Counter("logmesh_cluster_evidence_parts_total", "Evidence parts published",
                                ["plan", "outcome"], registry=registry)
        self.jobs = Counter("logmesh_log_analysis_job_transitions_total", "LogAnalysisJob status phases written",
                            ["phase"], registry=registry)
        registry.register(_StatsCollector(buffer, reflectors))


class _StatsCollector:
    """Watch and buffer statistics read at scrape time, so they are never kept twice."""

    def __init__(self, buffer: ContextBuffer, reflectors: Callable[[], list[Reflector]]) -> None:
        self.buffer = buffer
        self.reflectors = reflectors

    def collect(self) -> Iterator[Metric]:
        labels = ["kind", "namespace"]
        families = {
            "lists": CounterMetricFamily("logmesh_k8s_lists", "List calls (initial and re-lists)", labels=labels),
            "relists_after_gone": CounterMetricFamily("logmesh_k8s_relists_after_gone", "Re-lists after 410 Gone",
                                                      labels=labels),
            "bookmarks": CounterMetricFamily("logmesh_k8s_watch_bookmarks", "BOOKMARK events received", labels=labels),
            "events": CounterMetricFamily("logmesh_k8s_watch_changes", "Object changes handed to handlers",
                                          labels=labels),
            "failures": CounterMetricFamily("logmesh_k8s_watch_failures", "Failed list/watch attempts", labels=labels),
        }
        synced = GaugeMetricFamily("logmesh_k8s_watch_synced", "1 once the watch has listed", labels=labels)
        for reflector in self.reflectors():
            values = [reflector.kind, reflector.namespace or "*"]
            for field, family in families.items():
                family.add_metric(values, getattr(reflector.stats, field))
            synced.add_metric(values, 1 if reflector.stats.synced else 0)
        yield from families.values()
        yield synced
        sizes = GaugeMetricFamily("logmesh_cluster_buffer_entries", "Context buffer entries", labels=["store"])
        sizes.add_metric(["snapshots"], len(self.buffer.snapshots))
        sizes.add_metric(["events"], len(self.buffer.events))
        yield sizes
