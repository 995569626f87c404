"""``logmesh``: the operator's command line.

Core commands live here; services add their own sub-commands through the
``logmesh.cli`` entry-point group (a ``typer.Typer`` or a plain function), so the CLI
never imports a service it does not need.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any

import typer

from logmesh_contracts.topics import OPERATOR_SURFACES, SERVICES, TOPICS, all_topic_names
from logmesh_devstack.keys_cli import app as keys_app
from logmesh_runtime import endpoints as mesh_endpoints
from logmesh_runtime.endpoints import ENDPOINTS_FILE

app = typer.Typer(help="logmesh: log and alert intelligence for Kubernetes.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
BootstrapOption = Annotated[str | None, typer.Option(
    envvar="LOGMESH_KAFKA_BOOTSTRAP", help="Kafka bootstrap; default: the broker `logmesh up` started, else 127.0.0.1:9092.")]


def kafka_security() -> dict[str, object]:
    """TLS/SASL for the CLI's own Kafka clients, from the same LOGMESH_KAFKA_* variables the services read."""
    from logmesh_runtime.settings import ServiceSettings

    return ServiceSettings(service_name="logmesh-cli").kafka_security_options()


def emit(data: object, as_json: bool, human: str | None = None) -> None:
    if as_json:
        print(json.dumps(data, default=str))
    else:
        print(human if human is not None else json.dumps(data, indent=2, default=str))


@app.command()
def up(
    demo: Annotated[bool, typer.Option(help="Feed the bundled demo scenario through the mesh, show results, exit.")] = False,
    services: Annotated[str, typer.Option(help="Comma-separated subset of services to run.")] = ",".join(
        (*SERVICES, *OPERATOR_SURFACES)),
    workdir: Annotated[Path, typer.Option(help="Where state and logs go.")] = Path(".logmesh"),
    bootstrap: Annotated[str | None, typer.Option(help="Use this Kafka instead of starting Tansu.")] = None,
    demo_timeout: Annotated[float, typer.Option(help="With --demo: seconds to wait for the analysis.")] = 120.0,
    as_json: JsonFlag = False,
) -> None:
    """Start the broker and services on embedded defaults (Tansu, chDB, local Qdrant)."""
    from logmesh_devstack.stack import Stack, Supervisor

    chosen = tuple(s.strip() for s in services.split(",") if s.strip())
    unknown = set(chosen) - {*SERVICES, *OPERATOR_SURFACES}
    if unknown:
        raise typer.BadParameter(f"unknown service(s) {sorted(unknown)}; choose from "
                                 f"{', '.join((*SERVICES, *OPERATOR_SURFACES))}")
    from logmesh_devstack.demo import DEMO_TOKEN, cluster_simulator

    workdir = workdir.resolve()
    from logmesh_devstack.runlock import AlreadyRunning, Child, RunLock
    from logmesh_runtime.auth import KeyStore

    _stop_on_sigterm()
    lock = RunLock(workdir)
    try:
        notes = lock.acquire()
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    with contextlib.ExitStack() as resources:
        resources.callback(lock.release)
        for note in notes:
            print(note, file=sys.stderr)
        if not bootstrap:
            _fresh_state(workdir, quiet=as_json)
        # a development admin key for this checkout's CLI (every command sends it); services read the same store
        keys = KeyStore(workdir / "data" / "keys.sqlite")
        with_keys = os.environ.get("LOGMESH_AUTH", "keys") != "off"
        key_id, dev_key = keys.create("default", ["admin"], name="logmesh up (dev)") if with_keys else ("", "")
        service_env: dict[str, dict[str, str]] = {}
        if dev_key:  # the console reads the services on the operator's behalf, with the dev key
            # (its own pages stay open: a browser on loopback, in the dev stack only)
            service_env["console"] = {"LOGMESH_API_KEY": dev_key, "LOGMESH_AUTH": "off"}
        sim: dict[str, str] = {}
        if demo:
            service_env["alert-intake"] = {"LOGMESH_INTAKE_TOKENS": DEMO_TOKEN}
            if "cluster-watching" in chosen:
                sim = resources.enter_context(cluster_simulator(workdir))
                service_env["cluster-watching"] = {"LOGMESH_KUBECONFIG": sim["kubeconfig"]}
                if not as_json:
                    print(f"kubernetes {sim['url']} (loopback API server, scenario {sim['scenario']})", flush=True)
        stack = Stack(workdir=workdir, services=chosen, broker_bootstrap=bootstrap, service_env=service_env,
                      auth="keys" if with_keys else "off")
        resources.callback(stack.stop)
        if not as_json:
            print(f"starting logmesh in {workdir} ...", flush=True)
        stack.start(progress=not as_json)
        lock.write([Child(n, p.proc.pid) for n, p in stack.processes.items() if p.proc]
                   + ([Child("broker", stack.broker.proc.pid)] if stack.broker and stack.broker.proc else [])
                   + ([Child("k8s-sim", int(sim["pid"]))] if sim.get("pid") else []))
        endpoints = {"kafka": stack.bootstrap, **{n: p.url for n, p in stack.processes.items()}}
        ENDPOINTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        ENDPOINTS_FILE.touch(mode=0o600)  # it holds a key
        ENDPOINTS_FILE.write_text(json.dumps({**endpoints, **({"api_key": dev_key} if dev_key else {})}, indent=2))
        resources.callback(ENDPOINTS_FILE.unlink, missing_ok=True)  # a stopped mesh leaves no addresses behind
        if key_id:
            resources.callback(keys.revoke, key_id)  # a dev key dies with its mesh
        if as_json:
            emit({"endpoints": endpoints}, True)
        if demo:
            from logmesh_devstack.demo import run_demo

            summary = run_demo(stack, progress=not as_json, timeout_s=demo_timeout)
            if as_json:
                emit(summary, True)
            if "analysis" not in summary:
                print(f"the demo produced no analysis; see the logs under {workdir / 'logs'}", file=sys.stderr)
                raise typer.Exit(1)
            return
        if not as_json:
            print("mesh is up; Ctrl-C (or SIGTERM) stops it", flush=True)
        # a service that exits is restarted with backoff; the broker (and the data in it) stays up.
        # SIGTERM stops like Ctrl-C: every service gets SIGTERM (finishing and committing), then the broker.
        signal.signal(signal.SIGTERM, _interrupt)
        supervisor = Supervisor(stack)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                for line in supervisor.tick():
                    print(line, file=sys.stderr, flush=True)
                time.sleep(0.5)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm() -> None:
    """SIGTERM, SIGHUP and SIGINT unwind like Ctrl-C, so every child is stopped and the lock released
    (SIGINT too: a shell starts background jobs with it ignored, and `kill -INT` must still stop `up`)."""
    import signal

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, interrupt)


