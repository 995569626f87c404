"""``RecordPublisher`` on the runtime's mesh: acks=all, ordered per key."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from logmesh_contracts.topics import LOGS_RECORDS
from logmesh_runtime.kafka import Mesh, PublishUnavailable


class MeshPublisher:
    def __init__(self, mesh: Mesh) -> None:
        self.mesh = mesh

    async def publish(self, records: Sequence[tuple[str, bytes]], timeout_s: float) -> None:
        # publish_many bounds the wait for acks, but a send can also block on metadata while the
        # broker is down; the outer bound keeps an HTTP request from waiting longer than timeout_s.
        try:
            await asyncio.wait_for(self.mesh.publish_many(LOGS_RECORDS, records, timeout_s=timeout_s), timeout_s + 1)
        except TimeoutError as exc:
            raise PublishUnavailable(f"broker did not acknowledge {len(records)} record(s) in {timeout_s}s") from exc
