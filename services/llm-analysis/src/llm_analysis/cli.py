"""`logmesh eval` and `logmesh analyze` (registered through the `logmesh.cli` entry points)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def eval_command(
    golden: Annotated[list[Path], typer.Option("--golden", help="Golden YAML file or folder (repeatable); "
                                               "default: the bundled set. GoldenLogSample resources load too.")] = [],  # noqa: B006
    model: Annotated[str | None, typer.Option(help="litellm model, e.g. openai/gpt-4o-mini (overrides LOGMESH_LLM_MODELS).")] = None,
    api_base: Annotated[str | None, typer.Option(help="API base for --model.")] = None,
    api_key_env: Annotated[str | None, typer.Option(help="Environment variable holding the key for --model.")] = None,
    deterministic: Annotated[bool, typer.Option("--deterministic", help="Only the no-LLM tier.")] = False,
    output: Annotated[Path | None, typer.Option(help="Also write the report as JSON here, e.g. bench/results/llm-eval.json.")] = None,
    rows: Annotated[bool, typer.Option("--rows", help="Include per-case rows in --json output.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Run the analysis over the golden set: category accuracy, root-cause fact recall, latency, cost."""
    from llm_analysis.evaluation import evaluate, render_table
    from llm_analysis.golden import bundled, load_paths
    from llm_analysis.settings import LlmAnalysisSettings, ModelConfig

    cases = load_paths(golden) if golden else bundled()
    if not cases:
        print("no golden cases found", file=sys.stderr)
        raise typer.Exit(2)
    overrides: dict[str, Any] = {"service_name": "llm-analysis"}
    if model:
        overrides["llm_models"] = json.dumps([ModelConfig(model=model, api_base=api_base,
                                                          api_key_env=api_key_env).model_dump(exclude_none=True)])
    settings = LlmAnalysisSettings(**overrides)
    tiers: list[tuple[str, Any]] = [("deterministic", None)]
    if settings.models() and not deterministic:
        from llm_analysis.adapters.llm import LiteLlmClient

        tiers.append(("llm:" + settings.models()[0].model, LiteLlmClient(settings)))

    async def run() -> list[dict[str, Any]]:
        reports = []
        for tier, client in tiers:
            if not as_json:
                print(f"evaluating {len(cases)} case(s), tier {tier} ...", file=sys.stderr, flush=True)
            reports.append(await evaluate(cases, client, settings, tier))
            if client is not None:
                await client.close()
        return reports

    reports = asyncio.run(run())
    summary: dict[str, Any] = {"golden_cases": len(cases), "tiers": reports}
    if len(reports) > 1 and reports[0]["category_accuracy"]:
        summary["llm_vs_deterministic_accuracy_ratio"] = round(
            reports[1]["category_accuracy"] / reports[0]["category_accuracy"], 3)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    if as_json:
        shown = summary if rows else {**summary, "tiers": [{k: v for k, v in r.items() if k != "rows"} for r in reports]}
        print(json.dumps(shown, default=str))
    else:
        print("\n\n".join(render_table(r) for r in reports))


def analyze_command(
    namespace: Annotated[str | None, typer.Option(help="Namespace to analyse.")] = None,
    pod: Annotated[str | None, typer.Option(help="Pod name.")] = None,
    service: Annotated[str | None, typer.Option(help="Service/workload name.")] = None,
    node: Annotated[str | None, typer.Option(help="Node name.")] = None,
    selector: Annotated[str | None, typer.Option(help="Pod selector, e.g. app=api,tier=web.")] = None,
    since: Annotated[str, typer.Option(help="Window length back from now: 30s, 15m, 2h, 1d.")] = "30m",
    start: Annotated[str | None, typer.Option(help="Window start (ISO-8601); overrides --since.")] = None,
    end: Annotated[str | None, typer.Option(help="Window end (ISO-8601); default now.")] = None,
    severity: Annotated[list[str], typer.Option("--severity", help="Log levels to include (repeatable).")] = [],  # noqa: B006
    analysis_type: Annotated[str, typer.Option("--type", help="root-cause, summary, anomaly or security.")] = "root-cause",
    query: Annotated[str | None, typer.Option(help="Free-text question for the analysis.")] = None,
    org: Annotated[str, typer.Option(help="Org.")] = "default",
    bootstrap: Annotated[str | None, typer.Option(envvar="LOGMESH_KAFKA_BOOTSTRAP",
                                                  help="Default: the broker `logmesh up` started.")] = None,
    prefix: Annotated[str, typer.Option(envvar="LOGMESH_TOPIC_PREFIX")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Request an analysis of a time range: publishes an AnalysisRequest; the result arrives on analysis.results."""
    from aiokafka import AIOKafkaProducer

    from llm_analysis.domain import incident_id_for, opening_from_request
    from llm_analysis.http import analysis_request_from_body
    from logmesh_contracts.topics import ANALYSIS_REQUESTS

    body = {"namespace": namespace, "pod": pod, "service": service, "node": node, "pod_selector": selector,
            "since": since, "start": start, "end": end, "severity": severity, "analysis_type": analysis_type,
            "query": query, "org": org}
    try:
        event = analysis_request_from_body({k: v for k, v in body.items() if v not in (None, [], "")},
                                           requested_by="cli")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc

    from aiokafka.errors import KafkaError

    from logmesh_runtime.endpoints import kafka_bootstrap

    bootstrap = kafka_bootstrap(bootstrap)

    async def publish() -> None:
        from logmesh_runtime.settings import ServiceSettings  # TLS/SASL from LOGMESH_KAFKA_*, as the services

        security = ServiceSettings(service_name="logmesh-cli").kafka_security_options()
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **security)
        await producer.start()
        try:
            await producer.send_and_wait(prefix + ANALYSIS_REQUESTS.name, event.model_dump_json().encode(),
                                         key=event.event_id.encode())
        finally:
            await producer.stop()

    try:
        asyncio.run(publish())
    except (KafkaError, OSError) as exc:
        print(f"error: cannot reach Kafka at {bootstrap} ({type(exc).__name__}); run `logmesh up` here, "
              "or pass --bootstrap / LOGMESH_KAFKA_BOOTSTRAP", file=sys.stderr)
        raise typer.Exit(2) from None
    incident_id = incident_id_for(opening_from_request(event), 900)
    data = {"event_id": event.event_id, "incident_id": incident_id, "request": event.model_dump(mode="json")}
    if as_json:
        print(json.dumps(data, default=str))
    else:
        print(f"analysis requested: {event.event_id}; the result will carry incident_id {incident_id}")