def _fresh_state(workdir: Path, quiet: bool) -> None:
    """The embedded broker keeps topics in memory: state kept from an earlier run (incidents marked
    analysed, consumer positions, stored logs) would disagree with the empty broker, so it goes."""
    import shutil

    data = workdir / "data"
    if data.exists() and any(data.iterdir()):
        shutil.rmtree(data)
        if not quiet:
            print(f"fresh state: removed {data} from the previous run (the embedded broker starts empty; "
                  "pass --bootstrap to keep state with a durable Kafka)", flush=True)


def endpoints() -> dict[str, str]:
    """Where `logmesh up` said each service listens (LOGMESH_<SERVICE>_URL overrides)."""
    found = mesh_endpoints.load()
    found.pop("api_key", None)  # a key, not an address
    return found


def api_key() -> str | None:
    """The key CLI commands send: LOGMESH_API_KEY, else the development key `logmesh up` wrote."""
    import os

    if os.environ.get("LOGMESH_API_KEY"):
        return os.environ["LOGMESH_API_KEY"]
    found = json.loads(ENDPOINTS_FILE.read_text()) if ENDPOINTS_FILE.exists() else {}
    return found.get("api_key") or None


def auth_headers() -> dict[str, str]:
    key = api_key()
    return {"Authorization": f"Bearer {key}"} if key else {}


def service_url(name: str) -> str:
    url = endpoints().get(name)
    if not url:
        print(f"no address for {name}: run `logmesh up` or set LOGMESH_{name.upper().replace('-', '_')}_URL",
              file=sys.stderr)
        raise typer.Exit(2)
    return url


@app.command()
def status(as_json: JsonFlag = False) -> None:
    """Readiness of every service `logmesh up` started (or LOGMESH_<SERVICE>_URL names)."""
    import httpx

    rows = []
    for name in (*SERVICES, *(["console"] if "console" in endpoints() else [])):
        url = endpoints().get(name)
        if not url:
            rows.append({"service": name, "url": None, "ready": False, "detail": "not running"})
            continue
        try:
            response = httpx.get(f"{url}/ready", timeout=3)
            rows.append({"service": name, "url": url, "ready": response.status_code == 200, "detail": response.json()})
        except httpx.HTTPError as exc:
            rows.append({"service": name, "url": url, "ready": False, "detail": str(exc)})
    human = "\n".join(f"{'ready' if r['ready'] else 'DOWN ':<6} {r['service']:<18} {r['url'] or ''}" for r in rows)
    emit(rows, as_json, human)
    if not all(r["ready"] for r in rows):
        raise typer.Exit(1)


