"""Adopting orphaned incidents: opened on a partition this replica now owns, never analysed.

A replica commits `incidents.opened` offsets once the intent is in its local store. If that
replica is lost together with its volume, the incidents it had not analysed yet would be lost.
When this replica is assigned partitions of `incidents.opened`, it reads them back over a bounded
look-back, reads `analysis.results` over the same window, and adopts every incident that has no
result and is unknown to its own store. Duplicated work (the previous owner was still alive and
analysing) is absorbed by the result's deterministic event id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aiokafka import ConsumerRecord
from pydantic import ValidationError

from llm_analysis.domain import merge_incidents
from logmesh_contracts import Incident
from logmesh_runtime.replay import TopicReplica

log = logging.getLogger(__name__)


async def _read(bootstrap: str, topic: str, partitions: Iterable[int] | None, since: datetime,
                timeout_s: float, security: dict[str, Any]) -> list[bytes]:
    """Values on these partitions (all when None) from ``since`` to (at least) the end offsets seen at start."""
    values: list[bytes] = []

    async def keep(records: list[ConsumerRecord[Any, Any]]) -> None:
        values.extend(r.value for r in records if r.value)

    replica = TopicReplica(bootstrap, topic, keep, client_id="llm-analysis-recovery", partitions=partitions,
                           since_s=max(0.0, time.time() - since.timestamp()), security=security)
    try:
        await replica.catch_up(timeout_s)
    finally:
        await replica.close()
    return values


async def find_orphans(bootstrap: str, incidents_topic: str, results_topic: str, partitions: Iterable[int],
                       since: datetime, timeout_s: float = 30.0,
                       security: dict[str, Any] | None = None) -> list[Incident]:
    """Incidents opened on ``partitions`` since ``since`` that have no analysis result.

    ``security``: TLS/SASL options (``ServiceSettings.kafka_security_options()``)."""
    incidents: dict[str, Incident] = {}
    for value in await _read(bootstrap, incidents_topic, partitions, since, timeout_s, security or {}):
        try:
            incident = Incident.model_validate_json(value)
        except ValidationError:
            continue  # the consumer dead-letters these; recovery just skips them
        if incident.opened_at < since:
            continue
        previous = incidents.get(incident.incident_id)
        incidents[incident.incident_id] = merge_incidents(previous, incident) if previous else incident
    if not incidents:
        return []
    analysed: set[str] = set()
    for value in await _read(bootstrap, results_topic, None, since, timeout_s, security or {}):
        with contextlib.suppress(ValueError, AttributeError):
            analysed.add(str(json.loads(value).get("incident_id")))
    return [incident for incident_id, incident in incidents.items() if incident_id not in analysed]
