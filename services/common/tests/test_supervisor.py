"""`logmesh up`'s supervisor: a service that dies is restarted with backoff on its port; the broker stays."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from logmesh_devstack.stack import Stack, Supervisor

pytestmark = [pytest.mark.broker]


def test_a_killed_service_comes_back_on_its_port_with_backoff(kafka_bootstrap: str, topic_prefix: str,
                                                              tmp_path: Path) -> None:
    stack = Stack(workdir=tmp_path, services=("ingestion",), broker_bootstrap=kafka_bootstrap,
                  topic_prefix=topic_prefix).start()
    try:
        supervisor = Supervisor(stack, base_s=0.2, max_s=1.0)
        process = stack.processes["ingestion"]
        port, first_pid = process.port, process.proc.pid  # type: ignore[union-attr]
        assert supervisor.tick() == []
        for restart in (1, 2):
            stack.processes["ingestion"].kill()
            said: list[str] = []
            deadline = time.monotonic() + 10
            while not any("restarted" in line for line in said) and time.monotonic() < deadline:
                said += supervisor.tick()
                time.sleep(0.05)
            assert "exited" in said[0] and f"restarted (restart {restart})" in said[-1], said
            stack.processes["ingestion"].wait_ready()
        assert supervisor.backoff("ingestion") == 0.8  # doubled per restart
        again = stack.processes["ingestion"]
        assert again.port == port and again.proc.pid != first_pid  # type: ignore[union-attr]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            assert response.status == 200
    finally:
        stack.stop()
