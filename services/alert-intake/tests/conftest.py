"""Fixtures: payloads shaped like the ones Alertmanager 0.25 sends (captured from the Debian binary)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

WEBHOOK: dict[str, Any] = {
    "receiver": "logmesh",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "KubePodCrashLooping",
                "namespace": "shop",
                "pod": "checkout-7d9f8b-x2k4q",
                "container": "checkout",
                "severity": "critical",
                "cluster": "prod-eu",
                "deployment": "checkout",
            },
            "annotations": {"summary": "Pod is crash looping", "runbook_url": "https://runbooks/x"},
            "startsAt": "2026-11-23T10:00:00.123456789Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=...",
            "fingerprint": "4d2b3e1f0a9c8b7d",
        },
        {
            "status": "firing",
            "labels": {"alertname": "NodeDiskPressure", "node": "node-1", "severity": "warn"},
            "annotations": {"description": "Disk almost full"},
            "startsAt": "2026-11-23T10:01:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "",
            "fingerprint": "1111222233334444",
        },
    ],
    "groupLabels": {"alertname": "KubePodCrashLooping"},
    "commonLabels": {},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": '{}:{alertname="KubePodCrashLooping"}',
    "truncatedAlerts": 0,
}

GENERIC: list[dict[str, Any]] = [
    {
        "labels": {"alertname": "HighLatency", "service": "api", "namespace": "web", "severity": "page"},
        "annotations": {"summary": "p99 over 2s"},
        "startsAt": "2026-11-23T11:00:00Z",
        "generatorURL": "http://grafana/alert/1",
    }
]


def _webhook(**overrides: Any) -> dict[str, Any]:
    payload = copy.deepcopy(WEBHOOK)
    payload.update(overrides)
    return payload


def _generic() -> list[dict[str, Any]]:
    return copy.deepcopy(GENERIC)


@pytest.fixture
def webhook() -> Callable[..., dict[str, Any]]:
    """A fresh Alertmanager v4 webhook payload; keyword arguments replace top-level fields."""
    return _webhook


@pytest.fixture
def generic() -> Callable[[], list[dict[str, Any]]]:
    return _generic
