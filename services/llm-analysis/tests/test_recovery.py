"""Adopting incidents that were opened but never analysed, read back from the real broker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiokafka import AIOKafkaProducer

from llm_analysis.adapters.recovery import find_orphans
from llm_analysis.domain import assemble, deterministic_result, make_incident, opening_from_alert, run_diagnosis
from llm_analysis.testing import alert
from logmesh_contracts import utcnow
from logmesh_contracts.topics import ANALYSIS_RESULTS, INCIDENTS_OPENED

pytestmark = [pytest.mark.broker]


async def test_incidents_without_a_result_are_found(kafka_bootstrap: str, topic_prefix: str) -> None:
    now = utcnow()
    incidents = []
    for n in range(3):
        opening = opening_from_alert(alert(pod=f"svc{n}-7d9f8b6c5d-x2x9z"), 900)
        assert opening is not None
        incidents.append(make_incident(opening, f"inc-{n}", 5, now))
    done = deterministic_result(assemble(incidents[0], []), run_diagnosis(assemble(incidents[0], [])), now)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for incident in incidents:
            await producer.send_and_wait(topic_prefix + INCIDENTS_OPENED.name, incident.model_dump_json().encode(),
                                         key=incident.incident_id.encode())
        await producer.send_and_wait(topic_prefix + INCIDENTS_OPENED.name, b"{not json", key=b"x")
        await producer.send_and_wait(topic_prefix + ANALYSIS_RESULTS.name, done.model_dump_json().encode(),
                                     key=done.incident_id.encode())
    finally:
        await producer.stop()

    orphans = await find_orphans(kafka_bootstrap, topic_prefix + INCIDENTS_OPENED.name,
                                 topic_prefix + ANALYSIS_RESULTS.name, range(3), now - timedelta(hours=1))
    assert sorted(i.incident_id for i in orphans) == ["inc-1", "inc-2"]
    # outside the look-back window nothing is adopted
    assert await find_orphans(kafka_bootstrap, topic_prefix + INCIDENTS_OPENED.name,
                              topic_prefix + ANALYSIS_RESULTS.name, range(3), now + timedelta(hours=1)) == []
