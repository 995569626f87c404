"""Helpers for tests that drive cluster-watching against the loopback API server."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from cluster_watching.sim.scenarios import CrashLoop
from cluster_watching.sim.server import SimServer
from cluster_watching.sim.state import ClusterState
from logmesh_testing import wait_until


@dataclass
class Cluster:
    server: SimServer
    scenario: CrashLoop
    kubeconfig: Path

    @property
    def state(self) -> ClusterState:
        return self.server.state


eventually = functools.partial(wait_until, timeout_s=20.0)  # the loopback cluster answers fast
