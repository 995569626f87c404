"""``python -m cluster_watching`` as a process against ``python -m cluster_watching.sim``: the demo path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from logmesh_contracts import ClusterEvent
from logmesh_contracts.topics import CLUSTER_EVENTS
from logmesh_devstack.stack import ServiceProcess, free_port
from logmesh_testing import wait_for_messages

pytestmark = [pytest.mark.broker, pytest.mark.e2e]


async def test_service_process_watches_the_sim_and_publishes_the_crashloop(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    sim = subprocess.Popen(  # noqa: ASYNC220 - the sim is another process, as in the demo
        [sys.executable, "-m", "cluster_watching.sim", "--scenario", "crashloop", "--interval", "0.3",
         "--kubeconfig", str(kubeconfig)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin", "LOGMESH_SERVICE_NAME": "cluster-watching", "LOGMESH_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "LOGMESH_TOPIC_PREFIX": topic_prefix, "LOGMESH_HTTP_PORT": str(port), "LOGMESH_DATA_DIR": str(tmp_path / "data"),
        "LOGMESH_KUBECONFIG": str(kubeconfig), "LOGMESH_AUTH": "off",
    }
    service = ServiceProcess("cluster-watching", port, env, tmp_path / "cluster-watching.log")
    try:
        assert sim.stdout is not None
        json.loads(sim.stdout.readline())  # the kubeconfig is written once this line is out
        service.start().wait_ready(60)
        (record,) = await wait_for_messages(kafka_bootstrap, topic_prefix + CLUSTER_EVENTS.name, 1, timeout_s=30)
        event = ClusterEvent.model_validate_json(record.value)
        assert (event.reason, event.serious, event.object.namespace) == ("CrashLoopBackOff", True, "shop")
        async with httpx.AsyncClient(base_url=service.url) as http:
            health = (await http.get("/cluster/health")).json()
        assert health["kubernetes"]["connected"] and health["watches"]["pods/*"]["synced"]
    finally:
        service.stop()  # SIGTERM: graceful shutdown (uvicorn re-raises the signal, so no exit code 0)
        assert "cluster-watching stopped" in service.tail()
        sim.terminate()
        sim.wait(10)
