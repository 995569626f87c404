"""The hot-path decoder against the contract: same records from valid input, and nothing rejected
that ``LogRecord`` accepts (what msgspec refuses goes to the contract, whose reason dead-letters)."""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest
from pydantic import ValidationError

from logmesh_contracts import K8sRef, LogRecord
from logmesh_runtime.kafka import Delivery
from template_matching.domain import LogColumns, epoch_ms, epoch_ms_column, log_row
from template_matching.records import K8sView, RecordView, decode_record, decode_records

NOW = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def full_record() -> LogRecord:
    return LogRecord(
        event_id="logs.raw-0-17", org="acme", timestamp=NOW, received_at=NOW, service="checkout", host="node-3",
        level="ERROR", message="payment 42 failed: upstream timeout after 250ms", dashboard="d-1",
        k8s=K8sRef(cluster="c", namespace="shop", pod="checkout-7d9f", container="app", node="n1", service="checkout",
                   kind="Deployment", name="checkout"),
        metadata={"trace": "abc", "region": "eu"}, redacted=True, truncated=False,
    )


VALID = [
    full_record().model_dump_json(),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:01.5+00:00", "message": "minimal"}),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00+02:00",
                "received_at": "2026-03-01T12:00:00Z", "message": "offset", "unknown_field": [1, 2]}),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00", "received_at": "2026-03-01T12:00:00",
                "message": "naive", "k8s": {}, "metadata": {}, "schema_version": 2}),
    json.dumps({"event_id": "x", "org": "o" * 128, "service": "s" * 256, "timestamp": "2026-03-01 12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": "ünïcode ✓", "host": None, "level": "FATAL"}),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00", "received_at": "2026-03-01T12:00:00Z",
                "message": "no seconds: msgspec refuses it, the contract accepts it"}),
]

INVALID = [
    b"{not json",
    json.dumps({"event_id": "x", "org": "o", "timestamp": 1772366400, "received_at": "2026-03-01T12:00:00Z",
                "message": "an epoch number (strict contract)"}),
    b"[]",
    json.dumps({"org": "o", "timestamp": "2026-03-01T12:00:00Z", "received_at": "2026-03-01T12:00:00Z",
                "message": "no event id"}),
    json.dumps({"event_id": "", "org": "o", "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": "m"}),
    json.dumps({"event_id": "x", "org": "", "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": "m"}),
    json.dumps({"event_id": "x", "org": "o" * 129, "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": "m"}),
    json.dumps({"event_id": "x", "org": "o", "service": "s" * 257, "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": "m"}),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": "m", "level": "warning"}),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "yesterday", "received_at": "2026-03-01T12:00:00Z",
                "message": "m"}),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": 7}),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": "m", "metadata": {"n": 1}}),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": "m", "redacted": "true"}),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": "m", "schema_version": 0}),
    json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00Z",
                "received_at": "2026-03-01T12:00:00Z", "message": "m", "k8s": {"pod": 3}}),
]


def as_dict(record: object) -> dict:
    if isinstance(record, LogRecord):
        return record.model_dump()
    return msgspec.to_builtins(record, builtin_types=(datetime,))


@pytest.mark.parametrize("value", VALID)
def test_valid_records_decode_as_the_contract_does(value: str | bytes) -> None:
    raw = value.encode() if isinstance(value, str) else value
    assert as_dict(decode_record(raw)) == LogRecord.model_validate_json(raw).model_dump()


def test_the_fast_path_is_taken_and_the_contract_decides_the_rest() -> None:
    assert isinstance(decode_record(VALID[0].encode()), RecordView)
    assert isinstance(decode_record(VALID[-1].encode()), LogRecord)


def test_sub_microsecond_digits_agree_to_the_stored_millisecond() -> None:
    """msgspec rounds nanoseconds to the microsecond, pydantic truncates; ``logs.ts`` keeps milliseconds."""
    raw = json.dumps({"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00.123456789Z",
                      "received_at": "2026-03-01T12:00:00Z", "message": "m"}).encode()
    assert epoch_ms(decode_record(raw).timestamp) == epoch_ms(LogRecord.model_validate_json(raw).timestamp)


