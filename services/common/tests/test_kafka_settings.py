"""Kafka connection settings: every client's TLS/SASL options come from one place, and incomplete or
placeholder security settings stop a service at start with the variable to fix."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from logmesh_runtime.kafka import faststream_security
from logmesh_runtime.settings import ServiceSettings
from logmesh_runtime.topic_admin import topic_plan


def settings(**values: object) -> ServiceSettings:
    return ServiceSettings(service_name="ingestion", **values)  # type: ignore[arg-type]


def test_plaintext_is_the_default_and_adds_nothing() -> None:
    s = settings(kafka_bootstrap="a:9092, b:9092,c:9092")
    assert s.kafka_client_options() == {"bootstrap_servers": ["a:9092", "b:9092", "c:9092"]}
    assert faststream_security(s) is None


def test_sasl_ssl_options_carry_mechanism_user_and_a_tls_context() -> None:
    s = settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-512",
                 kafka_sasl_username="logmesh", kafka_sasl_password="a-real-secret-123")
    options = s.kafka_security_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "logmesh"
    assert options["sasl_plain_password"] == "a-real-secret-123"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].check_hostname
    assert "a-real-secret-123" not in repr(s)  # a SecretStr: never in logs
    security = faststream_security(s)
    assert type(security).__name__ == "SASLScram512" and security.use_ssl


def test_sasl_without_credentials_is_refused_naming_the_variables() -> None:
    with pytest.raises(ValidationError, match="LOGMESH_KAFKA_SASL_USERNAME"):
        settings(kafka_security_protocol="SASL_SSL")


def test_a_placeholder_password_is_refused() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_username="u", kafka_sasl_password="changeme")


def test_a_client_certificate_needs_its_key() -> None:
    with pytest.raises(ValidationError, match="LOGMESH_KAFKA_SSL_KEYFILE"):
        settings(kafka_security_protocol="SSL", kafka_ssl_certfile=Path("/tmp/client.pem"))


def test_topic_plan_sets_replication_isr_and_registry_configs() -> None:
    plan = {t["name"]: t for t in topic_plan("p.", partitions=12, replication_factor=3)}
    assert plan["p.logs.raw"]["partitions"] == 12
    assert plan["p.templates.events"]["partitions"] == 1  # a registry keeps its single partition
    assert plan["p.templates.events"]["config"]["cleanup.policy"] == "compact"
    assert plan["p.logs.raw"]["config"] == {"min.insync.replicas": "2", "retention.ms": str(72 * 3_600_000)}
    assert plan["p.feedback.dlq"]["config"]["retention.ms"] == str(14 * 24 * 3_600_000)
    assert "min.insync.replicas" not in topic_plan(replication_factor=1)[0]["config"]
    with pytest.raises(ValueError, match="exceeds"):
        topic_plan(replication_factor=2, min_insync_replicas=3)


def test_create_topics_dry_run_prints_the_plan() -> None:
    logmesh = Path(sys.executable).parent / "logmesh"
    result = subprocess.run([str(logmesh), "create-topics", "--dry-run", "--replication-factor", "3", "--json"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    topics = {t["name"]: t for t in json.loads(result.stdout)["topics"]}
    assert topics["notifications.sent"]["config"]["cleanup.policy"] == "compact"
    assert topics["logs.records"]["replication_factor"] == 3
