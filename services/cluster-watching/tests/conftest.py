"""A loopback Kubernetes API server (the service's own sim) per test, with a kubeconfig pointing at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cluster_watching.sim import ClusterState, SimServer
from cluster_watching.sim.scenarios import CrashLoop
from cluster_watching.sim.testing import Cluster


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    state = ClusterState()
    scenario = CrashLoop(state)
    scenario.seed()
    async with SimServer(state, bookmark_interval_s=0.2) as server:
        yield Cluster(server, scenario, server.write_kubeconfig(tmp_path / "kubeconfig"))
