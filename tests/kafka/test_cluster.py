"""The runtime on a real 3-broker Apache Kafka cluster: idempotent producers, topic creation, SASL_SSL."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError

from logmesh_contracts import Feedback
from logmesh_contracts.topics import FEEDBACK, LOGS_RAW, TEMPLATES_EVENTS
from logmesh_runtime import kafka as kafka_runtime
from logmesh_runtime.kafka import Delivery, producer_idempotence
from logmesh_runtime.service import Service
from logmesh_runtime.settings import ServiceSettings
from logmesh_runtime.topic_admin import TopicCreationError, create_topics
from logmesh_testing import read_topic, wait_until

pytestmark = [pytest.mark.timeout(300)]


def feedback(n: int) -> Feedback:
    return Feedback(event_id=f"fb-{n}", incident_id=f"inc-{n % 7}", verdict="correct", given_by="tester",
                    given_at=datetime(2026, 1, 1, tzinfo=UTC), channel="http")


def sasl_settings(cluster: Any, mechanism: str, prefix: str, password: str | None = None) -> ServiceSettings:
    tls = cluster.sasl_ssl
    return ServiceSettings(
        service_name="knowledge-storage", kafka_bootstrap=cluster.sasl_bootstrap, topic_prefix=prefix,
        kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism=mechanism, kafka_sasl_username="logmesh",
        kafka_sasl_password=password or tls.users["logmesh"], kafka_ssl_cafile=tls.ca,
        kafka_ssl_certfile=tls.client_cert, kafka_ssl_keyfile=tls.client_key, shutdown_grace_s=2.0,
    )


async def test_idempotent_producer_with_acks_all_on_three_brokers(kafka_cluster: Any) -> None:
    prefix = f"idem{uuid.uuid4().hex[:6]}."
    await create_topics(kafka_cluster.bootstrap, prefix, replication_factor=3)
    settings = ServiceSettings(service_name="knowledge-storage", kafka_bootstrap=kafka_cluster.bootstrap)
    assert await producer_idempotence(settings) is True  # Apache Kafka grants producer ids

    producer = AIOKafkaProducer(bootstrap_servers=kafka_cluster.bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for n in range(200):
            await producer.send(prefix + FEEDBACK.name, feedback(n).model_dump_json().encode(), key=f"k{n}".encode())
        await producer.flush()
    finally:
        await producer.stop()
    records = await read_topic(kafka_cluster.bootstrap, prefix + FEEDBACK.name, timeout_s=20)
    assert sorted(Feedback.model_validate_json(r.value).event_id for r in records) == sorted(
        f"fb-{n}" for n in range(200)
    )


async def test_the_mesh_publishes_idempotently_and_consumes_on_kafka(kafka_cluster: Any) -> None:
    prefix = f"mesh{uuid.uuid4().hex[:6]}."
    await create_topics(kafka_cluster.bootstrap, prefix, replication_factor=3)
    seen: list[str] = []

    async def handle(event: Feedback, _delivery: Delivery) -> None:
        seen.append(event.event_id)

    service = Service(ServiceSettings(service_name="knowledge-storage", kafka_bootstrap=kafka_cluster.bootstrap,
                                      topic_prefix=prefix, shutdown_grace_s=2.0))
    service.mesh.consume(FEEDBACK, handle)
    async with service.running():
        assert service.mesh.idempotent is True
        await service.mesh.publish_many(FEEDBACK, [(f"inc-{n % 7}", feedback(n)) for n in range(300)])
        await wait_until(lambda: len(seen) >= 300, timeout_s=60)
    assert sorted(seen) == sorted(f"fb-{n}" for n in range(300))


async def test_natively_written_batches_are_sequenced_and_read_back_on_kafka(
    kafka_cluster: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The runtime writes record batches itself (runtime_native.write_publish); with idempotence on, Kafka checks
    each batch's CRC, producer id/epoch and base sequence (stamped at send time). Small batches: many per partition
    and publish, so sequences must advance by each batch's record count. Everything reads back once, in key order."""
    prefix = f"native{uuid.uuid4().hex[:6]}."
    await create_topics(kafka_cluster.bootstrap, prefix, replication_factor=3)
    service = Service(ServiceSettings(service_name="ingestion", kafka_bootstrap=kafka_cluster.bootstrap,
                                      topic_prefix=prefix, kafka_batch_bytes=4096, shutdown_grace_s=2.0))
    stamped: list[tuple[int, int, int, int]] = []  # what the sender stamped: producer id, epoch, base sequence, count
    stamp = kafka_runtime._WrittenBatch._set_producer_state

    def recording(batch: Any, producer_id: int, producer_epoch: int, base_sequence: int) -> None:
        stamped.append((producer_id, producer_epoch, base_sequence, batch.record_count()))
        stamp(batch, producer_id, producer_epoch, base_sequence)

    monkeypatch.setattr(kafka_runtime._WrittenBatch, "_set_producer_state", recording)
    await service.mesh.start_producer()
    sent: list[tuple[bytes | None, bytes]] = []
    try:
        assert service.mesh.idempotent is True and service.mesh._writer is not None
        for publish in range(3):
            items = [(None if n % 11 == 0 else f"org/svc-{n % 6}", f"p{publish} n{n} {'x' * (n % 300)}".encode())
                     for n in range(2_000)]
            await service.mesh.publish_many(LOGS_RAW, items)
            sent += [(key.encode() if key else None, value) for key, value in items]
    finally:
        await service.mesh.stop()
    records = await read_topic(kafka_cluster.bootstrap, prefix + LOGS_RAW.name, timeout_s=30)
    assert len(records) == len(sent)
    by_key: dict[bytes | None, list[bytes]] = {}
    for record in records:
        by_key.setdefault(record.key, []).append(record.value)
    expected: dict[bytes | None, list[bytes]] = {}
    for key, value in sent:
        expected.setdefault(key, []).append(value)
    assert {k: v for k, v in by_key.items() if k is not None} == {k: v for k, v in expected.items() if k is not None}
    assert sorted(by_key[None]) == sorted(expected[None])  # keyless: one partition per publish, order per publish
    assert len(stamped) > 9 and sum(count for *_, count in stamped) == len(sent)  # every batch carried the state
    assert len({(producer_id, epoch) for producer_id, epoch, *_ in stamped}) == 1 and stamped[0][0] >= 0


