"""Helpers for ingestion's tests: the real app on a real broker, driven over ASGI; rsyslog from the example."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from ingestion.app import create_app
from ingestion.settings import IngestionSettings

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "examples" / "rsyslog" / "logmesh.conf"
RSYSLOGD = shutil.which("rsyslogd") or ("/usr/sbin/rsyslogd" if Path("/usr/sbin/rsyslogd").exists() else None)
OMKAFKA = any(Path(p).exists() for p in ("/usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so",
                                          "/usr/lib/aarch64-linux-gnu/rsyslog/omkafka.so",
                                          "/usr/lib/rsyslog/omkafka.so"))



def rsyslog_missing() -> str | None:
    """Why rsyslog with omkafka cannot run here, or None."""
    if RSYSLOGD is None or not OMKAFKA:
        return "needs rsyslogd with omkafka: `make system-deps` (Debian rsyslog, rsyslog-kafka)"
    return None


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



def make_settings(bootstrap: str, prefix: str, **overrides: Any) -> IngestionSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap": bootstrap,
        "topic_prefix": prefix,
        "retry_backoff_s": 0.05,
        "retry_backoff_max_s": 0.5,
        "shutdown_grace_s": 1.0,
        "consume_raw": False,
        "consume_otlp": False,
        **overrides,
    }
    return IngestionSettings(**values)


@contextlib.asynccontextmanager
async def running(settings: IngestionSettings, **app_kwargs: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (broker connected, consumers running) and a client for it."""
    app = create_app(settings, **app_kwargs)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingestion") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
