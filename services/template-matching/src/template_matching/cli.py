"""``logmesh search|templates|anomalies``: read template-matching's HTTP API (every command has --json)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import httpx
import typer

Url = Annotated[
    str | None,
    typer.Option("--url", help="template-matching's HTTP address (default: LOGMESH_TEMPLATE_MATCHING_URL, "
                 "else where `logmesh up` started it)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _get(url: str | None, path: str, params: dict[str, Any]) -> dict[str, Any]:
    if url is None:
        from logmesh_devstack.cli import service_url

        url = service_url("template-matching")
    from logmesh_devstack.cli import auth_headers

    clean = {k: v for k, v in params.items() if v not in (None, "")}
    try:
        response = httpx.get(url.rstrip("/") + path, params=clean, headers=auth_headers(), timeout=30)
    except httpx.HTTPError as exc:
        print(f"cannot reach template-matching at {url}: {exc}; set --url or LOGMESH_TEMPLATE_MATCHING_URL",
              file=sys.stderr)
        raise typer.Exit(1) from exc
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code != 200:
        print(f"template-matching answered {response.status_code}: {body.get('error', response.text)}", file=sys.stderr)
        raise typer.Exit(1)
    return body


def search(
    text: Annotated[str | None, typer.Argument(help="Substring of the message (case-sensitive).")] = None,
    start: Annotated[str | None, typer.Option(help="ISO-8601 start (default: an hour before --end).")] = None,
    end: Annotated[str | None, typer.Option(help="ISO-8601 end (default: now).")] = None,
    service: Annotated[str | None, typer.Option()] = None,
    level: Annotated[str | None, typer.Option(help="INFO, WARN, ERROR, ...")] = None,
    template_id: Annotated[str | None, typer.Option("--template-id")] = None,
    org: Annotated[str | None, typer.Option()] = None,
    namespace: Annotated[str | None, typer.Option()] = None,
    pod: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    url: Url = None,
    as_json: JsonFlag = False,
) -> None:
    """Search stored log records by time, service, level, template and text."""
    body = _get(url, "/logs/search", {
        "text": text, "start": start, "end": end, "service": service, "level": level, "template_id": template_id,
        "org": org, "namespace": namespace, "pod": pod, "limit": limit,
    })
    if as_json:
        print(json.dumps(body))
        return
    for row in body["logs"]:
        print(f"{row['ts']} {row['level']:<5} {row['service']:<20} [{row['template_id']}] {row['message']}")
    print(f"{body['count']} record(s) between {body['start']} and {body['end']}", file=sys.stderr)


def templates(
    service: Annotated[str | None, typer.Option()] = None,
    org: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 200,
    url: Url = None,
    as_json: JsonFlag = False,
) -> None:
    """List the shared template registry (latest first)."""
    body = _get(url, "/templates", {"service": service, "org": org, "limit": limit})
    if as_json:
        print(json.dumps(body))
        return
    for row in body["templates"]:
        mark = " " if row.get("live") else "~"  # ~ = replaced by a newer template
        print(f"{mark}{row['template_id']} {row['count']:>8} {row['kind']:<11} {row['template']}")


def anomalies(
    service: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option(help="new-template, frequency-spike or error-rate-jump")] = None,
    org: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    url: Url = None,
    as_json: JsonFlag = False,
) -> None:
    """Recent log anomalies with their evidence."""
    body = _get(url, "/anomalies", {"service": service, "kind": kind, "org": org, "limit": limit})
    if as_json:
        print(json.dumps(body))
        return
    for row in body["anomalies"]:
        print(f"{row['window_start']} {row['severity']:<8} {row['kind']:<16} {row['org']}/{row['service']}: "
              f"{row['summary']}")