async def test_create_topics_applies_replication_and_registry_configs(kafka_cluster: Any) -> None:
    prefix = f"cfg{uuid.uuid4().hex[:6]}."
    created = await create_topics(kafka_cluster.bootstrap, prefix, replication_factor=3)
    assert prefix + LOGS_RAW.name in created and prefix + TEMPLATES_EVENTS.dead_letter in created
    assert await create_topics(kafka_cluster.bootstrap, prefix, replication_factor=3) == []  # idempotent

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_cluster.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([prefix + LOGS_RAW.name, prefix + TEMPLATES_EVENTS.name])
        for topic in described:
            assert all(len(p["replicas"]) == 3 for p in topic["partitions"]), topic
        assert len(next(t for t in described if t["topic"].endswith(TEMPLATES_EVENTS.name))["partitions"]) == 1
        responses = await admin.describe_configs([
            ConfigResource(ConfigResourceType.TOPIC, prefix + name)
            for name in (LOGS_RAW.name, TEMPLATES_EVENTS.name, LOGS_RAW.dead_letter)
        ])
    finally:
        await admin.close()
    configs: dict[str, dict[str, str]] = {}
    for response in responses:
        for resource in response.resources:
            configs[resource[3]] = {entry[0]: entry[1] for entry in resource[4]}
    assert configs[prefix + LOGS_RAW.name]["retention.ms"] == str(72 * 3_600_000)
    assert configs[prefix + LOGS_RAW.name]["cleanup.policy"] == "delete"
    assert configs[prefix + LOGS_RAW.name]["min.insync.replicas"] == "2"
    assert configs[prefix + TEMPLATES_EVENTS.name]["cleanup.policy"] == "compact"
    assert configs[prefix + LOGS_RAW.dead_letter]["retention.ms"] == str(336 * 3_600_000)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-512"])
