"""Pure rules: verdicts, validation, statistics, texts, the hashing embedder."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from knowledge_storage import domain
from knowledge_storage.adapters.embedders import HashingEmbedder


def test_point_ids_are_deterministic_and_distinct() -> None:
    assert domain.case_point_id("inc-1") == domain.case_point_id("inc-1")
    assert domain.case_point_id("inc-1") != domain.case_point_id("inc-2")
    assert domain.verdict_point_id("inc-1", "ann") != domain.verdict_point_id("inc-1", "bob")


def test_validation_needs_more_correct_than_incorrect(make) -> None:
    def v(verdict: str, minutes: int, **extra: object) -> dict:
        return domain.verdict_payload(make.verdict("i", verdict, given_by=f"p{minutes}",
                                                   at=make.now + timedelta(minutes=minutes), **extra), None)

    assert domain.validation([]).state == domain.UNVALIDATED
    assert domain.validation([v("correct", 1)]).state == domain.VALIDATED
    assert domain.validation([v("incorrect", 1)]).state == domain.REJECTED
    assert domain.validation([v("correct", 1), v("incorrect", 2)]).state == domain.REJECTED  # ties reject
    assert domain.validation([v("correct", 1), v("incorrect", 2), v("correct", 3)]).state == domain.VALIDATED
    fixed = domain.validation([v("incorrect", 1, corrected_root_cause="disk full", corrected_category="disk-pressure")])
    assert (fixed.corrected_root_cause, fixed.corrected_category) == ("disk full", "disk-pressure")


def test_redelivered_or_older_verdicts_do_not_replace(make) -> None:
    first = make.verdict("i", "correct", event_id="e1")
    stored = domain.verdict_payload(first, None)
    assert domain.replaces(None, first)
    assert not domain.replaces(stored, first)  # same event again
    assert domain.replaces(stored, make.verdict("i", "incorrect", event_id="e2", at=make.now + timedelta(minutes=1)))
    assert not domain.replaces(stored, make.verdict("i", "incorrect", event_id="e0", at=make.now - timedelta(minutes=1)))


def test_accuracy_per_category_and_model() -> None:
    cases = [
        {"category": "pod-crash", "model": "m1", "validation": "validated"},
        {"category": "pod-crash", "model": "m2", "validation": "rejected"},
        {"category": "dns-issues", "model": "m1", "validation": "validated"},
        {"category": "dns-issues", "model": "m1", "validation": "unvalidated"},
    ]
    stats = domain.accuracy_stats(cases).as_dict()
    assert stats["overall"] == {"validated": 2, "rejected": 1, "unvalidated": 1, "accuracy": 0.6667}
    assert stats["by_category"]["pod-crash"]["accuracy"] == 0.5
    assert stats["by_model"]["m1"]["accuracy"] == 1.0
    assert stats["by_model"]["m2"]["accuracy"] == 0.0


def test_payload_migration_refuses_newer_schemas() -> None:
    assert domain.migrate_payload({"schema": 1, "x": 1}) == {"schema": 1, "x": 1}
    with pytest.raises(ValueError, match="newer"):
        domain.migrate_payload({"schema": domain.PAYLOAD_SCHEMA + 1})


def test_query_timeout_follows_the_evidence_deadline(make) -> None:
    incident = make.incident("i", deadline_s=1.0)
    assert domain.query_timeout(incident, incident.opened_at, 2.5) == pytest.approx(0.7, abs=0.05)
    assert domain.query_timeout(incident, incident.opened_at + timedelta(seconds=10), 2.5) == 0.2
    assert domain.query_timeout(make.incident("j", deadline_s=30), incident.opened_at, 2.5) == 2.5


def test_case_text_keeps_the_question_not_the_answer(make) -> None:
    text = domain.case_text(make.result("i"))
    assert "KubePodCrashLooping" in text and "crash looping" in text and "DATABASE_URL" in text
    assert "configmap was renamed" not in text  # the root cause is not part of the vector


def test_hashing_embedder_is_deterministic_unit_length_and_ignores_generated_names() -> None:
    embedder = HashingEmbedder(256)
    a, b, c = embedder.embed([
        "Pod checkout-7f9c8d6b5-xk2lp OOMKilled at 10.0.3.7:8080",
        "Pod checkout-55d9c7f8b4-q2wzr OOMKilled at 10.0.9.1:8080",
        "Node worker-3 reports DiskPressure",
    ])
    assert a == HashingEmbedder(256).embed(["Pod checkout-7f9c8d6b5-xk2lp OOMKilled at 10.0.3.7:8080"])[0]
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    assert np.dot(a, b) == pytest.approx(1.0, abs=1e-5)  # same incident, other pod and address
    assert embedder.raw_similarity(a, c) < 0.3
    assert np.dot(a, c) == pytest.approx((1 + embedder.raw_similarity(a, c)) / 2, abs=1e-5)  # calibrated 0..1
    assert embedder.model_id == "hashing-v1-d256"