@app.command("send-logs")
def send_logs(
    path: Annotated[Path, typer.Argument(help="NDJSON file of log records, or - for stdin.")],
    org: Annotated[str, typer.Option(help="Org for records without one.")] = "default",
    batch: Annotated[int, typer.Option(help="Records per request.")] = 1000,
    token: Annotated[str | None, typer.Option(envvar="LOGMESH_INGEST_TOKEN")] = None,
    as_json: JsonFlag = False,
) -> None:
    """POST log records to ingestion in batches, showing progress."""
    import httpx

    if str(path) != "-" and not path.is_file():
        print(f"error: {path} is not a readable file; pass NDJSON log records, or - for stdin", file=sys.stderr)
        raise typer.Exit(2)
    lines = (sys.stdin if str(path) == "-" else path.open(errors="replace")).read().splitlines()
    records = []
    for line in lines:
        if line.strip():
            try:
                record = json.loads(line)
            except ValueError:
                record = {"message": line}
            if isinstance(record, dict):
                record.setdefault("org", org)
            records.append(record)
    url = service_url("ingestion") + "/logs/ingest"
    headers = {"Authorization": f"Bearer {token}"} if token else auth_headers()
    totals: dict[str, Any] = {"accepted": 0, "rejected": 0, "errors": []}
    with typer.progressbar(range(0, len(records), batch), label="sending", file=sys.stderr) as chunks:
        for start in chunks:
            try:
                response = httpx.post(url, json={"logs": records[start:start + batch]}, headers=headers, timeout=60)
                body = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                print(f"error: ingestion at {url} did not answer ({exc}); is `logmesh up` running?", file=sys.stderr)
                raise typer.Exit(2) from None
            if response.status_code >= 500:
                print(f"ingestion answered {response.status_code}: {body}; retry later", file=sys.stderr)
                raise typer.Exit(1)
            totals["accepted"] += body.get("accepted", 0)
            totals["rejected"] += body.get("rejected", 0)
            totals["errors"] += body.get("errors", [])[:20]
    emit(totals, as_json, f"accepted {totals['accepted']}, rejected {totals['rejected']}")
    if records and not totals["accepted"]:
        print(f"error: every record was rejected; first reasons: {totals['errors'][:3]}", file=sys.stderr)
        raise typer.Exit(1)


