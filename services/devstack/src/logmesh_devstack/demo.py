"""The bundled demo: logs and one Alertmanager alert fed through a running embedded stack.

Everything goes in through the public entry points (ingestion's HTTP API, alert-intake's
webhook) and is read back from topics and HTTP read APIs, so the demo shows the mesh as
an operator sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from logmesh_contracts.topics import (
    ALERTS_RECEIVED,
    ANALYSIS_RESULTS,
    CLUSTER_EVENTS,
    EVIDENCE_PARTS,
    INCIDENTS_OPENED,
    LOGS_ANOMALIES,
    LOGS_RECORDS,
    NOTIFICATIONS_SENT,
    TEMPLATES_EVENTS,
)
from logmesh_devstack.stack import Stack
from logmesh_runtime.replay import read_topic

DEMO_TOKEN = "demo-intake-token-not-for-production"
# The same pod the Kubernetes simulator's crashloop scenario plays, so alert, logs and cluster agree.
NAMESPACE, POD, CONTAINER, SERVICE = "shop", "checkout-6d8f7c9b5-x2k4q", "app", "checkout"
# alert-intake stamps alerts with org "default" and cluster events belong to it unless mapped: the
# demo's logs come from the same tenant, so the story's three sources meet in one incident.
ORG = "default"


def demo_logs(count: int = 400, seed: int = 7) -> list[dict[str, Any]]:
    """A checkout service that runs normally, then loses its database and crashes on start."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(minutes=10)
    lines = []
    for i in range(count):
        ts = start + timedelta(seconds=i * 1.2)
        failing = i > count * 0.7
        roll = rng.random()
        if failing and roll < 0.5:
            message, level = "connection refused: db.shop.svc:5432", "ERROR"
        elif failing and roll < 0.7:
            message, level = "cannot start without database; exiting with code 1", "FATAL"
        elif roll < 0.6:
            message = f"GET /cart/{rng.randint(1000, 9999)} 200 in {rng.randint(2, 40)}ms"
            level = "INFO"
        else:
            message = f"order {rng.randint(10**5, 10**6)} placed by user {rng.randint(1, 500)} total={rng.randint(5, 300)}.{rng.randint(0, 99):02d}"
            level = "INFO"
        lines.append({
            "org": ORG, "message": message, "level": level, "timestamp": ts.isoformat(),
            "service": SERVICE, "namespace": NAMESPACE, "pod": POD, "container": CONTAINER, "node": "node-1",
        })
    return lines


def demo_alert() -> dict[str, Any]:
    """An Alertmanager v4 webhook as Alertmanager sends it."""
    starts = (datetime.now(UTC) - timedelta(minutes=2)).isoformat()
    labels = {"alertname": "KubePodCrashLooping", "namespace": NAMESPACE, "pod": POD, "container": CONTAINER,
              "service": SERVICE, "severity": "critical"}
    return {
        "version": "4", "groupKey": '{}:{alertname="KubePodCrashLooping"}', "truncatedAlerts": 0,
        "status": "firing", "receiver": "logmesh", "groupLabels": {"alertname": "KubePodCrashLooping"},
        "commonLabels": labels, "commonAnnotations": {}, "externalURL": "http://alertmanager.local",
        "alerts": [{
            "status": "firing", "labels": labels,
            "annotations": {"summary": "Pod shop/checkout is crash looping",
                            "description": "checkout restarted 6 times in 10 minutes"},
            "startsAt": starts, "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.local/graph", "fingerprint": "d3m0f1n6e4pr1nt",
        }],
    }


@contextlib.contextmanager
def cluster_simulator(workdir: Path, scenario: str = "crashloop") -> Iterator[dict[str, str]]:
    """cluster-watching's loopback Kubernetes API server playing a scenario; yields its url and kubeconfig.

    Started as a process by module name, so the runtime never imports a service.
    """
    kubeconfig = workdir / "k8s-sim" / "kubeconfig"
    kubeconfig.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cluster_watching.sim", "--port", "0", "--scenario", scenario,
         "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE, stderr=(workdir / "k8s-sim" / "sim.log").open("ab"), text=True,
        start_new_session=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line:
            raise RuntimeError(f"the Kubernetes simulator did not start; see {workdir / 'k8s-sim' / 'sim.log'}")
        yield {**json.loads(line), "pid": str(proc.pid)}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_demo(stack: Stack, progress: bool = True, timeout_s: float = 120.0) -> dict[str, Any]:
    return asyncio.run(_run(stack, progress, timeout_s))


