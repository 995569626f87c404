"""Creating the mesh's topics on any Kafka-protocol broker (Tansu for the embedded stack, Apache Kafka in production)."""

from __future__ import annotations

from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from logmesh_contracts.topics import TOPICS, all_topic_names, kafka_config_of


class TopicCreationError(RuntimeError):
    """The broker refused some topics (replication factor above the broker count, a policy, ACLs)."""


def topic_plan(
    prefix: str = "", partitions: int | None = None, replication_factor: int = 1, min_insync_replicas: int | None = None
) -> list[dict[str, Any]]:
    """Every mesh topic with its partitions, replication and broker-side config, as it would be created.

    ``min.insync.replicas`` defaults to one less than the replication factor, at most 2: with RF 3 a write
    is acknowledged by two brokers, so one broker can be lost (or restarted) without losing or refusing data.
    """
    if replication_factor < 1:
        raise ValueError("replication factor must be at least 1")
    isr = min_insync_replicas if min_insync_replicas is not None else max(1, min(2, replication_factor - 1))
    if isr > replication_factor:
        raise ValueError(f"min.insync.replicas {isr} exceeds the replication factor {replication_factor}")
    parts = {t.name: t.partitions for t in TOPICS}
    plan = []
    for name in all_topic_names():
        config = kafka_config_of(name)
        if replication_factor > 1:
            config = {"min.insync.replicas": str(isr)} | config
        plan.append({
            "name": prefix + name,
            "partitions": _partitions(parts.get(name, 3), partitions),
            "replication_factor": replication_factor,
            "config": config,
        })
    return plan


def _partitions(registered: int, override: int | None) -> int:
    # a single-partition registry is replayed in one total order: an override never splits it
    return registered if override is None or registered == 1 else override


async def create_topics(
    bootstrap: str,
    prefix: str = "",
    partitions: int | None = None,
    *,
    replication_factor: int = 1,
    min_insync_replicas: int | None = None,
    client_options: dict[str, Any] | None = None,
) -> list[str]:
    """Create every mesh topic (and dead-letter topic) that does not exist yet; returns the names created.

    ``client_options`` are the settings' connection options (TLS, SASL: ``ServiceSettings.kafka_client_options``).
    """
    plan = topic_plan(prefix, partitions, replication_factor, min_insync_replicas)
    options = {"bootstrap_servers": bootstrap} | (client_options or {})
    admin = AIOKafkaAdminClient(**options, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name=t["name"], num_partitions=t["partitions"], replication_factor=t["replication_factor"],
                     topic_configs=t["config"])
            for t in plan
            if t["name"] not in existing
        ]
        if not wanted:
            return []
        response = await admin.create_topics(wanted)
        created, failed = [], []
        for name, code, *rest in response.topic_errors:
            if code == 0:
                created.append(name)
            elif code != TopicAlreadyExistsError.errno:  # made meanwhile (another Job, a second replica)
                failed.append(f"{name}: {for_code(code).__name__} {rest[0] if rest and rest[0] else ''}".rstrip())
        if failed:
            raise TopicCreationError(f"{len(failed)} topic(s) not created: " + "; ".join(failed[:5]))
        return sorted(created)
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m logmesh_runtime.topic_admin``: what the deploy's topic-creation Job runs (every service
    image has the runtime; ``logmesh create-topics`` is the same for people)."""
    import argparse
    import asyncio
    import json
    import os
    import sys
    import time

    from logmesh_runtime.settings import ServiceSettings

    parser = argparse.ArgumentParser(prog="python -m logmesh_runtime.topic_admin", description=main.__doc__)
    parser.add_argument("--bootstrap", default=os.environ.get("LOGMESH_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--prefix", default=os.environ.get("LOGMESH_TOPIC_PREFIX", ""))
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--replication-factor", type=int, default=1)
    parser.add_argument("--min-insync-replicas", type=int, default=None)
    parser.add_argument("--retries", type=int, default=30, help="attempts while the brokers start")
    parser.add_argument("--json", action="store_true", help="accepted for symmetry with the CLI: output is JSON")
    args = parser.parse_args(argv)
    options = ServiceSettings(service_name="create-topics", kafka_bootstrap=args.bootstrap).kafka_client_options()
    for attempt in range(1, args.retries + 1):
        try:
            created = asyncio.run(create_topics(
                args.bootstrap, args.prefix, args.partitions, replication_factor=args.replication_factor,
                min_insync_replicas=args.min_insync_replicas, client_options=options,
            ))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:
            if attempt == args.retries:
                print(f"cannot create topics on {args.bootstrap}: {exc!r}; check LOGMESH_KAFKA_BOOTSTRAP and "
                      "LOGMESH_KAFKA_SECURITY_PROTOCOL / _SASL_* / _SSL_*", file=sys.stderr)
                return 1
            time.sleep(2)
            continue
        print(json.dumps({"created": created, "total": len(all_topic_names())}))
        return 0
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