async def test_services_connect_over_sasl_ssl_through_settings(kafka_cluster: Any, mechanism: str) -> None:
    prefix = f"sasl{uuid.uuid4().hex[:6]}."
    settings = sasl_settings(kafka_cluster, mechanism, prefix)
    # the admin client, the producer and the consumer group all go through the settings
    await create_topics(settings.kafka_bootstrap, prefix, replication_factor=3,
                        client_options=settings.kafka_client_options())
    seen: list[str] = []

    async def handle(event: Feedback, _delivery: Delivery) -> None:
        seen.append(event.event_id)

    service = Service(settings)
    service.mesh.consume(FEEDBACK, handle)
    async with service.running():
        assert service.mesh.idempotent is True
        await service.mesh.publish_many(FEEDBACK, [(f"inc-{n}", feedback(n)) for n in range(50)])
        await wait_until(lambda: len(seen) >= 50, timeout_s=60)
    assert sorted(seen) == sorted(f"fb-{n}" for n in range(50))


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-512"])
async def test_a_wrong_password_is_refused(kafka_cluster: Any, mechanism: str) -> None:
    settings = sasl_settings(kafka_cluster, mechanism, "", password="not-the-password-" + uuid.uuid4().hex)
    with pytest.raises(KafkaError):
        await create_topics(settings.kafka_bootstrap, "refused.", client_options=settings.kafka_client_options())


async def test_plaintext_clients_cannot_use_the_sasl_ssl_listener(kafka_cluster: Any) -> None:
    settings = ServiceSettings(service_name="knowledge-storage", kafka_bootstrap=kafka_cluster.sasl_bootstrap,
                               kafka_request_timeout_ms=3000)
    with pytest.raises(KafkaError):
        await create_topics(settings.kafka_bootstrap, "refused.", client_options=settings.kafka_client_options())


async def test_the_create_topics_command_connects_over_sasl_ssl_through_the_environment(kafka_cluster: Any) -> None:
    tls = kafka_cluster.sasl_ssl
    prefix = f"cli{uuid.uuid4().hex[:6]}."
    env = {
        **os.environ,
        "LOGMESH_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "LOGMESH_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "LOGMESH_KAFKA_SASL_USERNAME": "logmesh", "LOGMESH_KAFKA_SASL_PASSWORD": tls.users["logmesh"],
        "LOGMESH_KAFKA_SSL_CAFILE": str(tls.ca), "LOGMESH_KAFKA_SSL_CERTFILE": str(tls.client_cert),
        "LOGMESH_KAFKA_SSL_KEYFILE": str(tls.client_key),
    }
    command = [str(Path(sys.executable).parent / "logmesh"), "create-topics", "--bootstrap",
               kafka_cluster.sasl_bootstrap, "--prefix", prefix, "--replication-factor", "3", "--retries", "1", "--json"]
    result = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["created"]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_cluster.bootstrap)
    await admin.start()
    try:
        assert prefix + LOGS_RAW.name in await admin.list_topics()
    finally:
        await admin.close()


async def test_the_brokers_require_a_client_certificate(kafka_cluster: Any) -> None:
    tls = kafka_cluster.sasl_ssl
    settings = ServiceSettings(
        service_name="knowledge-storage", kafka_bootstrap=kafka_cluster.sasl_bootstrap,
        kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-512", kafka_sasl_username="logmesh",
        kafka_sasl_password=tls.users["logmesh"], kafka_ssl_cafile=tls.ca, kafka_request_timeout_ms=3000,
    )
    with pytest.raises(KafkaError):
        await create_topics(settings.kafka_bootstrap, "refused.", client_options=settings.kafka_client_options())


async def test_a_replication_factor_above_the_broker_count_is_an_error_not_a_silent_skip(kafka_cluster: Any) -> None:
    with pytest.raises(TopicCreationError, match="InvalidReplicationFactor"):
        await create_topics(kafka_cluster.bootstrap, f"rf4{uuid.uuid4().hex[:6]}.", replication_factor=4,
                            min_insync_replicas=2)
