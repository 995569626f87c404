"""A real producer: rsyslog with omkafka (deploy/examples/rsyslog/logmesh.conf) forwarding syslog lines
to logs.raw on the test broker, and ingestion turning them into logs.records."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from logmesh_contracts import LogRecord
from logmesh_contracts.topics import LOGS_RAW, LOGS_RECORDS
from logmesh_runtime.stack import free_port, wait_for_port
from logmesh_runtime.testing import wait_for_messages

from .support import make_settings, running

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "examples" / "rsyslog" / "logmesh.conf"
RSYSLOGD = shutil.which("rsyslogd") or ("/usr/sbin/rsyslogd" if Path("/usr/sbin/rsyslogd").exists() else None)
OMKAFKA = any(Path(p).exists() for p in ("/usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so",
                                          "/usr/lib/aarch64-linux-gnu/rsyslog/omkafka.so",
                                          "/usr/lib/rsyslog/omkafka.so"))

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(RSYSLOGD is None or not OMKAFKA,
                       reason="needs rsyslogd with omkafka: `make system-deps` (Debian rsyslog, rsyslog-kafka)"),
]


def librdkafka_dir(tmp_path: Path) -> Path | None:
    """A folder holding a librdkafka.so.1 that speaks to the test broker, or None.

    Debian bookworm's librdkafka 2.0.2 misreads Tansu's ApiVersions v3 answer ("Protocol read buffer
    underflow"), a client bug fixed in later librdkafka; real Apache Kafka is fine with it. The test
    therefore loads rsyslog's omkafka against the librdkafka that the pinned confluent-kafka wheel ships.
    """
    try:
        import confluent_kafka
    except ImportError:
        return None
    libs = Path(confluent_kafka.__file__).resolve().parent.parent / "confluent_kafka.libs"
    found = sorted(libs.glob("librdkafka*.so.1"))
    if not found:
        return None
    folder = tmp_path / "librdkafka"
    folder.mkdir(exist_ok=True)
    (folder / "librdkafka.so.1").symlink_to(found[0])
    return folder


def start_rsyslogd(config: Path, tmp_path: Path, libs: Path, log: Any) -> subprocess.Popen:
    return subprocess.Popen([RSYSLOGD, "-n", "-f", str(config), "-i", str(tmp_path / "rsyslogd.pid")],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={"PATH": os.environ.get("PATH", ""), "LD_LIBRARY_PATH": str(libs)})


def configure(tmp_path: Path, bootstrap: str, topic: str, port: int) -> Path:
    """The example as shipped, pointed at the test broker, topic, a free port and a private spool."""
    text = EXAMPLE.read_text()
    for shipped, local in (('broker=["kafka:9092"]', f'broker=["{bootstrap}"]'), ('topic="logs.raw"', f'topic="{topic}"'),
                           ('port="5514"', f'port="{port}"'), ('"/var/spool/rsyslog"', f'"{tmp_path}"')):
        assert shipped in text, f"the example no longer has {shipped}"
        text = text.replace(shipped, local)
    path = tmp_path / "rsyslog.conf"
    path.write_text(text)
    return path


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