@app.command("send-alert")
def send_alert(
    alertname: Annotated[str, typer.Argument()],
    label: Annotated[list[str], typer.Option("--label", "-l", help="key=value, repeatable")] = [],  # noqa: B006
    summary: Annotated[str, typer.Option()] = "",
    resolved: Annotated[bool, typer.Option("--resolved")] = False,
    token: Annotated[str | None, typer.Option(envvar="LOGMESH_INTAKE_TOKEN")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Send one alert to alert-intake as an Alertmanager v4 webhook."""
    from datetime import UTC, datetime

    import httpx

    bad = [item for item in label if "=" not in item or not item.split("=", 1)[0].strip()]
    if bad:
        raise typer.BadParameter(f"{bad[0]!r} is not key=value, e.g. -l namespace=shop", param_hint="--label")
    labels = {"alertname": alertname, **dict(item.split("=", 1) for item in label)}
    status_ = "resolved" if resolved else "firing"
    now = datetime.now(UTC).replace(second=0, microsecond=0).isoformat()
    payload = {
        "version": "4", "status": status_, "receiver": "logmesh-cli", "groupLabels": {}, "commonLabels": labels,
        "commonAnnotations": {}, "alerts": [{"status": status_, "labels": labels, "annotations": {"summary": summary},
                                             "startsAt": now, "endsAt": now if resolved else "0001-01-01T00:00:00Z"}],
    }
    generated = Path(".logmesh/data/alert-intake/webhook-token")  # alert-intake's own, where API keys are off
    if not token and not api_key() and generated.exists():
        token = generated.read_text().strip()
    headers = {"Authorization": f"Bearer {token}"} if token else auth_headers()
    url = service_url("alert-intake") + "/webhook"
    try:
        response = httpx.post(url, json=payload, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        print(f"error: alert-intake at {url} did not answer ({exc}); is `logmesh up` running?", file=sys.stderr)
        raise typer.Exit(2) from None
    emit({"status": response.status_code, "body": _maybe_json(response.text)}, as_json,
         f"{response.status_code} {response.text}")
    if response.status_code >= 300:
        raise typer.Exit(1)


@app.command()
def feedback(
    incident_id: Annotated[str, typer.Argument()],
    verdict: Annotated[str, typer.Argument(help="correct or incorrect")],
    comment: Annotated[str | None, typer.Option()] = None,
    root_cause: Annotated[str | None, typer.Option(help="The corrected root cause.")] = None,
    by: Annotated[str, typer.Option(help="Who gives the verdict.")] = "cli",
    bootstrap: BootstrapOption = None,
    prefix: Annotated[str, typer.Option(envvar="LOGMESH_TOPIC_PREFIX")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Record a verdict on an analysis (published to the feedback topic)."""
    from aiokafka import AIOKafkaProducer

    from logmesh_contracts import Feedback, stable_id, utcnow
    from logmesh_contracts.topics import FEEDBACK

    if verdict not in {"correct", "incorrect"}:
        raise typer.BadParameter("verdict must be 'correct' or 'incorrect'")
    _require_known_incident(incident_id)
    bootstrap = mesh_endpoints.kafka_bootstrap(bootstrap)
    event = Feedback(
        event_id=stable_id("cli", incident_id, by), incident_id=incident_id, verdict=verdict,  # type: ignore[arg-type]
        given_by=by, given_at=utcnow(), channel="cli", comment=comment, corrected_root_cause=root_cause,
    )

    async def publish() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **kafka_security())
        await producer.start()
        try:
            await producer.send_and_wait(prefix + FEEDBACK.name, event.model_dump_json().encode(),
                                         key=incident_id.encode())
        finally:
            await producer.stop()

    _run_on_kafka(publish(), bootstrap)
    emit(event.model_dump(mode="json"), as_json, f"feedback {verdict} recorded for {incident_id}")


def _require_known_incident(incident_id: str) -> None:
    """A verdict on an incident llm-analysis never saw would be stored nowhere: refuse it."""
    import httpx

    url = endpoints().get("llm-analysis")
    if not url:
        print("warning: llm-analysis's address is unknown (no `logmesh up` here); the incident id is not checked",
              file=sys.stderr)
        return
    try:
        response = httpx.get(f"{url}/api/v1/incidents/{incident_id}", timeout=10)
    except httpx.HTTPError as exc:
        print(f"error: llm-analysis at {url} did not answer ({exc}); is `logmesh up` running?", file=sys.stderr)
        raise typer.Exit(2) from None
    if response.status_code == 404:
        print(f"error: no incident {incident_id!r}; `logmesh incidents` lists them", file=sys.stderr)
        raise typer.Exit(1)


def _run_on_kafka(work: Any, bootstrap: str) -> Any:
    from aiokafka.errors import KafkaError

    try:
        return asyncio.run(work)
    except (KafkaError, OSError) as exc:
        print(f"error: cannot reach Kafka at {bootstrap} ({type(exc).__name__}: {exc}); run `logmesh up` here, "
              "or pass --bootstrap / LOGMESH_KAFKA_BOOTSTRAP", file=sys.stderr)
        raise typer.Exit(2) from None


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
    bootstrap: BootstrapOption = None,
    prefix: Annotated[str, typer.Option(envvar="LOGMESH_TOPIC_PREFIX")] = "",
    partitions: Annotated[int | None, typer.Option(min=1, help="Partitions per topic (default: the registry's).")] = None,
    replication_factor: Annotated[int, typer.Option(min=1, help="Replicas per partition: 3 on a production cluster.")] = 1,
    min_insync_replicas: Annotated[
        int | None, typer.Option(min=1, help="Acks a write needs (default: replication factor - 1, at most 2).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be created, connect to nothing.")] = False,
    retries: Annotated[int, typer.Option(help="Attempts while the broker starts.")] = 30,
    as_json: JsonFlag = False,
) -> None:
    """Create every mesh topic and dead-letter topic that does not exist yet (idempotent).

    Per-topic configs come from the topic registry: compaction for registries, retention for streams.
    TLS and SASL come from the same LOGMESH_KAFKA_* settings the services read.
    """
    from logmesh_runtime.settings import ServiceSettings
    from logmesh_runtime.topic_admin import create_topics, topic_plan

    try:
        plan = topic_plan(prefix, partitions, replication_factor, min_insync_replicas)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if dry_run:
        human = "\n".join(
            f"{t['name']:<28} partitions={t['partitions']} rf={t['replication_factor']} "
            + ",".join(f"{k}={v}" for k, v in t["config"].items())
            for t in plan
        )
        emit({"topics": plan}, as_json, human)
        return
    bootstrap = mesh_endpoints.kafka_bootstrap(bootstrap)
    options = ServiceSettings(service_name="logmesh-cli", kafka_bootstrap=bootstrap).kafka_client_options()
    for attempt in range(1, retries + 1):
        try:
            created = asyncio.run(create_topics(
                bootstrap, prefix, partitions, replication_factor=replication_factor,
                min_insync_replicas=min_insync_replicas, client_options=options,
            ))
            break
        except Exception as exc:
            if attempt == retries:
                print(f"cannot create topics on Kafka at {bootstrap}: {exc!r}; check LOGMESH_KAFKA_BOOTSTRAP and the "
                      "LOGMESH_KAFKA_SECURITY_PROTOCOL / _SASL_* / _SSL_* settings", file=sys.stderr)
                raise typer.Exit(1) from exc
            time.sleep(2)
    emit({"created": created, "total": len(all_topic_names())}, as_json,
         f"created {len(created)} topic(s); {len(all_topic_names())} in the mesh")


