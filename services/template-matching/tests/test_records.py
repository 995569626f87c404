"""The hot-path decoder against the contract: same records from valid input, and nothing rejected
that ``LogRecord`` accepts (what msgspec refuses goes to the contract, whose reason dead-letters)."""

from __future__ import annotations

import json
import random
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import NamedTuple

import msgspec
import pytest
from pydantic import ValidationError
from template_native import NativeRecord, log_columns
from template_native import decode_records as native_decode_records

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
    if isinstance(record, NativeRecord):
        fields = {name: getattr(record, name) for name in LogRecord.model_fields}
        fields["k8s"] = {name: getattr(record.k8s, name) for name in K8sRef.model_fields}
        return fields
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


INVALID.append(b'{"event_id": "x", "org": "o", "timestamp": "2026-03-01T12:00:00Z", '
               b'"received_at": "2026-03-01T12:00:00Z", "message": "m", "unkn\xffown": 1}')  # bad UTF-8 in a skipped key


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
        assert isinstance(got, NativeRecord) or type(got) is type(decode_record(delivery.value))
        assert as_dict(got) == expected.model_dump()


def test_the_native_decoder_reads_the_runtimes_deliveries_as_it_reads_their_values() -> None:
    """``decode_records`` hands the runtime's poll to the native decoder as it is (it reads each delivery's value
    itself): the same records and misses as from the list of values; anything but the runtime's ``Delivery``
    is refused (``TypeError``) and the poll goes the way of its values, with the same results."""
    rng = random.Random(11)
    values = [json.dumps(_ingestion_like(rng, n)).encode() for n in range(300)] + [
        v.encode() if isinstance(v, str) else v for v in INVALID]
    polled = deliveries(values)
    from_deliveries, missed = native_decode_records(polled, (Delivery, Delivery._fields.index("value")))
    from_values, missed_values = native_decode_records(values)
    assert missed == missed_values == len(INVALID)
    assert [None if r is None else as_dict(r) for r in from_deliveries] == [
        None if r is None else as_dict(r) for r in from_values]
    assert [r is None for r in from_deliveries[300:]] == [True] * len(INVALID)

    class Other(NamedTuple):  # a tuple with the value elsewhere: never read as a delivery
        value: bytes
        topic: str
    with pytest.raises(TypeError):
        native_decode_records([Other(values[0], "t")], (Delivery, 6))
    with pytest.raises(TypeError):
        native_decode_records([*polled[:2], values[2]], (Delivery, 6))
    others = [Other(v, "logs.records") for v in values]
    assert [type(r) for r in decode_records(others)] == [type(r) for r in decode_records(polled)]
    assert [as_dict(r) for r in decode_records(others)[:300]] == [as_dict(r) for r in from_values[:300]]


def test_records_of_one_pod_share_one_k8s_reference_with_its_own_fields() -> None:
    """The native decoder makes one (frozen) ``k8s`` object per distinct reference of a poll: records of one pod
    share it; any field that differs (a None against an empty string included) gives another, with its fields."""
    rng = random.Random(13)
    values = [_ingestion_like(rng, n) for n in range(60)]
    values[7]["k8s"] = {**values[7]["k8s"], "container": "app"}
    values[12]["k8s"] = {**values[12]["k8s"], "container": ""}
    values[17]["k8s"] = {}
    records, missed = native_decode_records([json.dumps(v).encode() for v in values])
    assert missed == 0
    for n, (value, got) in enumerate(zip(values, records, strict=True)):
        assert as_dict(got)["k8s"] == K8sRef.model_validate(value["k8s"]).model_dump(), n
    assert records[2].k8s is records[22].k8s is records[57].k8s  # svc-2's pod, as written by ingestion
    assert records[2].k8s is not records[3].k8s
    assert records[7].k8s is not records[2].k8s and records[12].k8s is not records[2].k8s
    assert records[12].k8s is not records[7].k8s and records[12].k8s.container == ""
    assert records[17].k8s.namespace is None and records[17].k8s is not records[2].k8s


def test_timestamp_columns_convert_runs_of_equal_values_once_and_exactly() -> None:
    naive = NOW.replace(tzinfo=None)
    other_zone = NOW.astimezone(timezone(timedelta(hours=2)))  # the same instant
    values = [NOW, NOW, other_zone, naive, naive, NOW + timedelta(microseconds=999), NOW - timedelta(days=20000)]
    assert epoch_ms_column(values) == [epoch_ms(v) for v in values]
    assert epoch_ms_column([]) == []


# ------------------------------------------------------------------ the native decoder against the contract

def _ingestion_like(rng: random.Random, n: int) -> dict:
    """A record as ingestion writes it (msgspec's spelling of ``LogRecord``)."""
    at = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(microseconds=rng.randrange(10**12))
    return json.loads(LogRecord(
        event_id=f"logs.raw-{n}", org="acme", timestamp=at, received_at=at + timedelta(milliseconds=3),
        service=f"svc-{n % 5}", host=rng.choice([None, "node-1"]), level=rng.choice(["INFO", "ERROR", "DEBUG"]),
        message=f"GET /items/{n} 200 in {n % 900}ms", k8s=K8sRef(namespace="shop", pod=f"svc-{n % 5}-abc"),
        metadata=rng.choice([{}, {"trace": str(n)}]),
    ).model_dump_json())


_STRINGS = ["", "plain", "ünïcødé ✓", "🦀", "x" * 128, "é" * 128, "é" * 129, "x" * 129, "s" * 256, "s" * 257,
            r"tab\tquote\"back\\slash\/", r"\u00e9\u0000", r"\ud83e\udd80", r"\ud800", r"\udc00x", r"\ud800\u0041",
            r"\x", r"\u12", "raw\x1fctl", r"\b\f\r\n", "del\x7f"]  # JSON source: escapes as written
