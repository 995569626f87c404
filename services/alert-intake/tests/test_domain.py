"""Pure alert-intake logic: parsing, identities, severity, routing hints, limits, the dedup window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from alert_intake import domain
from logmesh_contracts import Alert, K8sRef, stable_id

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def parse(document: object) -> domain.Intake:
    return domain.any_alerts(document, received_at=NOW, org="default")


def test_webhook_v4_becomes_one_alert_event_per_alert(webhook: Callable[..., Any]) -> None:
    intake = parse(webhook())
    assert intake.kind == "webhook"
    first, second = intake.alerts
    assert isinstance(first, Alert)
    assert first.fingerprint == "4d2b3e1f0a9c8b7d"
    assert first.status == "firing"
    assert first.alertname == "KubePodCrashLooping"
    assert first.severity == "critical"
    assert first.ends_at is None  # Go's zero time means "no end"
    assert first.starts_at == datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)
    assert first.summary == "Pod is crash looping"
    assert first.receiver == "logmesh"
    assert first.group_key == '{}:{alertname="KubePodCrashLooping"}'
    assert first.external_url == "http://alertmanager:9093"
    assert first.target == K8sRef(
        cluster="prod-eu", namespace="shop", pod="checkout-7d9f8b-x2k4q", container="checkout",
        kind="Deployment", name="checkout",
    )
    assert second.severity == "warning"
    assert second.summary == "Disk almost full"
    assert second.generator_url is None
    assert second.target == K8sRef(node="node-1")


def test_event_ids_are_deterministic_per_fingerprint_startsat_and_status(webhook: Callable[..., Any]) -> None:
    a = parse(webhook()).alerts[0]
    b = parse(webhook()).alerts[0]
    assert a.event_id == b.event_id == stable_id("4d2b3e1f0a9c8b7d", "2026-11-23T10:00:00.123456+00:00", "firing")
    resolved = webhook(status="resolved")
    resolved["alerts"][0]["status"] = "resolved"
    resolved["alerts"][0]["endsAt"] = "2026-11-23T10:05:00Z"
    r = parse(resolved).alerts[0]
    assert r.fingerprint == a.fingerprint and r.starts_at == a.starts_at
    assert r.status == "resolved" and r.ends_at == datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    assert r.event_id != a.event_id
    # the same instant written with another offset is the same alert state
    shifted = webhook()
    shifted["alerts"][0]["startsAt"] = "2026-11-23T11:00:00.123456+01:00"
    assert parse(shifted).alerts[0].event_id == a.event_id


def test_unknown_fields_from_newer_alertmanagers_are_accepted(webhook: Callable[..., Any]) -> None:
    payload = webhook(newField={"x": 1})
    payload["alerts"][0]["silencedBy"] = []
    intake = parse(payload)
    assert intake.unknown_fields == ["newField"]
    assert len(intake.alerts) == 2


def test_truncated_alerts_are_recorded_on_every_alert(webhook: Callable[..., Any]) -> None:
    intake = parse(webhook(truncatedAlerts=7))
    assert intake.truncated_alerts == 7
    assert {a.truncated_alerts for a in intake.alerts} == {7}


def test_generic_alerts_get_a_fingerprint_from_sorted_labels(generic: Callable[..., Any]) -> None:
    intake = parse(generic())
    (alert,) = intake.alerts
    assert intake.kind == "generic"
    assert alert.fingerprint == domain.fingerprint(generic()[0]["labels"])
    assert alert.status == "firing"
    assert alert.severity == "critical"
    assert alert.target == K8sRef(namespace="web", service="api")
    reordered = generic()
    reordered[0]["labels"] = dict(reversed(list(reordered[0]["labels"].items())))
    assert parse(reordered).alerts[0].fingerprint == alert.fingerprint


def test_fingerprint_is_alertmanagers_fnv1a_over_sorted_labels() -> None:
    # FNV-1a 64 offset basis for the empty label set, as Alertmanager/Prometheus compute it.
    assert domain.fingerprint({}) == "cbf29ce484222325"
    # captured from Alertmanager 0.25's webhook for an alert posted with exactly these labels
    assert domain.fingerprint({"alertname": "X", "pod": "p"}) == "b3fe63deb8379dcb"
    assert domain.fingerprint({"a": "b"}) != domain.fingerprint({"a": "c"})
    # the 0xff separator keeps name/value boundaries apart
    assert domain.fingerprint({"ab": "c"}) != domain.fingerprint({"a": "bc"})


def test_generic_alert_with_past_endsat_is_a_resolution(generic: Callable[..., Any]) -> None:
    payload = generic()
    payload[0]["endsAt"] = "2026-11-23T11:30:00Z"
    (alert,) = parse(payload).alerts
    assert alert.status == "resolved"
    payload[0]["endsAt"] = "2026-11-23T13:00:00Z"  # in the future: still firing
    assert parse(payload).alerts[0].status == "firing"


def test_the_same_alert_twice_in_one_request_is_published_once(generic: Callable[..., Any]) -> None:
    payload = generic() + generic()
    intake = parse(payload)
    assert len(intake.alerts) == 1
    assert intake.in_request_duplicates == 1


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"severity": "critical"}, "critical"),
        ({"severity": "CRITICAL "}, "critical"),
        ({"severity": "page"}, "critical"),
        ({"priority": "P1"}, "critical"),
        ({"severity": "warning"}, "warning"),
        ({"severity": "error"}, "warning"),
        ({"severity": "info"}, "info"),
        ({"severity": "none"}, "info"),
        ({"severity": "bogus"}, "warning"),
        ({}, "warning"),
    ],
)
def test_severity_is_normalised(labels: dict[str, str], expected: str) -> None:
    assert domain.normalise_severity(labels) == expected


def test_exported_labels_name_the_object_not_the_scrape_target() -> None:
    labels = {
        "namespace": "monitoring", "exported_namespace": "shop", "pod": "kube-state-metrics-0",
        "exported_pod": "checkout-1", "job": "kube-state-metrics", "job_name": "backup-123",
    }
    assert domain.target_from_labels(labels) == K8sRef(namespace="shop", pod="checkout-1", kind="Job", name="backup-123")


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"", 400, "empty body"),
        (b"{not json", 400, "not valid JSON"),
        (b"\xff\xfe", 400, "not valid JSON"),
    ],
)
def test_bad_json_is_400(body: bytes, status: int, fragment: str) -> None:
    with pytest.raises(domain.PayloadError) as caught:
        domain.parse_json(body)
    assert caught.value.status == status
    assert fragment in caught.value.reason


def _set(path: tuple[object, ...], value: object) -> Callable[[dict[str, Any]], object]:
    """A mutation of the sample webhook: set the field at ``path`` to ``value``."""

    def mutate(payload: dict[str, Any]) -> object:
        target: Any = payload
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        return payload

    return mutate


def _replace(document: object) -> Callable[[dict[str, Any]], object]:
    return lambda _payload: document


def _drop(name: str) -> Callable[[dict[str, Any]], object]:
    return lambda payload: {k: v for k, v in payload.items() if k != name}


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (_replace("a string"), "expected a JSON object"),
        (_replace(42), "expected a JSON object"),
        (_replace(None), "expected a JSON object"),
        (_drop("alerts"), "missing 'alerts'"),
        (_set(("alerts",), {"not": "a list"}), "alerts: Input should be a valid list"),
        (_set(("receiver",), None), "receiver"),
        (_set(("status",), 3), "status"),
        (_set(("truncatedAlerts",), "many"), "truncatedAlerts"),
        (_set(("alerts", 0, "startsAt"), "yesterday at noon"), "alerts.0.startsAt"),
        (_set(("alerts", 0, "endsAt"), "2026-99-01"), "alerts.0.endsAt"),
        (_set(("alerts", 1, "startsAt"), "0001-01-01T00:00:00Z"), "alerts.1.startsAt: must be a real time"),
        (_set(("alerts", 0, "labels", "replicas"), 3), "alerts.0.labels.replicas"),
        (_set(("alerts", 0, "labels"), ["a", "b"]), "alerts.0.labels"),
        (_set(("alerts", 0, "status"), "pending"), "alerts.0.status"),
        (_set(("alerts", 0), "an alert"), "alerts.0"),
        (_replace(["not an object"]), "0: expected an object"),
        (_replace([{"labels": {}, "startsAt": "2026-11-23T11:00:00Z"}]), "0.labels"),
        (_replace([{"labels": {"alertname": "X"}}]), "0.startsAt: Field required"),
        (_replace([{"labels": {"alertname": "X"}, "startsAt": "2026-02-30T00:00:00Z"}]), "0.startsAt"),
    ],
)
def test_malformed_payloads_are_422_with_a_reason(
    mutate: Callable[[dict[str, Any]], object], fragment: str, webhook: Callable[..., Any]
) -> None:
    with pytest.raises(domain.PayloadError) as caught:
        parse(mutate(webhook()))
    assert caught.value.status == 422
    text = " ".join([caught.value.reason, *caught.value.details])
    assert fragment in text, text


def test_reasons_never_echo_the_payload(webhook: Callable[..., Any]) -> None:
    payload = webhook()
    payload["alerts"][0]["startsAt"] = "SECRET-VALUE-1234"
    with pytest.raises(domain.PayloadError) as caught:
        parse(payload)
    assert "SECRET-VALUE-1234" not in str(caught.value.body())


def test_limits_on_alert_count_and_alert_size(webhook: Callable[..., Any]) -> None:
    intake = parse(webhook())
    with pytest.raises(domain.PayloadError) as caught:
        domain.check_limits(intake, max_alerts=1, max_alert_bytes=10_000)
    assert caught.value.status == 413
    big = webhook()
    big["alerts"][1]["annotations"]["description"] = "x" * 5000
    with pytest.raises(domain.PayloadError) as caught:
        domain.check_limits(parse(big), max_alerts=10, max_alert_bytes=4000)
    assert caught.value.status == 413 and "alert 1" in caught.value.reason
    domain.check_limits(intake, max_alerts=2, max_alert_bytes=10_000)


def test_dedup_window_remembers_within_the_window_and_evicts() -> None:
    window = domain.DedupWindow(window_s=10, max_entries=2)
    window.add("a", 100)
    assert window.contains("a", 105)
    assert not window.contains("a", 111)
    window.add("a", 108)  # seen again: slides forward
    assert window.contains("a", 111)
    window.add("b", 109)
    window.add("c", 110)  # over max_entries: the oldest goes
    assert not window.contains("a", 110) and len(window) == 2
    assert window.expire(125) == 2 and len(window) == 0


def test_secret_corpus_recall_on_alert_text_is_at_least_99_percent() -> None:
    from logmesh_testing.secret_corpus import corpus

    now = datetime(2026, 1, 1, tzinfo=UTC)
    lines = corpus()
    missed = []
    for entry in lines:
        document = {"version": "4", "status": "firing", "receiver": "r", "groupKey": "g", "alerts": [{
            "status": "firing", "labels": {"alertname": "X", "token": entry.secret},
            "annotations": {"description": entry.line, "summary": entry.line}, "startsAt": now.isoformat(),
            "generatorURL": "http://prometheus/graph"}]}
        (alert,) = domain.webhook_alerts(document, received_at=now, org="o").alerts
        if entry.leaked(alert.model_dump_json()):
            missed.append(entry.kind)
    assert len(missed) <= len(lines) // 100, missed
