"""The web console: server-rendered pages, htmx fragments polled for live updates.

It only reads the services' HTTP APIs and the ``notifications.sent`` topic, and publishes
people's ✅/❌ verdicts to ``feedback`` (knowledge-storage consumes them).
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from console.mesh_api import MeshApi, Unavailable
from console.settings import ConsoleSettings
from console.views import evidence_summary, similar_cases, timeline
from logmesh_contracts import Feedback, NotificationRecord, stable_id, utcnow
from logmesh_contracts.topics import FEEDBACK, NOTIFICATIONS_SENT
from logmesh_runtime.kafka import PublishUnavailable
from logmesh_runtime.service import Service

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MAX_TRACKED_INCIDENTS = 5000
LEVELS = ("", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")


class SentNotifications:
    """What notification sent, per incident (newest incidents kept), replayed from the topic at start."""

    def __init__(self) -> None:
        self.by_incident: OrderedDict[str, dict[str, dict[str, Any]]] = OrderedDict()

    async def apply(self, record: NotificationRecord) -> None:
        sent = self.by_incident.setdefault(record.incident_id, {})
        self.by_incident.move_to_end(record.incident_id)
        sent[record.event_id] = record.model_dump(mode="json")
        while len(self.by_incident) > MAX_TRACKED_INCIDENTS:
            self.by_incident.popitem(last=False)

    def of(self, incident_id: str) -> list[dict[str, Any]]:
        return sorted(self.by_incident.get(incident_id, {}).values(), key=lambda r: r["sent_at"])


def create_app(settings: ConsoleSettings) -> Starlette:
    service = Service(settings)
    api = MeshApi(settings.urls(), settings.api_key.get_secret_value() if settings.api_key else None)
    sent = SentNotifications()
    # A group of its own per process: every start replays the compacted topic into memory.
    service.mesh.consume(NOTIFICATIONS_SENT, sent.apply, group_id=f"console-{uuid.uuid4().hex[:12]}")
    templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))

    def page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = templates.get_template(name).render(refresh_s=settings.refresh_s, **values)
        return HTMLResponse(html, status_code=status)

    @service.on_shutdown
    async def close() -> None:
        await api.close()

    async def guarded(name: str, fetch: Any, **values: Any) -> HTMLResponse:
        """Render a fragment; a service that cannot answer becomes a visible notice, not a 500."""
        try:
            return page(name, **values, **(await fetch()))
        except Unavailable as exc:
            return page("unavailable.html", reason=str(exc))

    @service.route("/")
    async def incidents_page(request: Request) -> Response:
        return page("incidents.html", q=dict(request.query_params))

    @service.route("/fragments/incidents")
    async def incidents_fragment(request: Request) -> Response:
        q = request.query_params

        async def fetch() -> dict[str, Any]:
            rows = await api.incidents(status=q.get("status"), q=q.get("q"), since=q.get("since"), limit=100)
            return {"rows": rows}

        return await guarded("fragment_incidents.html", fetch)

    @service.route("/incidents/{incident_id}")
    async def incident_page(request: Request) -> Response:
        incident_id = request.path_params["incident_id"]
        return page("incident.html", incident_id=incident_id)

    @service.route("/fragments/incidents/{incident_id}")
    async def incident_fragment(request: Request) -> Response:
        incident_id = request.path_params["incident_id"]

        async def fetch() -> dict[str, Any]:
            found = await api.incident(incident_id)
            if found is None:
                raise Unavailable(f"no incident {incident_id!r} (yet): llm-analysis does not know it")
            parts, analysis, notes = found.get("parts", []), found.get("analysis"), sent.of(incident_id)
            return {"incident_id": incident_id, "found": found, "incident": found.get("incident") or {},
                    "analysis": analysis, "parts": parts, "evidence": evidence_summary(parts),
                    "similar": similar_cases(parts), "notifications": notes,
                    "timeline": timeline(found.get("incident"), parts, analysis, notes)}

        return await guarded("fragment_incident.html", fetch)

    @service.route("/incidents/{incident_id}/feedback", methods=["POST"])
    async def feedback(request: Request) -> Response:
        # htmx sets HX-Request; a cross-site form cannot without a CORS preflight, which we never allow.
        if request.headers.get("hx-request") != "true":
            return JSONResponse({"error": "feedback is posted by the console page (HX-Request header)"}, 403)
        incident_id = request.path_params["incident_id"]
        body = await request.body()
        if len(body) > 16_384:
            return HTMLResponse("feedback too large", status_code=413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}  # htmx posts urlencoded
        verdict = str(form.get("verdict", ""))
        if verdict not in ("correct", "incorrect"):
            return HTMLResponse("verdict must be correct or incorrect", status_code=400)
        comment = str(form.get("comment") or "")[:2000] or None
        by = str(form.get("by") or "console")[:200]
        try:
            if await api.incident(incident_id) is None:
                return HTMLResponse(f"no incident {incident_id}", status_code=404)
            event = Feedback(event_id=stable_id("console", incident_id, by, verdict), incident_id=incident_id,
                             verdict=verdict, given_by=by, given_at=utcnow(), channel="console",  # type: ignore[arg-type]
                             comment=comment)
            await service.mesh.publish(FEEDBACK, event, key=incident_id)
        except Unavailable as exc:
            return HTMLResponse(str(exc), status_code=503)
        except PublishUnavailable:
            return HTMLResponse("the broker is unavailable; try again", status_code=503)
        mark = "✅" if verdict == "correct" else "❌"
        return HTMLResponse(f'<span class="recorded">{mark} recorded as {verdict} (feedback {event.event_id})</span>')

    @service.route("/logs")
    async def logs_page(request: Request) -> Response:
        return page("logs.html", q=dict(request.query_params), levels=LEVELS)

    @service.route("/fragments/logs")
    async def logs_fragment(request: Request) -> Response:
        q = request.query_params

        async def fetch() -> dict[str, Any]:
            body = await api.logs(text=q.get("text"), service=q.get("service"), level=q.get("level"),
                                  template_id=q.get("template_id"), org=q.get("org"), limit=200,
                                  start=q.get("start"))
            return {"logs": body.get("logs", []), "window": (body.get("start"), body.get("end"))}

        return await guarded("fragment_logs.html", fetch)

    @service.route("/fragments/anomalies")
    async def anomalies_fragment(request: Request) -> Response:
        q = request.query_params

        async def fetch() -> dict[str, Any]:
            body = await api.anomalies(service=q.get("service"), org=q.get("org"), limit=100)
            return {"anomalies": body.get("anomalies", [])}

        return await guarded("fragment_anomalies.html", fetch)

    @service.route("/templates")
    async def templates_page(request: Request) -> Response:
        return page("templates.html", q=dict(request.query_params))

    @service.route("/fragments/templates")
    async def templates_fragment(request: Request) -> Response:
        q = request.query_params

        async def fetch() -> dict[str, Any]:
            body = await api.templates(service=q.get("service"), org=q.get("org"), limit=1000)
            return {"templates": body.get("templates", [])}

        return await guarded("fragment_templates.html", fetch)

    service.routes.append(Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"))
    app = service.asgi()
    app.state.sent = sent
    return app