@pytest.mark.parametrize("value", INVALID)
def test_invalid_records_are_rejected_with_the_contracts_reason(value: str | bytes) -> None:
    raw = value.encode() if isinstance(value, str) else value
    with pytest.raises(ValidationError) as contract:
        LogRecord.model_validate_json(raw)
    with pytest.raises(ValidationError) as hot_path:
        decode_record(raw)
    assert hot_path.value.errors() == contract.value.errors()


@pytest.mark.parametrize(("view", "contract"), [(RecordView, LogRecord), (K8sView, K8sRef)])
def test_the_structs_mirror_the_contract_field_for_field(view: type, contract: type) -> None:
    hints = typing.get_type_hints(view, include_extras=True)
    fields = {f.name: f for f in msgspec.structs.fields(view)}
    assert set(fields) == set(contract.model_fields)
    for name, info in contract.model_fields.items():
        default = fields[name].default
        if default is msgspec.NODEFAULT and fields[name].default_factory is not msgspec.NODEFAULT:
            default = fields[name].default_factory()
        expected = info.get_default(call_default_factory=True)
        if info.is_required():
            assert default is msgspec.NODEFAULT, name
        elif isinstance(expected, K8sRef):
            assert as_dict(default) == expected.model_dump(), name
        else:
            assert default == expected, name
        limits = {type(m).__name__: m for m in info.metadata}
        meta = next((m for m in getattr(hints[name], "__metadata__", ()) if isinstance(m, msgspec.Meta)), None)
        if "MinLen" in limits or "MaxLen" in limits:
            assert meta is not None, name
            assert meta.min_length == getattr(limits.get("MinLen"), "min_length", None), name
            assert meta.max_length == getattr(limits.get("MaxLen"), "max_length", None), name
    level = typing.get_args(hints.get("level", str))
    if level:
        assert set(level) == set(typing.get_args(contract.model_fields["level"].annotation))


def test_columns_hold_what_rows_hold() -> None:
    contract_record = full_record()
    view = decode_record(contract_record.model_dump_json().encode())
    assert isinstance(view, RecordView)
    for record in (contract_record, view):
        (row,) = list(LogColumns.of([record], ["tpl"]))
        expected = log_row(contract_record, "tpl")
        expected[2], expected[4] = epoch_ms(expected[2]), epoch_ms(expected[4])
        assert row == expected
    assert epoch_ms(NOW) == 1772368215123
    assert epoch_ms(NOW.replace(tzinfo=None)) == epoch_ms(NOW)


def deliveries(values: list[str | bytes]) -> list[Delivery]:
    return [Delivery("logs.records", 0, offset, None, 0, {}, v.encode() if isinstance(v, str) else v)
            for offset, v in enumerate(values)]


@pytest.mark.parametrize("values", [
    VALID,  # the whole poll on the fast path
    [VALID[0], INVALID[0], VALID[1], VALID[-1], *INVALID[1:], VALID[2]],  # rejects and contract-only values mixed in
    INVALID,
    [],
])
def test_a_poll_decodes_exactly_as_its_values_do_one_at_a_time(values: list[str | bytes]) -> None:
    """The batch decoder: per value the record ``decode_record`` gives, or the contract's ``ValidationError``
    (which the mesh dead-letters with its reason) where the contract refuses the value."""
    polled = deliveries(values)
    decoded = decode_records(polled)
    assert len(decoded) == len(polled)
    for delivery, got in zip(polled, decoded, strict=True):
        try:
            expected = LogRecord.model_validate_json(delivery.value)
        except ValidationError as contract:
            assert isinstance(got, ValidationError), delivery.value
            assert got.errors() == contract.errors()
            continue
        assert not isinstance(got, Exception), got
        assert type(got) is type(decode_record(delivery.value))
        assert as_dict(got) == expected.model_dump()


def test_timestamp_columns_convert_runs_of_equal_values_once_and_exactly() -> None:
    naive = NOW.replace(tzinfo=None)
    other_zone = NOW.astimezone(timezone(timedelta(hours=2)))  # the same instant
    values = [NOW, NOW, other_zone, naive, naive, NOW + timedelta(microseconds=999), NOW - timedelta(days=20000)]
    assert epoch_ms_column(values) == [epoch_ms(v) for v in values]
    assert epoch_ms_column([]) == []