async def _run(stack: Stack, progress: bool, timeout_s: float) -> dict[str, Any]:
    def say(line: str) -> None:
        if progress:
            print(line, flush=True)

    urls = {name: process.url for name, process in stack.processes.items()}
    def topic(name: str) -> str:
        return stack.topic_prefix + name

    from logmesh_devstack.cli import auth_headers

    keyed = auth_headers()  # the development key `logmesh up` made; the intake token where auth is off
    summary: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=30, headers=keyed) as http:
        logs = demo_logs()
        if "ingestion" in urls:
            response = await http.post(f"{urls['ingestion']}/logs/ingest", json={"logs": logs})
            summary["ingest"] = response.json()
            say(f"ingestion       accepted {summary['ingest'].get('accepted')} of {len(logs)} log records")
        if "alert-intake" in urls:
            response = await http.post(
                f"{urls['alert-intake']}/webhook", json=demo_alert(),
                headers=keyed or {"Authorization": f"Bearer {DEMO_TOKEN}"}
            )
            summary["alert"] = {"status": response.status_code, "body": response.json()}
            say(f"alert-intake    webhook answered {response.status_code}")

    bootstrap = stack.bootstrap
    deadline = time.monotonic() + timeout_s
    watched = [
        ("logs.records", LOGS_RECORDS.name, lambda n: n >= len(logs)),
        ("templates", TEMPLATES_EVENTS.name, lambda n: n > 0),
        ("alerts", ALERTS_RECEIVED.name, lambda n: n > 0),
        ("cluster events", CLUSTER_EVENTS.name, lambda n: n > 0),
        ("log anomalies", LOGS_ANOMALIES.name, lambda n: n > 0),
        ("incidents", INCIDENTS_OPENED.name, lambda n: n > 0),
        ("evidence parts", EVIDENCE_PARTS.name, lambda n: n >= 3),
        ("analysis results", ANALYSIS_RESULTS.name, lambda n: n > 0),
        ("notifications", NOTIFICATIONS_SENT.name, lambda n: n > 0),
    ]
    counts: dict[str, int] = {}
    reported: set[str] = set()
    while time.monotonic() < deadline:
        for label, name, done in watched:
            if label in reported:
                continue
            records = await read_topic(bootstrap, topic(name), timeout_s=1.0)
            counts[label] = len(records)
            if done(counts[label]):
                reported.add(label)
                if name == INCIDENTS_OPENED.name:  # re-announced whenever a source joins
                    distinct = len({json.loads(r.value)["incident_id"] for r in records})
                    say(f"{label:<15} {distinct} on {name} ({counts[label]} announcements as sources joined)")
                else:
                    say(f"{label:<15} {counts[label]} on {name}")
            elif label == "templates" and "template-matching" in urls and counts["logs.records"] >= len(logs):
                # A data dir kept from an earlier run restores the registry from ClickHouse while the
                # in-memory broker starts empty: the demo's lines match known templates, nothing is new.
                async with httpx.AsyncClient(timeout=30, headers=keyed) as http:
                    known = (await http.get(f"{urls['template-matching']}/logs/count", params={"org": ORG})).json()
                if known.get("templates"):
                    reported.add(label)
                    say(f"{label:<15} {known['templates']} known from an earlier run (registry restored from ClickHouse)")
        if len(reported) == len(watched):
            break
        await asyncio.sleep(1)
    summary["topics"] = counts
    if "template-matching" in urls:
        async with httpx.AsyncClient(timeout=30, headers=keyed) as http:
            stored = (await http.get(f"{urls['template-matching']}/logs/count", params={"org": ORG})).json()
        summary["clickhouse"] = stored
        say(f"clickhouse      {stored.get('rows')} rows queryable, {stored.get('templates')} templates "
            f"(GET {urls['template-matching']}/logs/search?org={ORG})")
    missing = [label for label, _, _ in watched if label not in reported]
    if missing:
        say(f"still waiting after {timeout_s:.0f}s for: {', '.join(missing)} (see logs under {stack.workdir}/logs)")
    results = await read_topic(bootstrap, topic(ANALYSIS_RESULTS.name))
    if results:
        result = json.loads(results[-1].value)
        summary["analysis"] = {k: result.get(k) for k in ("incident_id", "category", "root_cause", "confidence",
                                                          "diagnosis", "actions", "missing_evidence", "model")}
        say("")
        say(f"analysis        [{result['category']}] {result['root_cause']}")
        for finding in result.get("diagnosis", [])[:5]:
            say(f"  finding       {finding}")
        for action in result.get("actions", [])[:3]:
            say(f"  action        {action}")
    return summary
