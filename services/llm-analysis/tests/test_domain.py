"""Incidents, correlation and request parsing (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from llm_analysis.domain import (
    correlation_keys,
    incident_id_for,
    join_incident,
    make_incident,
    opening_from_alert,
    opening_from_cluster_event,
    workload_of,
)
from llm_analysis.http import analysis_request_from_body
from llm_analysis.testing import alert, cluster_event
from logmesh_contracts import K8sRef

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("pod", "workload"), [
    ("api-7d9f8b6c5d-x2x9z", "api"), ("postgres-0", "postgres"), ("fluentd-abcde", "fluentd"), ("plain", "plain"),
])
def test_workload_of_pod(pod: str, workload: str) -> None:
    assert workload_of(pod) == workload


def test_alert_and_event_about_one_pod_share_an_incident_key() -> None:
    opening = opening_from_alert(alert(), 900)
    event = opening_from_cluster_event(cluster_event(), 900)
    assert opening and event
    assert set(opening.keys) & set(event.keys)
    # a service-level alert meets the pod's workload
    assert "default/prod/app:api" in correlation_keys("default", K8sRef(namespace="prod", service="api"))


def test_incident_id_is_deterministic_per_object_and_bucket() -> None:
    a = opening_from_alert(alert(starts_at=NOW), 900)
    b = opening_from_alert(alert(starts_at=NOW + timedelta(minutes=1), alertname="KubePodNotReady"), 900)
    c = opening_from_alert(alert(starts_at=NOW, pod="web-5c8d7f9b4-abcde"), 900)
    assert a and b and c
    assert incident_id_for(a, 900) == incident_id_for(b, 900) != incident_id_for(c, 900)


def test_joining_keeps_the_deadline_and_merges_sources() -> None:
    opening = opening_from_alert(alert(starts_at=NOW), 900)
    event = opening_from_cluster_event(cluster_event(), 900)
    assert opening and event
    incident = make_incident(opening, "inc-1", 5, NOW)
    joined = join_incident(incident, event)
    assert joined.evidence_deadline == NOW + timedelta(seconds=5)
    assert joined.source_ids == [opening.source_id, event.source_id]
    assert joined.labels["event.reason"] == "OOMKilled" and joined.alertname == "KubePodCrashLooping"
    assert joined.event_id == incident.event_id  # the same incident, announced again


def test_rest_body_becomes_an_analysis_request() -> None:
    request = analysis_request_from_body(
        {"namespace": "prod", "pod_selector": "app=api,tier=web", "since": "2h", "severity": "error",
         "analysis_type": "summary"}, requested_by="rest", now=NOW)
    assert request.window_start == NOW - timedelta(hours=2) and request.window_end == NOW
    assert request.pod_selector == {"app": "api", "tier": "web"}
    assert request.severities == ["error"] and request.analysis_type == "summary"
    again = analysis_request_from_body({"request_id": "r1"}, requested_by="rest", now=NOW)
    assert again.event_id == analysis_request_from_body({"request_id": "r1"}, requested_by="rest").event_id


@pytest.mark.parametrize("body", [
    [], {"since": "forever"}, {"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
    {"pod_selector": "novalue"}, {"analysis_type": "poetry"},
])
def test_bad_rest_bodies_are_refused(body: object) -> None:
    with pytest.raises(ValueError):  # pydantic's ValidationError is a ValueError
        analysis_request_from_body(body, requested_by="rest", now=NOW)


def test_the_llm_category_is_used_only_when_the_rules_are_unsure() -> None:
    from llm_analysis.domain import assemble, llm_result, run_diagnosis
    from llm_analysis.safety import LlmAnswer
    from logmesh_contracts import EvidenceItem, EvidencePart, utcnow

    def result_for(alertname: str, body: str) -> str:
        opening = opening_from_alert(alert(alertname=alertname), 900)
        assert opening is not None
        incident = make_incident(opening, "inc-1", 5, NOW)
        part = EvidencePart(event_id="p", incident_id="inc-1", kind="logs", provider="t", collected_at=utcnow(),
                            items=[EvidenceItem(ref="log:1", title="t", body=body)])
        ctx = assemble(incident, [part])
        answer = LlmAnswer(root_cause="CoreDNS pods are overloaded", category="dns-issues", confidence=0.7)
        return llm_result(ctx, run_diagnosis(ctx), answer, NOW, model="m", prompt_tokens=1, completion_tokens=1,
                          cost_usd=0.0, latencies={}, notes=[]).category

    assert result_for("SomethingOdd", "all quiet") == "dns-issues"  # rules unsure: the model decides
    assert result_for("KubePodCrashLooping", "Reason: OOMKilled Exit Code: 137") == "oom-killed"  # rules sure


def test_a_model_answer_weaker_than_the_rules_never_replaces_them() -> None:
    from llm_analysis.domain import assemble, run_diagnosis, weaker_than_floor
    from llm_analysis.safety import LlmAnswer, LlmCitation
    from logmesh_contracts import EvidenceItem, EvidencePart, utcnow

    opening = opening_from_alert(alert(alertname="KubePodCrashLooping", pod="payments-6b7c9d8f5-q7w2e"), 900)
    assert opening is not None
    incident = make_incident(opening, "inc-1", 5, NOW)
    body = "Last State: Terminated\n  Reason: OOMKilled\n  Exit Code: 137\nLimits:\n  memory: 256Mi"
    part = EvidencePart(event_id="p", incident_id="inc-1", kind="cluster", provider="t", collected_at=utcnow(),
                        items=[EvidenceItem(ref="pod:payments", title="describe pod", body=body)])
    ctx = assemble(incident, [part])
    diagnosis = run_diagnosis(ctx)
    assert diagnosis.category == "oom-killed" and not diagnosis.unsure
    cite = [LlmCitation(ref="pod:payments", excerpt="Reason: OOMKilled")]

    def verdict(root_cause: str, category: str = "oom-killed", evidence: list[LlmCitation] = cite) -> str | None:
        return weaker_than_floor(ctx, diagnosis, LlmAnswer(root_cause=root_cause, category=category,
                                                          evidence=evidence))

    specific = ("Container payments in payments-6b7c9d8f5-q7w2e was OOMKilled (exit code 137) "
                "at its 256Mi memory limit")
    assert verdict(specific) is None
    assert "less supported" in (verdict("The application ran out of memory.") or "")  # vague: no evidence terms
    assert "contradicts" in (verdict(specific, category="pod-crash") or "")
    assert "cites no" in (verdict(specific, evidence=[]) or "")
