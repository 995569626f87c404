"""A loopback Kubernetes API server for demos and tests: ``python -m cluster_watching.sim``."""

from cluster_watching.sim.scenarios import SCENARIOS, Scenario, build
from cluster_watching.sim.server import SimServer
from cluster_watching.sim.state import ClusterState

__all__ = ["SCENARIOS", "ClusterState", "Scenario", "SimServer", "build"]