@app.command()
def tail(
    topic: Annotated[str, typer.Argument(help="Topic name, e.g. analysis.results")],
    bootstrap: BootstrapOption = None,
    prefix: Annotated[str, typer.Option(envvar="LOGMESH_TOPIC_PREFIX")] = "",
    from_beginning: Annotated[bool, typer.Option("--from-beginning")] = False,
    limit: Annotated[int, typer.Option(help="Stop after this many messages (0: follow).")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Print messages of a topic as they arrive."""
    if topic not in all_topic_names():
        raise typer.BadParameter(f"unknown topic {topic!r}; `logmesh topics` lists them")
    bootstrap = mesh_endpoints.kafka_bootstrap(bootstrap)

    async def follow() -> None:
        from aiokafka import AIOKafkaConsumer

        consumer = AIOKafkaConsumer(
            prefix + topic,
            bootstrap_servers=bootstrap,
            **kafka_security(),
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

    with contextlib.suppress(KeyboardInterrupt):
        _run_on_kafka(follow(), bootstrap)


@app.command()
def audit(
    org: Annotated[str | None, typer.Option(help="Only calls made for this org.")] = None,
    incident: Annotated[str | None, typer.Option(help="Only calls for this incident.")] = None,
    bootstrap: Annotated[str | None, typer.Option(envvar="LOGMESH_KAFKA_BOOTSTRAP")] = None,
    prefix: Annotated[str, typer.Option(envvar="LOGMESH_TOPIC_PREFIX")] = "",
    as_json: JsonFlag = False,
) -> None:
    """What left the mesh: every LLM call (model, endpoint, org, incident, redactions per kind, prompt hash)."""
    from collections import Counter

    from logmesh_contracts import LlmCall
    from logmesh_contracts.topics import LLM_AUDIT
    from logmesh_runtime.replay import read_topic

    bootstrap = bootstrap or endpoints().get("kafka") or "127.0.0.1:9092"
    try:
        raw = asyncio.run(read_topic(bootstrap, prefix + LLM_AUDIT.name, timeout_s=3.0))
    except Exception as exc:
        print(f"cannot read {prefix + LLM_AUDIT.name} at {bootstrap}: {exc}; run `logmesh up` or set "
              "--bootstrap/LOGMESH_KAFKA_BOOTSTRAP", file=sys.stderr)
        raise typer.Exit(1) from exc
    calls = [LlmCall.model_validate_json(r.value) for r in raw]
    calls = [c for c in calls if (org is None or c.org == org) and (incident is None or c.incident_id == incident)]
    calls.sort(key=lambda c: c.called_at)
    kinds: Counter[str] = Counter()
    for call in calls:
        kinds.update(call.redactions)
    summary = {"calls": len(calls), "unredacted_calls": sum(1 for c in calls if not c.redacted),
               "remote_calls": sum(1 for c in calls if not c.local), "redactions": dict(kinds)}
    if as_json:
        emit({"summary": summary, "calls": [c.model_dump(mode="json") for c in calls]}, True)
        return
    for c in calls:
        masked = ", ".join(f"{k}={n}" for k, n in sorted(c.redactions.items())) or "none"
        print(f"{c.called_at:%Y-%m-%d %H:%M:%S} {c.org:12s} {c.incident_id:24s} {c.model} @ {c.endpoint}"
              f" ({'local' if c.local else 'remote'}) redacted={'yes' if c.redacted else 'NO'} [{masked}]"
              f" sha256={c.prompt_sha256[:12]}")
    print(f"{summary['calls']} call(s), {summary['remote_calls']} remote, {summary['unredacted_calls']} unredacted")


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
