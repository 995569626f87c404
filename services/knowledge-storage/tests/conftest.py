"""Factories for knowledge-storage tests: analyses, incidents and verdicts as the mesh carries them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from knowledge_storage.adapters.embedders import HashingEmbedder
from knowledge_storage.adapters.qdrant import QdrantCaseStore
from knowledge_storage.cases import CaseBase
from logmesh_contracts import AnalysisResult, Citation, Feedback, Incident, K8sRef

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def result(incident_id: str, *, title: str = "Pod checkout-7f9c8d6b5-xk2lp in shop is crash looping",
           alertname: str = "KubePodCrashLooping", category: str = "pod-crash", namespace: str = "shop",
           root_cause: str = "DATABASE_URL missing after the configmap was renamed",
           excerpt: str = "KeyError: 'DATABASE_URL'", model: str = "openai/gpt-4o-mini",
           completed_at: datetime = NOW, **extra: Any) -> AnalysisResult:
    return AnalysisResult(
        event_id=f"result-{incident_id}", incident_id=incident_id, completed_at=completed_at, title=title,
        severity="critical", target=K8sRef(namespace=namespace, service=title.split()[1].rsplit("-", 2)[0]),
        alertname=alertname, category=category, root_cause=root_cause, confidence=0.8,
        evidence=[Citation(ref="log:1", excerpt=excerpt)], actions=["restore the configmap key"], model=model, **extra,
    )


def incident(incident_id: str, *, title: str = "Pod checkout-5d8f7b9c4-abcde in shop is crash looping",
             alertname: str = "KubePodCrashLooping", category: str = "pod-crash", namespace: str = "shop",
             deadline_s: float = 30.0, **extra: Any) -> Incident:
    now = datetime.now(UTC)
    return Incident(
        event_id=f"opened-{incident_id}", incident_id=incident_id, opened_at=now, source="alert", title=title,
        severity="critical", category_hint=category, target=K8sRef(namespace=namespace), window_start=now,
        window_end=now, alertname=alertname, evidence_deadline=now + timedelta(seconds=deadline_s), **extra,
    )


def verdict(incident_id: str, verdict: str = "correct", *, given_by: str = "ann", event_id: str | None = None,
            at: datetime = NOW, **extra: Any) -> Feedback:
    return Feedback(
        event_id=event_id or f"fb-{incident_id}-{given_by}-{verdict}", incident_id=incident_id, verdict=verdict,
        given_by=given_by, given_at=at, channel="slack-button", **extra,
    )


@pytest.fixture
def make() -> SimpleNamespace:
    return SimpleNamespace(result=result, incident=incident, verdict=verdict, now=NOW)


@pytest.fixture
def open_cases(qdrant_location: str) -> Iterator[Any]:
    """Open (and re-open) a case base on the test's Qdrant with a given embedder; closes them all."""
    opened: list[CaseBase] = []

    def factory(embedder: Any = None) -> CaseBase:
        for previous in opened:  # local mode: one client per directory at a time
            previous.store.close()
        embedder = embedder or HashingEmbedder(512)
        store = QdrantCaseStore(qdrant_location, prefix="t_", embedding_model=embedder.model_id, dim=embedder.dim)
        cases = CaseBase(store, embedder)
        opened.append(cases)
        return cases

    yield factory
    for cases in opened:
        cases.store.close()
