"""A real Apache Kafka cluster (3 KRaft nodes from Maven Central, deploy/kafka/cluster.py) for the tests here.

One cluster per session, with a PLAINTEXT listener and a SASL_SSL one (certificates, PLAIN users and
SCRAM-SHA-512 users made by the fixture). Tests isolate themselves with topic prefixes.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_cluster_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("logmesh_kafka_cluster", ROOT / "deploy" / "kafka" / "cluster.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


kafka = load_cluster_module()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.kafka)


@pytest.fixture(scope="session")
def kafka_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Three Apache Kafka nodes on loopback; ``make system-deps`` installs the JDK and Maven they need."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing and not os.environ.get("LOGMESH_REQUIRE_KAFKA"):
        pytest.skip(f"{' and '.join(missing)} not installed: run `make system-deps` for the real-Kafka tier")
    workdir = tmp_path_factory.mktemp("kafka")
    users = {"logmesh": secrets.token_urlsafe(16), "intruder-test": secrets.token_urlsafe(16)}
    cluster = kafka.KafkaCluster(workdir, size=3, sasl_ssl=kafka.SaslSsl(workdir / "tls", users))
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
