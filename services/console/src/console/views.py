"""Shapes shared by the CLI and the web console: an incident's evidence summary and timeline."""

from __future__ import annotations

from typing import Any


def evidence_summary(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"kind": p.get("kind"), "provider": p.get("provider"), "items": len(p.get("items") or []),
             "collected_at": p.get("collected_at"), "truncated": bool(p.get("truncated")), "error": p.get("error")}
            for p in parts]


def similar_cases(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The similar-case items knowledge-storage answered with."""
    found = []
    for part in parts:
        if part.get("kind") != "similar-cases":
            continue
        for item in part.get("items") or []:
            if (item.get("attributes") or {}).get("type", "similar-case") == "similar-case":
                found.append(item)
    return found


def timeline(incident: dict[str, Any] | None, parts: list[dict[str, Any]], analysis: dict[str, Any] | None,
             notifications: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Opened, each evidence source, the analysis and each notification, in time order."""
    entries: list[dict[str, str]] = []
    if incident:
        entries.append({"at": str(incident.get("opened_at", "")), "source": incident.get("source", ""),
                        "what": f"opened from {incident.get('source')} ({len(incident.get('source_ids') or [])} source(s))"})
    for part in parts:
        detail = f"{len(part.get('items') or [])} item(s)" + (f", error: {part['error']}" if part.get("error") else "")
        entries.append({"at": str(part.get("collected_at", "")), "source": str(part.get("kind")),
                        "what": f"evidence {part.get('kind')} from {part.get('provider')}: {detail}"})
    if analysis:
        entries.append({"at": str(analysis.get("completed_at", "")), "source": "analysis",
                        "what": f"analysis {analysis.get('status')}: [{analysis.get('category')}] "
                                f"{analysis.get('root_cause', '')}"[:300]})
    for record in notifications:
        entries.append({"at": str(record.get("sent_at", "")), "source": "notification",
                        "what": f"notification {record.get('state')} via {record.get('sink')}"
                                + (f" ({record['detail']})" if record.get("detail") else "")})
    return sorted(entries, key=lambda e: e["at"])
