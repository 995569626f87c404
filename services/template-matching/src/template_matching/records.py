"""Decoding ``logs.records`` values on the hot path: msgspec first, the pydantic contract as the judge.

``LogRecord`` (contracts) stays the definition of a record. Validating it with pydantic cost about
16 µs per record, more than the template engine; msgspec decodes the same JSON into the frozen
structs below in about 2 µs. The structs mirror the contract field for field (names, types, length
limits, defaults, the level vocabulary) and tests/test_records.py holds them equal on valid and
invalid input. Whatever msgspec refuses is handed to the contract itself: it either accepts the
value (pydantic is laxer about some datetime spellings) or raises the ``ValidationError`` whose
reason the mesh puts on the dead letter. So a record is never rejected that the contract accepts.

Domain code reads records by attribute, so it takes a ``RecordView`` or a ``LogRecord`` alike.

A poll is read first by ``template_native.decode_records`` (Rust, one call): it answers a
``NativeRecord`` for the spelling the mesh writes (ingestion's encoder: known fields once each,
``Z``/``+00:00`` timestamps, …) and None for anything else, which takes the msgspec/contract path
above. tests/test_records.py holds its records equal to the contract's on the same bytes and checks
it never accepts a value the contract refuses. Its records also carry the timestamps as DateTime64(3)
ticks, so the ``logs`` columns of a poll are built in one native call (``LogColumns.of``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal, Protocol, TypeAlias

import msgspec
from template_native import NativeRecord
from template_native import decode_records as native_decode_records

from logmesh_contracts import K8sRef, LogRecord
from logmesh_runtime.kafka import Delivery

_Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
_Org = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
_Service = Annotated[str, msgspec.Meta(max_length=256)]
_SchemaVersion = Annotated[int, msgspec.Meta(ge=1)]


class K8sView(msgspec.Struct, frozen=True, gc=False):
    """``logmesh_contracts.K8sRef`` as a msgspec struct."""

    cluster: str | None = None
    namespace: str | None = None
    pod: str | None = None
    container: str | None = None
    node: str | None = None
    service: str | None = None
    kind: str | None = None
    name: str | None = None

    def to_contract(self) -> K8sRef:
        return K8sRef(
            cluster=self.cluster, namespace=self.namespace, pod=self.pod, container=self.container, node=self.node,
            service=self.service, kind=self.kind, name=self.name,
        )


class RecordView(msgspec.Struct, frozen=True, gc=False):
    """``logmesh_contracts.LogRecord`` as a msgspec struct (unknown fields ignored, as the contract does)."""

    event_id: _Id
    org: _Org
    timestamp: datetime
    received_at: datetime
    message: str
    schema_version: _SchemaVersion = 1
    service: _Service = "unknown"
    host: str | None = None
    level: Literal["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"] = "INFO"
    dashboard: str | None = None
    k8s: K8sView = msgspec.field(default_factory=K8sView)
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    redacted: bool = False
    truncated: bool = False

    def to_contract(self) -> LogRecord:
        return LogRecord.model_validate(msgspec.to_builtins(self))


Record: TypeAlias = RecordView | LogRecord | NativeRecord

_DECODER = msgspec.json.Decoder(RecordView)
_DELIVERY_VALUE = (Delivery, Delivery._fields.index("value"))


def decode_record(value: bytes, _delivery: object = None) -> Record:
    """A ``logs.records`` value; raises the contract's ``ValidationError`` (a ``ValueError``) when invalid."""
    try:
        record = _DECODER.decode(value)
    except msgspec.MsgspecError:
        return LogRecord.model_validate_json(value)
    if not value.isascii():
        try:  # msgspec skips an unknown key without checking its UTF-8; the contract refuses such a value
            value.decode()
        except UnicodeDecodeError:
            return LogRecord.model_validate_json(value)  # raises the contract's reason
    return record


class _HasValue(Protocol):
    @property
    def value(self) -> bytes: ...


def decode_records(deliveries: Sequence[_HasValue]) -> list[Record | Exception]:
    """A poll's ``logs.records`` values (the mesh's ``batch_decoder``): per value its record, or the
    exception that rejects it (dead-lettered with its reason).

    One native call reads the poll (the usual case: every value is the mesh's own spelling); a value it
    does not take goes through :func:`decode_record` (msgspec, then the contract), so the contract
    judges it exactly as it does one at a time.
    """
    try:  # the runtime's poll: the native decoder reads each delivery's value itself
        decoded, missed = native_decode_records(deliveries, _DELIVERY_VALUE)
    except TypeError:  # not a list of the runtime's deliveries (tests, tools)
        decoded, missed = native_decode_records([delivery.value for delivery in deliveries])
    if not missed:
        return decoded
    for index, record in enumerate(decoded):
        if record is None:
            try:
                decoded[index] = decode_record(deliveries[index].value)
            except Exception as exc:  # the contract's ValidationError, or whatever else refuses the value
                decoded[index] = exc
    return decoded
