"""Helpers for tests that drive cluster-watching against the loopback API server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cluster_watching.sim.scenarios import CrashLoop
from cluster_watching.sim.server import SimServer
from cluster_watching.sim.state import ClusterState


@dataclass
class Cluster:
    server: SimServer
    scenario: CrashLoop
    kubeconfig: Path

    @property
    def state(self) -> ClusterState:
        return self.server.state


async def eventually(predicate: Callable[[], object], timeout_s: float = 20.0, what: str = "condition") -> None:
    """Poll until ``predicate()`` is truthy; fail naming ``what`` after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not met within {timeout_s}s")
        await asyncio.sleep(0.05)
