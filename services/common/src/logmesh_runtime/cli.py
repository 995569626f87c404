"""``logmesh``: the operator's command line.

Core commands live here; services add their own sub-commands through the
``logmesh.cli`` entry-point group (a ``typer.Typer`` or a plain function), so the CLI
never imports a service it does not need.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated

import typer

from logmesh_contracts.topics import SERVICES, TOPICS, all_topic_names

app = typer.Typer(help="logmesh: log and alert intelligence for Kubernetes.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def emit(data: object, as_json: bool, human: str | None = None) -> None:
    if as_json:
        print(json.dumps(data, default=str))
    else:
        print(human if human is not None else json.dumps(data, indent=2, default=str))


@app.command()
def up(
    demo: Annotated[bool, typer.Option(help="Feed the bundled demo scenario through the mesh, show results, exit.")] = False,
    services: Annotated[str, typer.Option(help="Comma-separated subset of services to run.")] = ",".join(SERVICES),
    workdir: Annotated[Path, typer.Option(help="Where state and logs go.")] = Path(".logmesh"),
    bootstrap: Annotated[str | None, typer.Option(help="Use this Kafka instead of starting Tansu.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Start the broker and services on embedded defaults (Tansu, chDB, local Qdrant)."""
    from logmesh_runtime.stack import Stack

    chosen = tuple(s.strip() for s in services.split(",") if s.strip())
    unknown = set(chosen) - set(SERVICES)
    if unknown:
        raise typer.BadParameter(f"unknown service(s) {sorted(unknown)}; choose from {', '.join(SERVICES)}")
    stack = Stack(workdir=workdir.resolve(), services=chosen, broker_bootstrap=bootstrap)
    if not as_json:
        print(f"starting logmesh in {workdir} ...", flush=True)
    try:
        stack.start(progress=not as_json)
        endpoints = {"kafka": stack.bootstrap, **{n: p.url for n, p in stack.processes.items()}}
        if as_json:
            emit({"endpoints": endpoints}, True)
        if demo:
            from logmesh_runtime.demo import run_demo

            summary = run_demo(stack, progress=not as_json)
            emit(summary, as_json, human=None if as_json else "")
            return
        if not as_json:
            print("mesh is up; Ctrl-C stops it", flush=True)
        while True:
            for name, process in stack.processes.items():
                if process.proc is not None and process.proc.poll() is not None:
                    print(f"{name} exited ({process.proc.returncode}); see {process.log_path}", file=sys.stderr)
                    raise typer.Exit(1)
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


@app.command()
def topics(as_json: JsonFlag = False) -> None:
    """List the mesh's topics: model, key, producers, consumers."""
    rows = [
        {
            "topic": t.name,
            "model": t.model.__name__,
            "key": t.key,
            "producers": list(t.producers),
            "consumers": list(t.consumers),
            "dead_letter": t.dead_letter,
        }
        for t in TOPICS
    ]
    human = "\n".join(
        f"{r['topic']:<20} {r['model']:<20} {','.join(r['producers']):<40} -> {','.join(r['consumers'])}" for r in rows
    )
    emit(rows, as_json, human)


@app.command("create-topics")
def create_topics_command(
    bootstrap: Annotated[str, typer.Option(envvar="LOGMESH_KAFKA_BOOTSTRAP")] = "127.0.0.1:9092",
    prefix: Annotated[str, typer.Option(envvar="LOGMESH_TOPIC_PREFIX")] = "",
    retries: Annotated[int, typer.Option(help="Attempts while the broker starts.")] = 30,
    as_json: JsonFlag = False,
) -> None:
    """Create every mesh topic and dead-letter topic that does not exist yet (idempotent)."""
    from logmesh_runtime.stack import create_topics

    for attempt in range(1, retries + 1):
        try:
            created = asyncio.run(create_topics(bootstrap, prefix))
            break
        except Exception as exc:
            if attempt == retries:
                print(f"cannot reach Kafka at {bootstrap}: {exc}; check LOGMESH_KAFKA_BOOTSTRAP", file=sys.stderr)
                raise typer.Exit(1) from exc
            time.sleep(2)
    emit({"created": created, "total": len(all_topic_names())}, as_json,
         f"created {len(created)} topic(s); {len(all_topic_names())} in the mesh")


@app.command()
def tail(
    topic: Annotated[str, typer.Argument(help="Topic name, e.g. analysis.results")],
    bootstrap: Annotated[str, typer.Option(envvar="LOGMESH_KAFKA_BOOTSTRAP")] = "127.0.0.1:9092",
    prefix: Annotated[str, typer.Option(envvar="LOGMESH_TOPIC_PREFIX")] = "",
    from_beginning: Annotated[bool, typer.Option("--from-beginning")] = False,
    limit: Annotated[int, typer.Option(help="Stop after this many messages (0: follow).")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Print messages of a topic as they arrive."""
    if topic not in all_topic_names():
        raise typer.BadParameter(f"unknown topic {topic!r}; `logmesh topics` lists them")

    async def follow() -> None:
        from aiokafka import AIOKafkaConsumer

        consumer = AIOKafkaConsumer(
            prefix + topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest" if from_beginning else "latest",
            enable_auto_commit=False,
        )
        await consumer.start()
        seen = 0
        try:
            async for record in consumer:
                value = record.value.decode("utf-8", "replace") if record.value else ""
                if as_json:
                    print(json.dumps({"partition": record.partition, "offset": record.offset,
                                      "key": record.key.decode("utf-8", "replace") if record.key else None,
                                      "value": _maybe_json(value)}), flush=True)
                else:
                    print(f"{record.partition}:{record.offset} {value}", flush=True)
                seen += 1
                if limit and seen >= limit:
                    return
        finally:
            await consumer.stop()

    try:
        asyncio.run(follow())
    except KeyboardInterrupt:
        pass


def _maybe_json(value: str) -> object:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _load_plugins() -> None:
    for entry in entry_points(group="logmesh.cli"):
        try:
            target = entry.load()
        except Exception as exc:  # a broken plugin must not take the whole CLI down
            print(f"warning: CLI plugin {entry.name} failed to load: {exc}", file=sys.stderr)
            continue
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=entry.name)
        else:
            app.command(name=entry.name)(target)


def main() -> None:
    _load_plugins()
    app()


if __name__ == "__main__":
    main()
