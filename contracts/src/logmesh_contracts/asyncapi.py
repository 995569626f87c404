"""Generate the mesh's AsyncAPI document from the topic registry (FastStream builds it).

``python -m logmesh_contracts.asyncapi export`` writes ``docs/asyncapi.json``; ``check``
fails when the committed document no longer matches the registry.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from logmesh_contracts.topics import EXTERNAL, TOPICS

DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"


def build() -> dict:
    from faststream.kafka import KafkaBroker
    from faststream.specification import AsyncAPI

    broker = KafkaBroker("kafka:9092", description="logmesh event mesh")
    for topic in TOPICS:
        for consumer in topic.consumers:
            if consumer == EXTERNAL:
                continue

            async def handler(message: topic.model) -> None:  # type: ignore[name-defined]
                """Schema carrier only: the running services register their own handlers."""

            broker.subscriber(
                topic.name,
                group_id=consumer,
                title=f"{consumer}:{topic.name}",
                description=f"{topic.description} Key: {topic.key}.",
            )(handler)
        for producer in topic.producers:
            if producer == EXTERNAL:
                continue
            broker.publisher(
                topic.name,
                title=f"{producer}:{topic.name}:publish",
                description=f"{producer} publishes {topic.model.__name__} keyed by {topic.key}.",
                schema=topic.model,
            )
    spec = AsyncAPI(broker, title="logmesh", version="0.1.0", description="Topics of the logmesh mesh.")
    return json.loads(spec.to_specification().to_json())


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    command = (argv or sys.argv[1:] or ["check"])[0]
    if command == "export":
        DOC_PATH.write_text(render())
        print(DOC_PATH)
        return 0
    if not DOC_PATH.exists() or DOC_PATH.read_text() != render():
        print(f"{DOC_PATH} is out of date: run `make schemas`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
