"""Issue 18's "done when": an OTLP/HTTP JSON body and a Loki push JSON body that name no org, sent to
ingestion as `logmesh up` runs it, are found by `logmesh search` with namespace and pod filled in;
and lines a real rsyslogd forwards to logs.raw with omkafka are searchable too."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from logmesh_contracts.topics import LOGS_RAW
from logmesh_devstack.stack import Stack, free_port, wait_for_port

from .support import configure, librdkafka_dir, rsyslog_missing, start_rsyslogd

pytestmark = [pytest.mark.broker, pytest.mark.e2e, pytest.mark.slow]


def _logmesh_search(url: str, *args: str) -> dict:
    env = {**os.environ, "LOGMESH_TEMPLATE_MATCHING_URL": url}
    done = subprocess.run([sys.executable, "-m", "logmesh_devstack.cli", "search", *args, "--json"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_otlp_and_loki_bodies_without_org_are_searchable_with_namespace_and_pod(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    # logs.raw carries no credential: the listener's default org names the tenant of rsyslog's lines
    stack = Stack(workdir=tmp_path, services=("ingestion", "template-matching"), broker_bootstrap=kafka_bootstrap,
                  topic_prefix=topic_prefix, service_env={"ingestion": {"LOGMESH_DEFAULT_ORG": "acme"}})
    libs = librdkafka_dir(tmp_path) if rsyslog_missing() is None else None
    rsyslogd = None
    now_ns = time.time_ns()
    otlp_body = {"resourceLogs": [{
        "resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "checkout"}},
            {"key": "k8s.namespace.name", "value": {"stringValue": "shop"}},
            {"key": "k8s.pod.name", "value": {"stringValue": "checkout-7d9f"}},
        ]},
        "scopeLogs": [{"logRecords": [{"timeUnixNano": str(now_ns), "severityNumber": 17,
                                       "body": {"stringValue": "otlp-e2e payment declined"}}]}],
    }]}
    loki_body = {"streams": [{"stream": {"namespace": "shop", "pod": "web-1", "app": "web", "level": "warn"},
                              "values": [[str(now_ns), "loki-e2e upstream slow"]]}]}
    try:
        for name in stack.services:
            stack.start_service(name)
        for process in stack.processes.values():
            process.wait_ready(90)
        ingestion = stack.processes["ingestion"].url
        headers = {"X-Scope-OrgID": "acme"}  # the org from the trusted header: the bodies name none
        async with httpx.AsyncClient(base_url=ingestion, timeout=15) as client:
            otlp = await client.post("/v1/logs", json=otlp_body, headers=headers)
            assert otlp.status_code == 200 and otlp.json() == {}, otlp.text
            loki = await client.post("/loki/api/v1/push", json=loki_body, headers=headers)
            assert loki.status_code == 204, loki.text
        if libs is not None:
            port = free_port()
            config = configure(tmp_path, kafka_bootstrap, topic_prefix + LOGS_RAW.name, port)
            rsyslogd = start_rsyslogd(config, tmp_path, libs, (tmp_path / "rsyslogd.out").open("wb"))
            wait_for_port("127.0.0.1", port, timeout_s=30, proc=rsyslogd)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                conn.sendall(f"<11>1 {stamp} web-3 nginx 812 - - rsyslog-e2e upstream refused\n".encode())

        search_url = stack.processes["template-matching"].url
        deadline = time.monotonic() + 60
        found: dict = {"logs": []}
        while time.monotonic() < deadline and len(found["logs"]) < 2:
            found = await asyncio.to_thread(_logmesh_search, search_url, "e2e", "--org", "acme",
                                            "--namespace", "shop")
            await asyncio.sleep(1)
        syslog: dict = {"logs": []}
        while libs is not None and time.monotonic() < deadline + 30 and not syslog["logs"]:
            syslog = await asyncio.to_thread(_logmesh_search, search_url, "rsyslog-e2e", "--org", "acme",
                                             "--service", "nginx")
            await asyncio.sleep(1)
    finally:
        if rsyslogd is not None:
            rsyslogd.terminate()
            rsyslogd.wait(15)
        stack.stop()
    rows = {row["message"]: row for row in found["logs"]}
    assert set(rows) == {"otlp-e2e payment declined", "loki-e2e upstream slow"}, found
    otlp_row, loki_row = rows["otlp-e2e payment declined"], rows["loki-e2e upstream slow"]
    assert (otlp_row["service"], otlp_row["level"], otlp_row.get("namespace"), otlp_row.get("pod")) == (
        "checkout", "ERROR", "shop", "checkout-7d9f"), otlp_row
    assert (loki_row["service"], loki_row["level"], loki_row.get("namespace"), loki_row.get("pod")) == (
        "web", "WARN", "shop", "web-1"), loki_row
    if libs is None:
        pytest.skip(f"OTLP and Loki checked; rsyslog part skipped: {rsyslog_missing() or 'no confluent-kafka'}")
    (line,) = syslog["logs"]
    assert (line["message"].strip(), line["level"]) == ("rsyslog-e2e upstream refused", "ERROR"), line
