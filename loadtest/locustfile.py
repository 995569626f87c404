"""Locust profile for the two HTTP entry points: log ingest and the Alertmanager webhook.

    pip install -r loadtest/requirements.txt
    locust -f loadtest/locustfile.py --headless -u 20 -r 5 -t 60s \
        --host http://127.0.0.1:<ingestion-port>   # see `logmesh up` output
    LOGMESH_INTAKE_URL=http://127.0.0.1:<alert-intake-port> LOGMESH_INTAKE_TOKEN=... (for the alert user)

Runs are bounded by -t; only loopback or your own test hosts are valid targets.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime

from locust import HttpUser, between, task

BATCH = int(os.environ.get("LOGMESH_LOAD_BATCH", "500"))


def record(i: int) -> dict:
    return {
        "org": "load",
        "service": f"svc-{i % 8}",
        "level": random.choice(["INFO", "INFO", "INFO", "WARN", "ERROR"]),
        "message": f"request {i} handled in {random.randint(1, 900)}ms status={random.choice([200, 200, 404, 500])}",
        "timestamp": datetime.now(UTC).isoformat(),
        "namespace": "load",
        "pod": f"svc-{i % 8}-abc12",
    }


class LogProducer(HttpUser):
    wait_time = between(0.05, 0.2)

    @task
    def ingest_batch(self) -> None:
        base = random.randint(0, 10**9)
        self.client.post("/logs/ingest", json={"logs": [record(base + i) for i in range(BATCH)]}, name="ingest batch")


class AlertSender(HttpUser):
    wait_time = between(0.5, 2)
    host = os.environ.get("LOGMESH_INTAKE_URL", "http://127.0.0.1:8082")

    @task
    def send_alert(self) -> None:
        n = random.randint(0, 50)
        alert = {
            "status": "firing",
            "labels": {"alertname": "LoadTestAlert", "namespace": "load", "pod": f"svc-{n}-abc12", "severity": "warning"},
            "annotations": {"summary": "load test"},
            "startsAt": datetime.fromtimestamp(time.time() // 60 * 60, UTC).isoformat(),
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"load{n:04d}",
        }
        payload = {"version": "4", "status": "firing", "receiver": "logmesh", "alerts": [alert]}
        self.client.post(
            "/webhook",
            json=payload,
            headers={"Authorization": f"Bearer {os.environ.get('LOGMESH_INTAKE_TOKEN', '')}"},
            name="webhook",
        )
