"""Create the mesh's topics from the registry: ``python -m logmesh_runtime.topics --bootstrap kafka:9092``.

Idempotent (existing topics are left alone), so a deployment runs it as an init job before the services
start; it ships with the runtime because production images carry nothing else (``logmesh create-topics``
in the developer CLI calls the same function).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from logmesh_contracts.topics import TOPICS, all_topic_names


async def create_topics(bootstrap: str, prefix: str = "", partitions: int | None = None) -> list[str]:
    """Create every mesh topic (and dead-letter topic) that does not exist yet."""
    compacted = {t.name for t in TOPICS if t.compacted}
    parts = {t.name: t.partitions for t in TOPICS}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=prefix + name,
                num_partitions=partitions or parts.get(name, 3),
                replication_factor=1,
                topic_configs={"cleanup.policy": "compact"} if name in compacted else {},
            )
            for name in all_topic_names()
            if prefix + name not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m logmesh_runtime.topics", description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default=os.environ.get("LOGMESH_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--prefix", default=os.environ.get("LOGMESH_TOPIC_PREFIX", ""))
    parser.add_argument("--retries", type=int, default=30, help="attempts while the broker starts (2 s apart)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    for attempt in range(1, args.retries + 1):
        try:
            created = asyncio.run(create_topics(args.bootstrap, args.prefix))
            break
        except Exception as exc:
            if attempt == args.retries:
                print(f"cannot reach Kafka at {args.bootstrap}: {exc}; check LOGMESH_KAFKA_BOOTSTRAP", file=sys.stderr)
                return 1
            time.sleep(2)
    total = len(all_topic_names())
    print(json.dumps({"created": created, "total": total}) if args.json
          else f"created {len(created)} topic(s); {total} in the mesh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
