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


def test_stable_ids_are_those_of_hashing_each_part_and_a_separator_in_turn() -> None:
    """Ids already stored (event ids, batch tokens, template event ids) must not change: the one-call
    hash equals part-by-part hashing for strings, numbers, None, enums, str subclasses, surrogates."""
    import enum
    import hashlib
    import random

    from logmesh_contracts import stable_id

    def part_by_part(*parts: object, length: int = 24) -> str:
        digest = hashlib.blake2b(digest_size=16)
        for part in parts:
            digest.update(str(part).encode("utf-8", "surrogatepass"))
            digest.update(b"\x1f")
        return digest.hexdigest()[:length]

    class Kind(str, enum.Enum):  # noqa: UP042 - str() is "Kind.SPIKE", unlike its value
        SPIKE = "spike"

    class Shown(str):
        def __str__(self) -> str:
            return "shown"

    rng = random.Random(5)
    cases: list[tuple[object, ...]] = [(), ("",), ("a", "\x1f"), ("x", 1, None, 2.5), ("\ud800", "\udc00"),
                                       (Kind.SPIKE,), ("a", Kind.SPIKE), (Shown("a"), "b"), ("é", "日本")]
    for _ in range(500):
        cases.append(tuple("".join(chr(rng.choice((rng.randint(0, 0x7F), rng.randint(0x80, 0xFFFF),
                                                   rng.randint(0x10000, 0x10FFFF)))) for _ in range(rng.randint(0, 6)))
                           for _ in range(rng.randint(0, 300))))
    for parts in cases:
        for length in (8, 24, 32):
            assert stable_id(*parts, length=length) == part_by_part(*parts, length=length), parts
