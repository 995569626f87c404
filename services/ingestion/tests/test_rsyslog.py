"""A real producer: rsyslog with omkafka (deploy/examples/rsyslog/logmesh.conf) forwarding syslog lines
to logs.raw on the test broker, and ingestion turning them into logs.records."""

from __future__ import annotations

import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from logmesh_contracts import LogRecord
from logmesh_contracts.topics import LOGS_RAW, LOGS_RECORDS
from logmesh_devstack.stack import free_port, wait_for_port
from logmesh_testing import wait_for_messages

from .support import RSYSLOGD, configure, librdkafka_dir, make_settings, rsyslog_missing, running, start_rsyslogd

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(rsyslog_missing() is not None, reason=rsyslog_missing() or ""),
]


def test_the_example_config_is_valid_for_rsyslogd(tmp_path: Path) -> None:
    config = configure(tmp_path, "127.0.0.1:9092", "logs.raw", 5514)
    checked = subprocess.run([RSYSLOGD, "-N1", "-f", str(config)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


async def test_rsyslog_forwards_syslog_lines_through_omkafka_to_logs_records(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    port = free_port()
    config = configure(tmp_path, kafka_bootstrap, topic_prefix + LOGS_RAW.name, port)
    log = (tmp_path / "rsyslogd.out").open("wb")
    libs = librdkafka_dir(tmp_path)
    if libs is None:
        pytest.skip("needs confluent-kafka's librdkafka (`make install`): Debian's 2.0.2 cannot talk to Tansu")
    rsyslogd = start_rsyslogd(config, tmp_path, libs, log)
    try:
        wait_for_port("127.0.0.1", port, timeout_s=30, proc=rsyslogd)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        lines = [
            f"<11>1 {now} web-3 nginx 812 - - upstream connect() failed (111: Connection refused)",
            f"<14>1 {now} web-3 cart 813 - - checkout completed order=42",
            f'<12>1 {now} web-4 api 814 - - {{"event": "slow query", "ms": 812}}',
        ]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall("".join(line + "\n" for line in lines).encode())
        settings = make_settings(kafka_bootstrap, topic_prefix, consume_raw=True, default_org="acme")
        async with running(settings):
            try:
                out = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 3, timeout_s=60)
            except AssertionError as exc:
                raise AssertionError(f"{exc}; rsyslogd said:\n{(tmp_path / 'rsyslogd.out').read_text()[-3000:]}") from None
    finally:
        rsyslogd.terminate()
        try:
            rsyslogd.wait(15)
        except subprocess.TimeoutExpired:
            rsyslogd.kill()
            rsyslogd.wait()
        log.close()
    records = {r.service: r for r in (LogRecord.model_validate_json(m.value) for m in out)}
    nginx = records["nginx"]
    assert (nginx.org, nginx.host, nginx.level) == ("acme", "web-3", "ERROR")
    assert nginx.message.strip() == "upstream connect() failed (111: Connection refused)"
    assert nginx.metadata["facility"] == "user"
    assert records["cart"].level == "INFO" and records["api"].level == "WARN"
    assert '"slow query"' in records["api"].message
    assert abs((nginx.timestamp - datetime.now(UTC)).total_seconds()) < 600
