"""Two llm-analysis replicas on one broker: every incident analysed once, with all of its evidence."""

from __future__ import annotations

import asyncio

import pytest

from llm_analysis.app import create_app
from llm_analysis.testing import alert, part, wait_assigned, wait_records
from logmesh_contracts import EvidenceItem
from logmesh_contracts.topics import ALERTS_RECEIVED, ANALYSIS_RESULTS, EVIDENCE_PARTS, INCIDENTS_OPENED

pytestmark = [pytest.mark.broker, pytest.mark.slow]


async def test_two_replicas_share_the_work_and_see_all_evidence(kafka_bootstrap: str, topic_prefix: str,
                                                                make_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    apps = [create_app(make_settings(replica_id=f"r{n}", data_dir=tmp_path / f"r{n}", evidence_deadline_s=20))
            for n in (1, 2)]
    services = [app.state.service for app in apps]
    await asyncio.gather(*(s.start() for s in services))
    try:
        await asyncio.gather(*(wait_assigned(s) for s in services))
        mesh = services[0].mesh
        pods = [f"svc{n}-7d9f8b6c5d-x2x9z" for n in range(6)]
        for pod in pods:
            firing = alert(pod=pod)
            await mesh.publish(ALERTS_RECEIVED, firing, key=firing.fingerprint)
        opened = await wait_records(kafka_bootstrap, topic_prefix + INCIDENTS_OPENED.name,
                                    lambda rs: len({r["incident_id"] for r in rs}) >= 6)
        for incident_id in {r["incident_id"] for r in opened}:
            await mesh.publish(EVIDENCE_PARTS, part(incident_id, "cluster", EvidenceItem(
                ref=f"pod:{incident_id}", title="status", body="Reason: OOMKilled Exit Code: 137")), key=incident_id)
            for kind in ("logs", "similar-cases"):
                await mesh.publish(EVIDENCE_PARTS, part(incident_id, kind), key=incident_id)
        results = await wait_records(kafka_bootstrap, topic_prefix + ANALYSIS_RESULTS.name,
                                     lambda rs: len(rs) >= 6, timeout_s=40)
    finally:
        await asyncio.gather(*(s.stop() for s in services))
    assert len({r["incident_id"] for r in results}) == len(results) == 6
    # whichever replica owned an incident had all of its parts, although parts and incidents
    # were consumed by different consumers
    assert all(r["missing_evidence"] == [] and r["category"] == "oom-killed" for r in results)
    assert sum(app.state.analyzer.analysed for app in apps) == 6