_TIMES = ["2026-03-01T12:00:00Z", "2026-03-01T12:00:00.5Z", "2026-03-01T12:00:00.123456Z",
          "2026-03-01T12:00:00.1234567Z", "2026-03-01T12:00:00+00:00", "2026-03-01T12:00:00-00:00",
          "2026-03-01T12:00:00+01:00", "2026-03-01T12:00:00z", "2026-03-01t12:00:00Z", "2026-03-01 12:00:00Z",
          "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2000-02-29T23:59:59.999999Z",
          "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z",
          "2026-04-31T00:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T12:60:00Z", "2026-03-01T12:00:60Z",
          "2026-03-01T12:00:00.Z", "2026-03-01T12:00:00", "2026-03-01T12:00Z", "2026-03-01", "1969-12-31T23:59:59.999Z",
          "1970-01-01T00:00:00.0001Z"]
_OTHER = ["null", "true", "false", "0", "1", "-1", "1.0", "1e3", "01", "99999999999999999999", '""', "[]", "{}",
          '{"pod": "p"}', '{"pod": null, "pod": "q"}', '{"nope": "x"}', '{"k": "v"}', '{"k": 1}', '{"k": "v", "k": "w"}']


def _fuzzed_values(rng: random.Random, count: int) -> list[bytes]:
    keys = list(LogRecord.model_fields)
    out: list[bytes] = []
    for n in range(count):
        fields = {k: json.dumps(v, ensure_ascii=rng.random() < 0.5) for k, v in _ingestion_like(rng, n).items()}
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            key = rng.choice([*keys, "extra"])
            pick = rng.random()
            if pick < 0.1:
                fields.pop(key, None)
            elif pick < 0.35 and key in ("timestamp", "received_at"):
                fields[key] = f'"{rng.choice(_TIMES)}"'
            elif pick < 0.7:
                fields[key] = f'"{rng.choice(_STRINGS)}"'
            else:
                fields[key] = rng.choice(_OTHER)
        items = [f'"{k}":{v}' for k, v in fields.items()]
        rng.shuffle(items)
        if rng.random() < 0.05:
            items.append(rng.choice(items))  # a key twice
        space = rng.choice(["", " ", "\n\t "])
        text = "{" + space + ("," + space).join(items) + space + "}"
        raw = text.encode()
        pick = rng.random()
        if pick < 0.02:
            raw = raw[: rng.randrange(len(raw))]  # cut short
        elif pick < 0.04:
            raw += rng.choice([b" x", b"}", b"\xff", b" \n"])
        elif pick < 0.06:
            at = rng.randrange(len(raw))
            raw = raw[:at] + rng.choice([b"\xc3", b"\xff", b"\x01", b'"']) + raw[at:]
        out.append(raw)
    return out


def test_the_native_decoder_reads_only_what_the_contract_accepts_and_reads_it_the_same() -> None:
    """Fuzzed values around the mesh's spelling (escapes, unicode, limits, every timestamp spelling near the
    grammar, missing, extra, repeated and mistyped fields, invalid JSON and UTF-8): wherever the native
    decoder answers a record, the contract accepts the same bytes and holds the same fields, and its ticks
    are the contract's timestamps in milliseconds; wherever the contract refuses, the native decoder
    answers None (the poll decoder then gives the contract's error). Most values take the native path."""
    rng = random.Random(21)
    values = [value.encode() if isinstance(value, str) else value for value in VALID + INVALID]
    values += _fuzzed_values(rng, 4000)
    native, missed = native_decode_records(values)
    assert missed == sum(r is None for r in native)
    taken = 0
    for value, got in zip(values, native, strict=True):
        try:
            contract = LogRecord.model_validate_json(value)
        except ValidationError:
            assert got is None, value
            continue
        if got is None:
            continue
        taken += 1
        assert as_dict(got) == contract.model_dump(), value
        assert got.timestamp.utcoffset() == timedelta(0) and got.received_at.utcoffset() == timedelta(0)
        assert (got.ts_ms, got.received_ms) == (epoch_ms(contract.timestamp), epoch_ms(contract.received_at))
    assert taken > len(values) // 3
    polled = decode_records(deliveries(values))
    for value, got in zip(values, polled, strict=True):
        try:  # whatever the native decoder leaves goes the Python path, value by value, as before
            expected = decode_record(value)
        except Exception as python_path:  # the contract's ValidationError, or msgspec's refusal of bad UTF-8
            assert type(got) is type(python_path) and str(got) == str(python_path)
            continue
        assert as_dict(got) == as_dict(expected)
        LogRecord.model_validate_json(value)  # nothing the contract refuses is accepted


def test_native_columns_are_the_columns_of_the_same_records() -> None:
    """``LogColumns.of`` over a natively decoded poll (one native call) equals the column-by-column build
    over the same values decoded by msgspec."""
    rng = random.Random(5)
    values = [json.dumps(_ingestion_like(rng, n)).encode() for n in range(200)]
    values.append(full_record().model_dump_json().encode())
    native, missed = native_decode_records(values)
    assert missed == 0
    tids = [f"tpl-{n % 7}" for n in range(len(values))]
    fast = LogColumns.of(native, tids)
    slow = LogColumns.of([decode_record(v) for v in values], tids)
    assert isinstance(decode_record(values[0]), RecordView)
    assert fast.columns == slow.columns
    assert [type(v) for v in fast.columns[15]] == [bool] * len(values)
    assert log_columns(native, tids) is not None
    mixed = LogColumns.of([*native[:3], decode_record(values[3])], tids[:4])  # not all native: column by column
    assert list(mixed) == list(LogColumns.of([decode_record(v) for v in values[:4]], tids[:4]))
