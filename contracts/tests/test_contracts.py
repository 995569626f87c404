"""The contracts stay compatible with what is already on the topics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logmesh_contracts import SERVICES, TOPICS
from logmesh_contracts.schemas import SCHEMA_DIR, breaking_changes, check, current_schemas, models
from logmesh_contracts.topics import EXTERNAL, OPERATOR_SURFACES, all_topic_names

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_committed_schemas_exist_for_every_model() -> None:
    committed = {p.stem for p in SCHEMA_DIR.glob("*.json")}
    assert committed == set(models()), "run `make schemas` and commit contracts/schemas/"


def test_no_breaking_change_against_committed_schemas() -> None:
    assert check() == []


def test_removing_or_retyping_a_field_is_detected() -> None:
    schema = current_schemas()["Alert"]
    removed = json.loads(json.dumps(schema))
    del removed["properties"]["fingerprint"]
    assert any("removed" in p for p in breaking_changes(schema, removed))
    retyped = json.loads(json.dumps(schema))
    retyped["properties"]["truncated_alerts"] = {"type": "string"}
    assert any("changed type" in p for p in breaking_changes(schema, retyped))
    required = json.loads(json.dumps(schema))
    required["required"] = [*schema["required"], "summary"]
    assert any("became required" in p for p in breaking_changes(schema, required))


def test_adding_an_optional_field_is_compatible() -> None:
    schema = current_schemas()["Alert"]
    added = json.loads(json.dumps(schema))
    added["properties"]["new_optional"] = {"type": "string"}
    assert breaking_changes(schema, added) == []


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_example_messages_parse_forever(path: Path) -> None:
    model = models()[path.stem.split(".")[0]]
    model.model_validate_json(path.read_text())


def test_every_model_has_an_example() -> None:
    have = {p.stem.split(".")[0] for p in EXAMPLES.glob("*.json")}
    assert set(models()) <= have


def test_every_internal_topic_has_a_producer_and_a_consumer_in_the_mesh() -> None:
    for topic in TOPICS:
        assert topic.producers and topic.consumers, topic.name
        assert set(topic.producers) | set(topic.consumers) <= {*SERVICES, *OPERATOR_SURFACES, EXTERNAL}, topic.name
    produced = {s for t in TOPICS for s in t.producers}
    consumed = {s for t in TOPICS for s in t.consumers}
    assert set(SERVICES) <= produced | consumed


def test_unknown_fields_from_newer_writers_are_tolerated() -> None:
    example = json.loads((EXAMPLES / "Alert.json").read_text())
    example["field_from_the_future"] = {"x": 1}
    model = models()["Alert"].model_validate_json(json.dumps(example))
    assert not hasattr(model, "field_from_the_future")


def test_internal_messages_validate_types_strictly() -> None:
    example = json.loads((EXAMPLES / "Alert.json").read_text())
    example["truncated_alerts"] = "3"
    with pytest.raises(ValueError, match="truncated_alerts"):
        models()["Alert"].model_validate_json(json.dumps(example))


def test_external_payloads_keep_unknown_fields() -> None:
    payload = json.loads((EXAMPLES / "AlertmanagerWebhook.json").read_text())
    payload["newAlertmanagerField"] = "kept"
    model = models()["AlertmanagerWebhook"].model_validate(payload)
    assert model.model_extra == {"newAlertmanagerField": "kept"}


def test_dead_letter_topics_exist_for_consumed_topics() -> None:
    names = set(all_topic_names())
    for topic in TOPICS:
        if any(c != EXTERNAL for c in topic.consumers):
            assert topic.dead_letter in names


def test_committed_asyncapi_document_matches_the_registry() -> None:
    from logmesh_contracts.asyncapi import DOC_PATH, render

    assert DOC_PATH.read_text() == render(), "run `make schemas` and commit docs/asyncapi.json"
