"""``logmesh incidents``, ``logmesh incident ID`` and ``logmesh ask``: the operator's read commands.

Registered on the ``logmesh`` CLI through the ``logmesh.cli`` entry-point group; they read the
services' HTTP APIs at the addresses ``logmesh up`` wrote.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from console.answer import deterministic_answer, llm_answer, llm_messages, rank
from console.mesh_api import MeshApi, Unavailable
from console.views import evidence_summary, timeline

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
T = TypeVar("T")


def _run(work: Callable[[MeshApi], Awaitable[T]]) -> T:
    async def main() -> T:
        async with MeshApi.from_endpoints() as api:
            return await work(api)

    try:
        return asyncio.run(main())
    except Unavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


def incidents(
    status: Annotated[str | None, typer.Option(help="pending or done.")] = None,
    since: Annotated[str | None, typer.Option(help="Opened within, e.g. 30m, 2h, 1d.")] = None,
    org: Annotated[str | None, typer.Option(help="Only this org's incidents.")] = None,
    grep: Annotated[str | None, typer.Option("--grep", help="Text in the title, labels or analysis.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """List incidents, newest first, with their analysis verdict."""
    if status not in (None, "pending", "done"):
        raise typer.BadParameter("--status must be 'pending' or 'done'")
    rows = _run(lambda api: api.incidents(status=status, since=since, org=org, q=grep, limit=limit))
    if as_json:
        print(json.dumps(rows, default=str))
        return
    if not rows:
        print("no incidents (send one with `logmesh send-alert` or `logmesh up --demo`)")
        return
    for row in rows:
        incident, analysis = row["incident"], row.get("analysis") or {}
        verdict = f"[{analysis['category']}] {analysis['root_cause']}" if analysis else "(analysis pending)"
        print(f"{incident['opened_at'][:19]}  {incident['severity'].upper():<8} {row['incident_id']}  "
              f"{incident['title'][:60]}  {verdict[:100]}")


def incident(
    incident_id: Annotated[str, typer.Argument(help="An id from `logmesh incidents`.")],
    as_json: JsonFlag = False,
) -> None:
    """One incident: its analysis, findings, evidence summary and timeline."""
    found = _run(lambda api: api.incident(incident_id))
    if found is None:
        print(f"error: no incident {incident_id!r}; `logmesh incidents` lists them", file=sys.stderr)
        raise typer.Exit(1)
    analysis = found.get("analysis")
    view = {
        "incident_id": incident_id,
        "status": found["status"],
        "incident": found.get("incident"),
        "analysis": analysis,
        "evidence": evidence_summary(found.get("parts", [])),
        "timeline": timeline(found.get("incident"), found.get("parts", []), analysis, []),
    }
    if as_json:
        print(json.dumps(view, default=str))
        return
    body = found.get("incident") or {}
    print(f"{body.get('title', incident_id)}  ({found['status']})")
    print(f"  id        {incident_id}")
    print(f"  severity  {body.get('severity', '?')}   opened {body.get('opened_at', '?')[:19]}   org {body.get('org')}")
    if analysis:
        print(f"  analysis  [{analysis['category']}] {analysis['root_cause']}  (confidence {analysis['confidence']:.2f},"
              f" {analysis.get('model') or 'deterministic'})")
        for finding in analysis.get("diagnosis", []):
            print(f"  finding   {finding}")
        for action in analysis.get("actions", []):
            print(f"  action    {action}")
        for citation in analysis.get("evidence", [])[:10]:
            print(f"  cites     {citation['ref']}  {citation.get('excerpt', '')[:100]}")
    else:
        print("  analysis  pending (evidence still arriving)")
    for row in view["evidence"]:
        print(f"  evidence  {row['kind']:<14} {row['items']} item(s) from {row['provider']}"
              + (f"  error: {row['error']}" if row["error"] else ""))
    for entry in view["timeline"]:
        print(f"  {entry['at'][:19]}  {entry['what']}")


def ask(
    question: Annotated[str, typer.Argument(help='e.g. "why is checkout restarting?"')],
    org: Annotated[str, typer.Option(help="Whose data to search.")] = "default",
    since: Annotated[str, typer.Option(help="How far back cluster events go, e.g. 2h.")] = "2h",
    model: Annotated[str | None, typer.Option(envvar="LOGMESH_LLM_MODEL",
                                              help="litellm model for a written answer; none: retrieval only.")] = None,
    api_base: Annotated[str | None, typer.Option(envvar="LOGMESH_LLM_API_BASE")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Answer a question from the mesh's context (cluster buffer, logs, templates, anomalies, past cases),
    with citations; an LLM writes the answer when --model (LOGMESH_LLM_MODEL) is set."""
    if not question.strip():
        raise typer.BadParameter("the question is empty")

    async def work(api: MeshApi) -> dict[str, Any]:
        snippets, sources = await api.context(question, org=org, since=since)
        ranked = rank(question, snippets)
        if model is None:
            return deterministic_answer(question, ranked, sources).as_dict()
        try:
            text = await _complete(model, api_base, llm_messages(question, ranked))
        except Exception as exc:  # the provider failed: the retrieval answer still stands
            fallback = deterministic_answer(question, ranked, sources)
            fallback.mode, fallback.model = "llm-failed", model
            fallback.sources["llm"] = f"unavailable: {type(exc).__name__}: {str(exc)[:200]}"
            return fallback.as_dict()
        return llm_answer(question, text, ranked, sources, model).as_dict()

    answer = _run(work)
    if as_json:
        print(json.dumps(answer, default=str))
        return
    print(answer["answer"])
    if answer["citations"] and answer["mode"] == "llm":
        print("\nsources:")
        for citation in answer["citations"]:
            print(f"  [{citation['ref']}] {citation['excerpt'][:120]}")
    missing = {k: v for k, v in answer["sources"].items() if not v.startswith("ok")}
    for source, why in missing.items():
        print(f"note: {source} {why}", file=sys.stderr)


async def _complete(model: str, api_base: str | None, messages: list[dict[str, str]]) -> str:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the price map
    import litellm

    litellm.suppress_debug_info = True  # its banner would corrupt --json output
    response = await litellm.acompletion(model=model, messages=messages, api_base=api_base, timeout=60,
                                         api_key=os.environ.get("LOGMESH_LLM_API_KEY"), max_tokens=600,
                                         temperature=0.1)
    return response.choices[0].message.content or ""
