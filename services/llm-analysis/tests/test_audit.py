"""Every LLM call is audited on llm.audit before the prompt leaves, and prompts to a local model are redacted too."""

from __future__ import annotations

import hashlib
import json

import pytest

from llm_analysis.app import create_app
from llm_analysis.domain import make_incident, opening_from_alert
from llm_analysis.testing import alert, part, records, wait_assigned, wait_records
from logmesh_contracts import EvidenceItem, LlmCall, utcnow
from logmesh_contracts.topics import ANALYSIS_RESULTS, EVIDENCE_PARTS, INCIDENTS_OPENED, LLM_AUDIT
from logmesh_testing.openai_server import OpenAIServer, RecordedRequest, Reply

pytest.importorskip("litellm")
pytestmark = [
    pytest.mark.broker,
    # litellm's own types trip a pydantic warning about ReadOnly TypedDict items (not our code)
    pytest.mark.filterwarnings("ignore:.*`ReadOnly` qualifier:UserWarning"),
    pytest.mark.filterwarnings("ignore:Accessing the 'model_(computed_)?fields' attribute:DeprecationWarning"),
]

STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
REDIS = "redis://:Sup3rS3cretPw@cache:6379/0"


def answer() -> str:
    return json.dumps({"root_cause": "The pod exceeds its memory limit.", "category": "oom-killed",
                       "confidence": 0.8, "evidence": [{"ref": "pod:p", "excerpt": "Exit Code: 137"}],
                       "impact": "checkout down", "actions": ["raise the limit"], "prevention": ["alert at 80%"]})


async def test_each_call_is_recorded_with_org_redactions_and_prompt_hash(
    kafka_bootstrap: str, topic_prefix: str, make_settings  # type: ignore[no-untyped-def]
) -> None:
    def respond(_request: RecordedRequest) -> Reply:
        return Reply(answer())

    async with OpenAIServer(responder=respond) as server:
        # a loopback, local model: the default policy redacts its prompts as well
        models = [{"model": "openai/local", "api_base": server.api_base, "local": True}]
        app = create_app(make_settings(llm_models=json.dumps(models)))
        service = app.state.service
        opening = opening_from_alert(alert(pod="pay-1", namespace="prod"), 900)
        assert opening is not None
        incident = make_incident(opening, "inc-audit", 30.0, utcnow()).model_copy(update={"org": "acme"})
        async with service.running():
            await wait_assigned(service)
            await service.mesh.publish(INCIDENTS_OPENED, incident, key=incident.incident_id)
            await service.mesh.publish(EVIDENCE_PARTS, part(incident.incident_id, "cluster", EvidenceItem(
                ref="pod:p", title="describe pod", body=f"Exit Code: 137\nSTRIPE_KEY={STRIPE}\ncache {REDIS}")),
                key=incident.incident_id)
            for kind in ("cluster", "logs", "similar-cases"):
                await service.mesh.publish(EVIDENCE_PARTS, part(incident.incident_id, kind), key=incident.incident_id)
            await wait_records(kafka_bootstrap, topic_prefix + ANALYSIS_RESULTS.name, lambda rs: len(rs) >= 1,
                               timeout_s=60)
        audit = [LlmCall.model_validate_json(json.dumps(r)) for r in await records(kafka_bootstrap, topic_prefix + LLM_AUDIT.name)]
        calls = server.chat_requests()
    assert calls and len(audit) == len(calls)
    first = audit[0]
    assert (first.incident_id, first.org, first.model, first.endpoint) == ("inc-audit", "acme", "openai/local",
                                                                           server.api_base)
    assert first.local and first.redacted and first.redactions.get("stripe-key") == 1
    assert first.redactions.get("url-password") == 1
    sent = calls[0].body["messages"]
    assert first.prompt_sha256 == hashlib.sha256(
        json.dumps(sent, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    assert STRIPE not in server.all_text() and "Sup3rS3cretPw" not in server.all_text()
