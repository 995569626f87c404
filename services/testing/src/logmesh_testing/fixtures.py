"""pytest fixtures, loaded by the repository's root conftest.

Each backing component is chosen in this order: a server named by an environment
variable, a testcontainer when a Docker engine answers, the embedded default otherwise.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from logmesh_devstack.stack import EmbeddedBroker, create_topics


def docker_engine_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Kafka-compatible broker for the whole session."""
    configured = os.environ.get("LOGMESH_TEST_KAFKA_BOOTSTRAP")
    if configured:
        yield configured
        return
    if docker_engine_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer() as container:
            yield container.get_bootstrap_server()
        return
    broker = EmbeddedBroker(log_path=tmp_path_factory.mktemp("tansu") / "broker.log").start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def topic_prefix(kafka_bootstrap: str) -> str:
    """A fresh prefix per test with every mesh topic created under it: tests never see each other's data."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    asyncio.run(create_topics(kafka_bootstrap, prefix))
    return prefix


@pytest.fixture(scope="session")
def chdb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """chDB allows one engine path per process, so the whole session shares one; tests use their own database."""
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture(scope="session")
def clickhouse_dsn(chdb_path: Path) -> Iterator[str]:
    configured = os.environ.get("LOGMESH_TEST_CLICKHOUSE_DSN")
    if configured:
        yield configured
        return
    if docker_engine_available():
        from testcontainers.clickhouse import ClickHouseContainer

        with ClickHouseContainer() as container:
            yield container.get_connection_url()
        return
    yield f"chdb://{chdb_path}"


@pytest.fixture
def qdrant_location(tmp_path: Path) -> Iterator[str]:
    """``http://...`` for a Qdrant server, or a local-mode path."""
    configured = os.environ.get("LOGMESH_TEST_QDRANT_URL")
    if configured:
        yield configured
        return
    if docker_engine_available():
        from testcontainers.qdrant import QdrantContainer

        with QdrantContainer() as container:
            yield f"http://{container.rest_host_address}"
        return
    yield str(tmp_path / "qdrant")
