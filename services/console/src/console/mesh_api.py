"""The services' HTTP read APIs, as the console and the operator CLI use them.

Addresses come from ``.logmesh/endpoints.json`` (written by ``logmesh up``) and
``LOGMESH_<SERVICE>_URL`` overrides; nothing here imports a service.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import httpx

from console.answer import Snippet, terms

ENDPOINTS_FILE = Path(".logmesh/endpoints.json")
READ_SERVICES = ("llm-analysis", "template-matching", "cluster-watching", "knowledge-storage", "notification")


class Unavailable(Exception):
    """A service could not answer; the message says which and how to fix it."""


def env_name(service: str) -> str:
    return f"LOGMESH_{service.upper().replace('-', '_')}_URL"


def load_endpoints(path: Path = ENDPOINTS_FILE) -> dict[str, str]:
    found: dict[str, str] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text())
            found = {k: v for k, v in loaded.items() if isinstance(v, str)} if isinstance(loaded, dict) else {}
        except ValueError:
            found = {}
    for name in (*READ_SERVICES, "ingestion", "alert-intake", "console"):
        override = os.environ.get(env_name(name))
        if override:
            found[name] = override
    return found


class MeshApi:
    def __init__(self, urls: dict[str, str], api_key: str | None = None, timeout_s: float = 10.0) -> None:
        self.urls = urls
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.AsyncClient(timeout=timeout_s, headers=headers)

    @classmethod
    def from_endpoints(cls, path: Path = ENDPOINTS_FILE) -> MeshApi:
        found = load_endpoints(path)
        return cls(found, found.get("api_key") or os.environ.get("LOGMESH_API_KEY"))

    async def close(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> MeshApi:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def get(self, service: str, path: str, params: dict[str, Any] | None = None,
                  missing_ok: bool = False) -> Any:
        base = self.urls.get(service)
        if not base:
            raise Unavailable(f"no address for {service}: run `logmesh up` or set {env_name(service)}")
        try:
            response = await self.http.get(base + path, params={k: v for k, v in (params or {}).items() if v})
        except httpx.HTTPError as exc:
            raise Unavailable(f"{service} at {base} did not answer ({type(exc).__name__}); is `logmesh up` running?") \
                from exc
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 400:
            try:
                reason = response.json().get("error", response.text)
            except ValueError:
                reason = response.text
            raise Unavailable(f"{service} answered {response.status_code}: {str(reason)[:300]}")
        return response.json()

    # ------------------------------------------------------------------ reads
    async def incidents(self, **params: Any) -> list[dict[str, Any]]:
        return (await self.get("llm-analysis", "/api/v1/incidents", params))["incidents"]

    async def incident(self, incident_id: str) -> dict[str, Any] | None:
        return await self.get("llm-analysis", f"/api/v1/incidents/{incident_id}", missing_ok=True)

    async def logs(self, **params: Any) -> dict[str, Any]:
        return await self.get("template-matching", "/logs/search", params)

    async def templates(self, **params: Any) -> dict[str, Any]:
        return await self.get("template-matching", "/templates", params)

    async def anomalies(self, **params: Any) -> dict[str, Any]:
        return await self.get("template-matching", "/anomalies", params)

    async def cluster_events(self, **params: Any) -> dict[str, Any]:
        return await self.get("cluster-watching", "/cluster/events", params)

    async def cluster_status(self) -> dict[str, Any]:
        return await self.get("cluster-watching", "/cluster/status")

    async def similar_cases(self, text: str, org: str = "default", limit: int = 5) -> dict[str, Any]:
        return await self.get("knowledge-storage", "/cases/search", {"q": text[:2000], "org": org, "limit": limit})

    # ---------------------------------------------------------- `ask` context
    async def context(self, question: str, org: str = "default", since: str = "2h") -> tuple[list[Snippet], dict[str, str]]:
        """Everything the mesh holds that may bear on ``question``: each source fetched concurrently;
        a source that cannot answer is reported, not fatal."""
        words = sorted(terms(question), key=len, reverse=True)
        fetchers = {
            "incidents": self._incident_snippets(org),
            "cases": self._case_snippets(question, org),
            "cluster": self._cluster_snippets(since),
            "anomalies": self._anomaly_snippets(org),
            "logs": self._log_snippets(words, org),
            "templates": self._template_snippets(org),
        }
        results = await asyncio.gather(*fetchers.values(), return_exceptions=True)
        snippets: list[Snippet] = []
        sources: dict[str, str] = {}
        for name, result in zip(fetchers, results, strict=True):
            if isinstance(result, BaseException):
                sources[name] = f"unavailable: {result}"
            else:
                sources[name] = f"ok ({len(result)})"
                snippets.extend(result)
        return snippets, sources

    async def _incident_snippets(self, org: str) -> list[Snippet]:
        found = []
        for row in await self.incidents(org=org, limit=50):
            incident, analysis = row["incident"], row.get("analysis") or {}
            text = f"incident {incident.get('title', '')} ({row['status']})"
            if analysis:
                text += f": [{analysis.get('category')}] {analysis.get('root_cause', '')}"
            found.append(Snippet(f"incident:{row['incident_id']}", "incidents", text, 1.5))
        return found

    async def _case_snippets(self, question: str, org: str) -> list[Snippet]:
        body = await self.similar_cases(question, org)
        return [Snippet(f"case:{c.get('incident_id')}", "cases",
                        f"past case {c.get('title', '')}: [{c.get('category')}] {c.get('root_cause', '')} "
                        f"(similarity {c.get('score')})", 2.0) for c in body.get("cases", [])]

    async def _cluster_snippets(self, since: str) -> list[Snippet]:
        body, status = await asyncio.gather(self.cluster_events(since=since, limit=200), self.cluster_status())
        found = []
        for pod in status.get("pods", {}).get("unhealthy", []):
            reasons = sorted({str(c.get("reason") or c.get("last_terminated_reason") or "")
                              for c in pod.get("containers", [])} - {""})
            text = (f"pod {pod.get('namespace')}/{pod.get('name')} is {pod.get('phase')}, not ready, "
                    f"{pod.get('restarts', 0)} restarts{': ' + ', '.join(reasons) if reasons else ''}")
            found.append(Snippet(f"pod:{pod.get('namespace')}/{pod.get('name')}", "cluster", text, 2.0))
        for event in body.get("events", []):
            text = (f"{event.get('type', '')} {event.get('reason', '')} {event.get('kind', '')} "
                    f"{event.get('namespace', '')}/{event.get('name', '')}: {event.get('message', '')}")
            ref = f"event:{event.get('namespace', '')}/{event.get('name', '')}@{event.get('at', '')}"
            found.append(Snippet(ref, "cluster", " ".join(text.split()), 1.5 if event.get("type") == "Warning" else 1.0))
        return found

    async def _anomaly_snippets(self, org: str) -> list[Snippet]:
        body = await self.anomalies(org=org, limit=100)
        return [Snippet(f"anomaly:{a.get('event_id')}", "anomalies",
                        f"{a.get('kind', '')} in {a.get('service', '')}: {a.get('summary') or a.get('template') or ''}",
                        1.5) for a in body.get("anomalies", [])]

    async def _log_snippets(self, words: list[str], org: str) -> list[Snippet]:
        found: list[Snippet] = []
        seen: set[str] = set()
        # the most specific words, each a ClickHouse text filter, and the latest errors (a question names
        # a service or pod more often than words of its log lines; ranking then matches those fields)
        queries: list[dict[str, Any]] = [{"text": word} for word in words[:3]] + [{"level": "ERROR"}]
        for query in queries:
            body = await self.logs(org=org, limit=20, **query)
            for row in body.get("logs", []):
                ref = f"log:{row.get('service', '')}@{row.get('ts', '')}#{row.get('template_id', '')}"
                if ref in seen:
                    continue
                seen.add(ref)
                level = str(row.get("level", ""))
                found.append(Snippet(ref, "logs", f"{row.get('ts', '')} {level} {row.get('service', '')} "
                                     f"{row.get('namespace', '')}/{row.get('pod', '')}: {row.get('message', '')}",
                                     1.2 if level in {"ERROR", "FATAL"} else 1.0))
        return found

    async def _template_snippets(self, org: str) -> list[Snippet]:
        body = await self.templates(org=org, limit=200)
        return [Snippet(f"template:{t.get('template_id')}", "templates",
                        f"template seen {t.get('count')}x in {t.get('service', '')}: {t.get('template', '')}")
                for t in body.get("templates", [])]
