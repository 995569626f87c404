"""``logmesh cases``: export, import, stats, delete and prune the case base.

With ``--url`` it talks to a running knowledge-storage over HTTP; without it, it opens the
store the environment names (``LOGMESH_QDRANT_URL`` or the local-mode directory under
``LOGMESH_DATA_DIR``; local mode needs the service stopped, since one process holds the directory).
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="The knowledge-storage case base: export, import, stats, delete, prune.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
UrlOption = Annotated[str | None, typer.Option("--url", help="A running knowledge-storage, e.g. http://127.0.0.1:8080.")]


def _emit(data: Any, as_json: bool, human: str) -> None:
    print(json.dumps(data, default=str) if as_json else human)


@contextmanager
def _case_base():
    from knowledge_storage.cases import open_case_base
    from knowledge_storage.settings import KnowledgeStorageSettings

    try:
        cases = open_case_base(KnowledgeStorageSettings())
    except RuntimeError as exc:  # local Qdrant: one process holds the directory
        if "already accessed" not in str(exc):
            raise
        print("error: the local case base is held by a running knowledge-storage; pass --url "
              "(or run this where `logmesh up` wrote .logmesh/endpoints.json)", file=sys.stderr)
        raise typer.Exit(2) from None
    try:
        cases.ensure_schema()
        yield cases
    finally:
        cases.store.close()


def _running(url: str | None) -> str | None:
    """--url, else the knowledge-storage `logmesh up` started here (its store is locked while it runs)."""
    from logmesh_runtime.endpoints import service_url

    return url or service_url("knowledge-storage")


def _http(method: str, url: str, **kwargs: Any) -> Any:
    import httpx

    try:
        from logmesh_devstack.cli import auth_headers

        response = httpx.request(method, url, timeout=120, headers=auth_headers(), **kwargs)
    except httpx.HTTPError as exc:
        print(f"cannot reach {url}: {exc}", file=sys.stderr)
        raise typer.Exit(1) from exc
    if response.status_code >= 400:
        print(f"{method} {url}: HTTP {response.status_code} {response.text}", file=sys.stderr)
        raise typer.Exit(1)
    return response


@app.command("export")
def export_cases(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write; stdout when omitted.")] = None,
    url: UrlOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Write every case and its verdicts as JSON lines."""
    url = _running(url)
    if url:
        lines = _http("GET", url.rstrip("/") + "/cases/export").text.splitlines()
    else:
        with _case_base() as cases:
            lines = list(cases.export_lines())
    if out is None:
        sys.stdout.write("".join(line + "\n" for line in lines))
        return
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    _emit({"file": str(out), "cases": max(0, len(lines) - 1)}, as_json, f"exported {max(0, len(lines) - 1)} case(s) to {out}")


@app.command("import")
def import_cases(
    source: Annotated[Path, typer.Argument(help="JSON lines from `logmesh cases export`; '-' reads stdin.")],
    url: UrlOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Load exported cases (re-embedded with the configured model) and their verdicts."""
    url = _running(url)
    text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
    if url:
        counts = _http("POST", url.rstrip("/") + "/cases/import", content=text.encode()).json()
    else:
        try:
            with _case_base() as cases:
                counts = cases.import_lines(text.splitlines())
        except ValueError as exc:
            print(f"cannot import {source}: {exc}", file=sys.stderr)
            raise typer.Exit(2) from exc
    _emit(counts, as_json, f"imported {counts['cases']} case(s), {counts['verdicts']} verdict(s)")


@app.command("stats")
def stats(url: UrlOption = None, as_json: JsonFlag = False) -> None:
    """Accuracy of analyses as people judged them, per category and per model."""
    url = _running(url)
    if url:
        data = _http("GET", url.rstrip("/") + "/stats").json()
    else:
        with _case_base() as cases:
            data = cases.stats()
    lines = [f"{data['cases']} case(s); overall accuracy {data['overall']['accuracy']}"]
    for dimension in ("by_category", "by_model"):
        for name, tally in data[dimension].items():
            lines.append(f"  {dimension[3:]:<9} {name:<32} {tally['validated']:>4} ✅ {tally['rejected']:>4} ❌ "
                         f"accuracy {tally['accuracy']}")
    _emit(data, as_json, "\n".join(lines))


@app.command("delete")
def delete(incident_id: str, url: UrlOption = None, as_json: JsonFlag = False) -> None:
    """Delete one case (and its verdicts)."""
    url = _running(url)
    if url:
        _http("DELETE", url.rstrip("/") + f"/cases/{incident_id}")
        deleted = True
    else:
        with _case_base() as cases:
            deleted = cases.delete(incident_id)
    _emit({"deleted": incident_id if deleted else None}, as_json, "deleted" if deleted else f"no case {incident_id}")
    if not deleted:
        raise typer.Exit(1)


@app.command("prune")
def prune(
    older_than_days: Annotated[float, typer.Option(help="Delete cases completed before this many days ago.")],
    url: UrlOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Delete cases older than a number of days."""
    url = _running(url)
    if url:
        gone = _http("POST", url.rstrip("/") + "/cases/prune", params={"older_than_days": older_than_days}).json()["pruned"]
    else:
        with _case_base() as cases:
            gone = cases.prune(older_than_days)
    _emit({"pruned": gone}, as_json, f"pruned {len(gone)} case(s)")
