"""The only wiring: settings -> Service, adapters, routes, readiness."""

from __future__ import annotations

from starlette.applications import Starlette

from alert_intake.adapters.publisher import MeshAlertSink
from alert_intake.adapters.topic_index import TopicIndex
from alert_intake.auth import build_authenticator
from alert_intake.dedup import Deduplicator
from alert_intake.domain import DedupWindow
from alert_intake.handlers import IntakeHandlers
from alert_intake.metrics import IntakeMetrics
from alert_intake.settings import AlertIntakeSettings
from logmesh_runtime.service import Service


def create_app(settings: AlertIntakeSettings | None = None) -> Starlette:
    settings = settings or AlertIntakeSettings()
    auth = build_authenticator(settings)  # refuses to build an open intake unless told to
    service = Service(settings)
    metrics = IntakeMetrics(service.metrics.registry)
    dedup = Deduplicator(DedupWindow(settings.intake_dedup_window_s, settings.intake_dedup_max_entries))
    index = TopicIndex(settings, dedup, on_record=lambda: metrics.dedup_entries.set(len(dedup.window)))
    service.background(index.run)

    async def dedup_index_loaded() -> tuple[bool, str]:
        ready = dedup.ready.is_set()
        return ready, f"{len(dedup.window)} alert states" if ready else f"replaying {index.topic}"

    service.readiness_check("dedup-index", dedup_index_loaded)
    handlers = IntakeHandlers(
        settings, auth, dedup, MeshAlertSink(service.mesh, settings.intake_publish_timeout_s), metrics
    )
    service.route("/webhook", ["POST"], scope="ingest")(handlers.webhook)
    service.route("/api/v2/alerts", ["POST"], scope="ingest")(handlers.generic)
    app = service.asgi()
    app.state.dedup = dedup
    app.state.index = index
    app.state.auth = auth
    return app
