"""``AlertSink`` on the mesh: one message per alert on ``alerts.received``, keyed by fingerprint."""

from __future__ import annotations

from collections.abc import Sequence

from alert_intake.ports import SinkUnavailable
from logmesh_contracts import Alert
from logmesh_contracts.topics import ALERTS_RECEIVED
from logmesh_runtime.kafka import Mesh, PublishUnavailable


class MeshAlertSink:
    def __init__(self, mesh: Mesh, timeout_s: float) -> None:
        self.mesh = mesh
        self.timeout_s = timeout_s

    async def publish(self, alerts: Sequence[Alert]) -> None:
        try:
            await self.mesh.publish_many(
                ALERTS_RECEIVED, [(alert.fingerprint, alert) for alert in alerts], timeout_s=self.timeout_s
            )
        except PublishUnavailable as exc:
            raise SinkUnavailable(str(exc)) from exc
