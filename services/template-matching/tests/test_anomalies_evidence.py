"""One replica, end to end on a real broker and chDB: a synthetic stream with an injected spike and a new
error template produces anomalies; an incident gets log evidence; the LLM refines a new template."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from logmesh_contracts import Incident
from logmesh_contracts.topics import (
    EVIDENCE_PARTS,
    INCIDENTS_OPENED,
    LLM_AUDIT,
    LOGS_ANOMALIES,
    LOGS_RECORDS,
    TEMPLATES_EVENTS,
)
from logmesh_testing import read_topic, wait_for_messages
from logmesh_testing.openai_server import OpenAIServer, RecordedRequest, Reply
from template_matching.app import create_app
from template_matching.testing import T0, record, wait_until

pytestmark = [
    pytest.mark.broker, pytest.mark.llm, pytest.mark.slow,
    # litellm's own types trip a pydantic warning about ReadOnly TypedDict items (not our code); which
    # test builds the first litellm response depends on the order tests run in
    pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning"),
]


def synthetic_stream() -> list:
    """Eight minutes of steady traffic; minute 6 has a 12x burst of one template and a new error template."""
    out, n = [], 0
    for minute in range(8):
        start = T0 + timedelta(minutes=minute)
        for i in range(60 if minute == 6 else 5):
            out.append(record(f"GET /api/items/{i} 200 in {i % 7} ms", at=start + timedelta(seconds=i % 50), seq=n))
            n += 1
        for i in range(10):
            out.append(record(f"cache miss for key user:{['ann', 'bob', 'cy'][i % 3]}", at=start + timedelta(seconds=i),
                              seq=n))
            n += 1
        if minute == 6:
            for i in range(30):
                out.append(record(f"payment gateway timeout after {i} retries", level="ERROR",
                                  at=start + timedelta(seconds=20 + i), seq=n))
                n += 1
    out.append(record("GET /api/items/1 200 in 1 ms", at=T0 + timedelta(minutes=9), seq=n))  # closes minute 6..8
    return sorted(out, key=lambda r: r.timestamp)


def model(request: RecordedRequest) -> Reply:
    """A 'model' that also generalises the last word (names the miner keeps as constants)."""
    items = json.loads(request.message_text("user"))["items"]
    answers = []
    for it in items:
        tokens = ["<*>" if re.search(r"\d", t) else t for t in it["lines"][0].split()]
        tokens[-1] = re.sub(r":\w+$", ":<*>", tokens[-1])
        answers.append({"id": it["id"], "template": " ".join(tokens)})
    return Reply(json.dumps({"templates": answers}))


async def test_anomalies_evidence_and_llm_refinement(make_settings, kafka_bootstrap, topic_prefix) -> None:
    async with OpenAIServer(responder=model) as server:
        settings = make_settings(
            anomaly_window_s=60, anomaly_min_history=3, llm_model="openai/loopback", llm_api_base=server.api_base,
            llm_batch_wait_s=0.1, llm_backoff_s=0.01,
        )
        app = create_app(settings)
        tm, service = app.state.template_matching, app.state.service
        records = synthetic_stream()
        async with service.running():
            await service.mesh.publish_many(LOGS_RECORDS, [("acme/api", r) for r in records])
            await wait_until(lambda: tm.records_stored >= len(records), what="records stored")
            anomalies = [json.loads(r.value) for r in await wait_for_messages(
                kafka_bootstrap, topic_prefix + LOGS_ANOMALIES.name, 3, timeout_s=20)]

            incident = Incident(
                event_id="inc-42", incident_id="inc-42", opened_at=T0 + timedelta(minutes=7), source="alert",
                title="checkout failing", severity="critical", target={"namespace": "shop", "service": "api"},
                window_start=T0 + timedelta(minutes=5), window_end=T0 + timedelta(minutes=7),
                evidence_deadline=T0 + timedelta(minutes=8), org="acme",
            )
            await service.mesh.publish(INCIDENTS_OPENED, incident, key="inc-42")
            (part,) = await wait_for_messages(kafka_bootstrap, topic_prefix + EVIDENCE_PARTS.name, 1, timeout_s=20)
            refined = await wait_for_messages(
                kafka_bootstrap, topic_prefix + TEMPLATES_EVENTS.name, 1, timeout_s=20,
                where=lambda r: json.loads(r.value)["kind"] == "llm-refined",
            )
            assert tm.registry.assign("cache miss for key user:zed").template == "cache miss for key user:<*>"
            from prometheus_client import generate_latest

            exposed = generate_latest(service.metrics.registry).decode()
            assert 'logmesh_llm_refiner{counter="accepted"}' in exposed and "logmesh_templates_live" in exposed

    by_kind = {a["kind"]: a for a in anomalies}
    assert set(by_kind) == {"new-template", "frequency-spike", "error-rate-jump"}, [a["summary"] for a in anomalies]
    assert by_kind["frequency-spike"]["observed"] == 60 and by_kind["frequency-spike"]["baseline"] == 5
    assert "payment gateway timeout" in by_kind["new-template"]["sample_lines"][0]
    assert all(r.key.decode() == "acme/api" for r in await read_topic(kafka_bootstrap,
                                                                      topic_prefix + LOGS_ANOMALIES.name))

    evidence = json.loads(part.value)
    assert part.key == b"inc-42" and evidence["kind"] == "logs" and evidence["error"] is None
    top = evidence["items"][0]
    assert "payment gateway timeout after <*> retries" in top["title"] and top["attributes"]["errors"] == "30"
    assert len(evidence["items"]) <= settings.evidence_max_templates

    event = json.loads(refined[0].value)
    assert event["source"] == "llm" and event["template"] == "cache miss for key user:<*>"
    assert event["previous_template_id"] and refined[0].key.decode() == event["template_id"]
    assert server.chat_requests()  # batched, at most llm_batch_size templates per request
    assert all(len(json.loads(r.message_text("user"))["items"]) <= 10 for r in server.chat_requests())
    # every refinement call was audited (and went through the redaction stage) before it left
    audited = [json.loads(r.value) for r in await read_topic(kafka_bootstrap, topic_prefix + LLM_AUDIT.name)]
    assert len(audited) == len(server.chat_requests()) and all(a["redacted"] for a in audited)
    assert {a["endpoint"] for a in audited} == {server.api_base} and all(a["local"] for a in audited)
