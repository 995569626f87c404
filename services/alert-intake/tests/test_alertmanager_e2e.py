"""End to end with the real Alertmanager binary posting v4 webhooks to alert-intake (a separate process).

Alertmanager comes from the Debian package ``prometheus-alertmanager`` (``make system-deps``).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from alert_intake.domain import fingerprint
from logmesh_contracts import Alert
from logmesh_contracts.topics import ALERTS_RECEIVED
from logmesh_devstack.stack import ServiceProcess, free_port, wait_for_port
from logmesh_testing import read_topic

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.broker,
    pytest.mark.skipif(
        ALERTMANAGER is None,
        reason="Alertmanager binary missing: install the Debian package prometheus-alertmanager (make system-deps)",
    ),
]

TOKEN = "e2e-token-0123456789abcdef"
WRONG = "not-the-token-0123456789"


def alertmanager_config(intake_url: str) -> dict[str, Any]:
    """Short group/repeat intervals so Alertmanager re-sends within a second or two."""

    def receiver(name: str, token: str) -> dict[str, Any]:
        return {
            "name": name,
            "webhook_configs": [{
                "url": f"{intake_url}/webhook",
                "send_resolved": True,
                "max_alerts": 0,
                "http_config": {"authorization": {"type": "Bearer", "credentials": token}},
            }],
        }

    return {
        "route": {
            "receiver": "logmesh",
            "group_by": ["alertname"],
            "group_wait": "0s",
            "group_interval": "1s",
            "repeat_interval": "1s",
            "routes": [{"matchers": ['team="wrong"'], "receiver": "wrong-token"}],
        },
        "receivers": [receiver("logmesh", TOKEN), receiver("wrong-token", WRONG)],
    }


@pytest.fixture
def intake(kafka_bootstrap: str, topic_prefix: str, tmp_path: Path) -> Iterator[ServiceProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOGMESH_")}
    port = free_port()
    env.update({
        "LOGMESH_SERVICE_NAME": "alert-intake",
        "LOGMESH_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "LOGMESH_TOPIC_PREFIX": topic_prefix,
        "LOGMESH_HTTP_PORT": str(port),
        "LOGMESH_DATA_DIR": str(tmp_path / "data"),
        "LOGMESH_INTAKE_TOKENS": TOKEN,
        "LOGMESH_SHUTDOWN_GRACE_S": "2",
        "LOGMESH_AUTH": "off",  # alert-intake's own bearer tokens here; API keys have their own tests
    })
    process = ServiceProcess("alert-intake", port, env, tmp_path / "alert-intake.log").start()
    try:
        process.wait_ready(60)
        yield process
    finally:
        process.stop()


@pytest.fixture
def alertmanager(intake: ServiceProcess, tmp_path: Path) -> Iterator[str]:
    assert ALERTMANAGER is not None
    config = tmp_path / "alertmanager.yml"
    config.write_text(json.dumps(alertmanager_config(intake.url)))  # JSON is YAML
    port = free_port()
    log = (tmp_path / "alertmanager.log").open("wb")
    proc = subprocess.Popen(
        [ALERTMANAGER, f"--config.file={config}", f"--storage.path={tmp_path / 'am-data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for_port("127.0.0.1", port, 30, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def counter(metrics: str, name: str, **labels: str) -> float:
    """Sum of a Prometheus counter's samples whose labels include ``labels``."""
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.25)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def test_alertmanager_notifications_become_one_message_per_alert_state(
    kafka_bootstrap: str, topic_prefix: str, intake: ServiceProcess, alertmanager: str
) -> None:
    topic = topic_prefix + ALERTS_RECEIVED.name
    starts = datetime.now(UTC) - timedelta(minutes=1)
    pods = {
        "checkout-1": {"alertname": "LogmeshE2E", "namespace": "shop", "pod": "checkout-1", "severity": "critical"},
        "checkout-2": {"alertname": "LogmeshE2E", "namespace": "shop", "pod": "checkout-2", "severity": "warning"},
    }
    refused = {"alertname": "LogmeshWrongToken", "team": "wrong", "severity": "critical"}
    postable = [
        {"labels": labels, "annotations": {"summary": f"{name} is failing"}, "startsAt": iso(starts),
         "generatorURL": "http://prometheus.example/graph"}
        for name, labels in pods.items()
    ] + [{"labels": refused, "startsAt": iso(starts)}]

    async with httpx.AsyncClient(timeout=10) as http:

        async def intake_metrics() -> str:
            return (await http.get(f"{intake.url}/metrics")).text

        async def alerts() -> list[Alert]:
            return [Alert.model_validate_json(r.value) for r in await read_topic(kafka_bootstrap, topic)]

        assert (await http.post(f"{alertmanager}/api/v2/alerts", json=postable)).status_code == 200

        # Alertmanager notifies, then re-sends every repeat_interval: wait for three deliveries and for the
        # re-sent alerts to be counted as duplicates (a first flush may carry one of the two alerts only)
        async def repeated() -> bool:
            metrics = await intake_metrics()
            return (counter(metrics, "logmesh_alert_intake_requests_total", code="200") >= 3
                    and counter(metrics, "logmesh_alert_intake_requests_total", code="401") >= 1
                    and counter(metrics, "logmesh_alert_intake_alerts_total", outcome="duplicate") >= 4)

        await eventually(repeated, "three accepted notifications, four re-sent alerts and one refused")
        firing = await alerts()
        assert sorted(a.labels["pod"] for a in firing) == ["checkout-1", "checkout-2"]  # once each, nothing refused
        for alert in firing:
            assert alert.status == "firing"
            assert alert.fingerprint == fingerprint(alert.labels)  # our generic fingerprint is Alertmanager's
            assert alert.receiver == "logmesh"
            assert alert.target.namespace == "shop" and alert.target.pod == alert.labels["pod"]
            assert alert.starts_at == starts
        assert {a.severity for a in firing} == {"critical", "warning"}
        metrics = await intake_metrics()
        assert counter(metrics, "logmesh_alert_intake_alerts_total", outcome="duplicate") >= 4
        assert counter(metrics, "logmesh_alert_intake_auth_failures_total", reason="mismatch") >= 1

        # Resolve checkout-1: Alertmanager sends it with status resolved on the next flush.
        resolve = [{**postable[0], "endsAt": iso(datetime.now(UTC))}]
        assert (await http.post(f"{alertmanager}/api/v2/alerts", json=resolve)).status_code == 200

        async def resolution_arrived() -> bool:
            return any(a.status == "resolved" for a in await alerts())

        await eventually(resolution_arrived, "the resolution")
        seen = counter(await intake_metrics(), "logmesh_alert_intake_requests_total", code="200")

        async def two_more_notifications() -> bool:
            return counter(await intake_metrics(), "logmesh_alert_intake_requests_total", code="200") >= seen + 2

        await eventually(two_more_notifications, "further repeat notifications")
        final = await alerts()
        assert len(final) == 3
        (resolution,) = [a for a in final if a.status == "resolved"]
        (original,) = [a for a in final if a.fingerprint == resolution.fingerprint and a.status == "firing"]
        assert resolution.labels["pod"] == "checkout-1"
        assert resolution.starts_at == original.starts_at  # llm-analysis closes the same incident
        assert resolution.ends_at is not None
        assert not any(a.alertname == "LogmeshWrongToken" for a in final)


@pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool (package prometheus-alertmanager) missing")
def test_the_example_receiver_config_is_valid_for_alertmanager() -> None:
    example = Path(__file__).parents[1] / "examples" / "alertmanager.yml"
    result = subprocess.run(["amtool", "check-config", str(example)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
