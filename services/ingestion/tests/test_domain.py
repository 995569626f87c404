"""Pure normalisation logic, no broker."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from ingestion.domain import (
    Limits,
    Normaliser,
    Rejected,
    clean_message,
    decode_raw,
    gunzip_bounded,
    http_id_prefix,
    kafka_event_id,
    map_level,
    parse_body,
    parse_timestamp,
    record_key,
)
from ingestion.redaction import Redactor, luhn_ok
from logmesh_contracts import LogRecord

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "level"),
    [
        ("warning", "WARN"), ("WARN", "WARN"), ("err", "ERROR"), ("Error", "ERROR"), ("critical", "FATAL"),
        ("panic", "FATAL"), ("emerg", "FATAL"), ("notice", "NOTICE"), ("trace", "TRACE"), ("dbg", "DEBUG"),
        ("information", "INFO"), (None, "INFO"), ("", "INFO"), (3, "ERROR"), ("4", "WARN"), (7, "DEBUG"),
    ],
)
def test_levels_map_to_the_contract_set(given: object, level: str) -> None:
    assert map_level(given) == (level, None)


def test_unknown_level_is_info_and_keeps_the_original() -> None:
    assert map_level("chatty") == ("INFO", "chatty")
    with pytest.raises(Rejected, match="level"):
        map_level(True)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026-11-23T10:00:00Z", "2026-11-23T10:00:00+00:00"),
        ("2026-11-23T11:30:00+01:30", "2026-11-23T10:00:00+00:00"),
        ("2026-11-23 10:00:00", "2026-11-23T10:00:00+00:00"),  # naive means UTC
        ("2026-11-23T10:00:00.123456Z", "2026-11-23T10:00:00.123456+00:00"),
        ("2026-11-23T10:00:00.123456789Z", "2026-11-23T10:00:00.123456+00:00"),  # Go/Kubernetes nanoseconds
        ("2026-11-23t10:00:00z", "2026-11-23T10:00:00+00:00"),
        (1795428000, "2026-11-23T10:00:00+00:00"),  # epoch seconds
        (1795428000.5, "2026-11-23T10:00:00.500000+00:00"),
        (1795428000123, "2026-11-23T10:00:00.123000+00:00"),  # epoch milliseconds
        ("1795428000123", "2026-11-23T10:00:00.123000+00:00"),
        (1795428000123456789, "2026-11-23T10:00:00.123457+00:00"),  # nanoseconds
        (None, NOW.isoformat()),
    ],
)
def test_timestamps_become_utc(given: object, expected: str) -> None:
    assert parse_timestamp(given, NOW).isoformat() == expected


@pytest.mark.parametrize("given", ["yesterday", "2026-13-01T00:00:00Z", -5, True, [1], {"t": 1}, "9" * 400])
def test_bad_timestamps_are_rejected_with_a_reason(given: object) -> None:
    with pytest.raises(Rejected, match="timestamp"):
        parse_timestamp(given, NOW)


def test_control_characters_and_ansi_codes_are_removed_but_newlines_and_tabs_stay() -> None:
    assert clean_message("\x1b[1;31mERROR\x1b[0m a\x00b\tc\r\nd\x07") == "ERROR ab\tc\nd"
    assert clean_message("plain ünïcödé") == "plain ünïcödé"


def normalise(raw: dict[str, object], **limits: object) -> object:
    return Normaliser(Limits(**limits), Redactor()).normalise(raw, event_id="e1", received_at=NOW)  # type: ignore[arg-type]


def test_a_full_record_is_normalised() -> None:
    record = normalise({
        "org": " acme ", "message": "boom\x00", "timestamp": "2026-11-23T10:00:00Z", "level": "crit",
        "host": "h1", "dashboard": "d", "namespace": "shop", "pod": "p-1", "container": "c", "node": "n1",
        "metadata": {"attempt": 3, "ok": True, "nested": {"a": 1}}, "trace_id": "abc",
    })
    assert record.org == "acme" and record.message == "boom" and record.level == "FATAL"  # type: ignore[attr-defined]
    assert record.service == "c"  # type: ignore[attr-defined] # no service: the container names it
    assert record.k8s.model_dump(exclude_none=True) == {  # type: ignore[attr-defined]
        "namespace": "shop", "pod": "p-1", "container": "c", "node": "n1", "service": "c"
    }
    assert record.metadata == {  # type: ignore[attr-defined]
        "attempt": "3", "ok": "true", "nested": '{"a":1}', "trace_id": "abc"
    }
    assert record_key(record) == "acme/c"  # type: ignore[arg-type]


def test_nested_k8s_object_and_defaults() -> None:
    record = normalise({"org": "o", "message": "m", "k8s": {"namespace": "ns", "pod": "p"}})
    assert record.service == "unknown" and record.k8s.namespace == "ns" and record.level == "INFO"  # type: ignore[attr-defined]
    assert record.timestamp == NOW  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"message": "m"}, "org: required field missing"),
        ({"org": "", "message": "m"}, "org: must not be empty"),
        ({"org": "o"}, "message: required field missing"),
        ({"org": "o", "message": "   "}, "message: must not be empty"),
        ({"org": "o", "message": 5}, "message: expected a string, got a number"),
        ({"org": ["o"], "message": "m"}, "org: expected a string, got an array"),
        ({"org": "o", "message": "m", "service": 1}, "service: expected a string"),
        ({"org": "o", "message": "m", "metadata": [1]}, "metadata: expected an object"),
        ({"org": "o", "message": "m", "k8s": "ns"}, "k8s: expected an object"),
        ({"org": "o" * 129, "message": "m"}, "org: 129 characters; the limit is 128"),  # the contract's bound
        ({"org": "o", "message": "m", "host": "h" * 2000}, "host: 2000 characters; the limit is 1024"),
        ({"org": "o", "message": "a\ud800b"}, "record: cannot be encoded as JSON"),  # a lone surrogate
    ],
)
def test_invalid_records_are_rejected_with_reasons(raw: dict[str, object], reason: str) -> None:
    with pytest.raises(Rejected, match=reason):
        normalise(raw)


@pytest.mark.parametrize(
    "raw",
    [
        {"org": "o", "message": "m"},
        {"org": "acme", "message": "ünï\x1b[31mcödé\r\n", "timestamp": 1795428000.123, "level": "chatty"},
        {"org": "o", "message": "m", "timestamp": "2026-11-23T10:00:00Z", "service": "s" * 300, "pod": "p"},
        {"org": "o", "message": "password=x", "k8s": {"namespace": "ns", "container": "c"}, "extra": [1, None]},
        {"org": "o", "message": "m", "host": " h ", "dashboard": "", "metadata": {"a": None, "token": "t"}},
    ],
)
def test_encoded_records_are_the_contracts_own_json(raw: dict[str, object]) -> None:
    key, value = Normaliser(Limits(), Redactor()).encode(raw, event_id="e1", received_at=NOW)
    record = LogRecord.model_validate_json(value)  # strict: the hot path builds no model, the contract still holds
    assert value == record.model_dump_json().encode()
    assert key == record_key(record)


def test_oversized_messages_reject_or_truncate() -> None:
    with pytest.raises(Rejected, match="message: 11 bytes; the limit is 10") as caught:
        normalise({"org": "o", "message": "x" * 11}, max_message_bytes=10)
    assert caught.value.kind == "oversized"
    record = normalise({"org": "o", "message": "é" * 8}, max_message_bytes=10, oversize_policy="truncate")
    assert record.message == "é" * 5 and record.truncated is True  # type: ignore[attr-defined]
    with pytest.raises(Rejected, match="metadata"):
        normalise({"org": "o", "message": "m", "a": 1, "b": 2}, max_metadata_entries=1)


@pytest.mark.parametrize(
    ("line", "leak"),
    [
        ("password=hunter2 next", "hunter2"),
        ('{"client_secret": "s3cr3t"}', "s3cr3t"),
        ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop"),
        ("using AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG", "wJalrXUtnFEMI"),
        ("mail to jane.doe@example.org now", "jane.doe@example.org"),
        ("card 4111-1111-1111-1111 charged", "4111-1111-1111-1111"),
        ("db postgres://app:pw123@db:5432/x", "pw123"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig", "eyJhbGciOiJIUzI1NiJ9"),
        ("ghp_0123456789abcdefghijklmnopqrstuvwxyz", "ghp_0123456789"),
        ("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", "MIIE"),
    ],
)
def test_redaction_masks_secrets_and_pii(line: str, leak: str) -> None:
    masked, changed = Redactor().text(line)
    assert changed and leak not in masked and "REDACTED" in masked


def test_redaction_leaves_ordinary_lines_alone() -> None:
    for line in ["GET /cart 500 in 12ms", "order 1234567890123 shipped", "took 2026 ms", "token bucket refilled",
                 "pass: 3 tests", "author=jane"]:
        assert Redactor().text(line) == (line, False)
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert Redactor(emails=False).text("a@b.io")[0] == "a@b.io"


def test_bodies_of_every_shape() -> None:
    assert parse_body(b'{"org":"o","message":"m"}', "application/json", 10).shape == "single"
    assert len(parse_body(b'{"logs":[{"a":1},{"b":2}]}', None, 10).items) == 2
    assert parse_body(b'[{"a":1}]', None, 10).shape == "batch"
    ndjson = parse_body(b'{"a":1}\n\n{"b":2}\n', "application/json", 10)  # NDJSON under a JSON content type
    assert ndjson.shape == "ndjson" and len(ndjson.items) == 2
    with pytest.raises(Rejected, match="logs: expected an array"):
        parse_body(b'{"logs": 5}', None, 10)
    with pytest.raises(Rejected, match="got a number"):
        parse_body(b"42", None, 10)
    with pytest.raises(Rejected, match="the limit is 1") as caught:
        parse_body(b"[{},{}]", None, 1)
    assert caught.value.kind == "oversized"
    with pytest.raises(Rejected, match="no records"):
        parse_body(b'{"logs": []}', None, 10)


def test_gunzip_is_bounded_and_accepts_several_members() -> None:
    assert gunzip_bounded(gzip.compress(b"ab") + gzip.compress(b"cd"), 10) == b"abcd"
    with pytest.raises(Rejected, match="after gunzip"):
        gunzip_bounded(gzip.compress(b"x" * 1000), 100)
    with pytest.raises(Rejected, match="truncated"):
        gunzip_bounded(gzip.compress(b"x" * 1000)[:-10], 10_000)


def test_raw_values_json_or_text_with_headers() -> None:
    json_value = decode_raw(orjson.dumps({"message": "m"}), {"org": "o"}, max_bytes=100, default_org=None)
    assert json_value == {"message": "m", "org": "o"}  # headers fill what the JSON lacks
    text = decode_raw(b"hello\n", {"X-Logmesh-Org": "o", "traceparent": "x"}, max_bytes=100, default_org=None)
    assert text == {"org": "o", "message": "hello"}
    assert decode_raw(b"hi", {}, max_bytes=100, default_org="dflt")["org"] == "dflt"
    with pytest.raises(Rejected, match="the limit is 3"):
        decode_raw(b"hello", {}, max_bytes=3, default_org=None)


def test_record_ids_are_deterministic() -> None:
    assert kafka_event_id("logs.raw", 1, 7) == kafka_event_id("logs.raw", 1, 7) != kafka_event_id("logs.raw", 1, 8)
    assert kafka_event_id("logs.raw", 1, 7) != kafka_event_id("logs.raw", 2, 7) != kafka_event_id("other", 1, 7)
    assert http_id_prefix("r", b"body") == http_id_prefix("r", b"body")
    assert http_id_prefix("r", b"body") != http_id_prefix("r", b"other body") != http_id_prefix("s", b"body")


def test_the_fields_ingestion_reads_are_the_raw_log_input_contract() -> None:
    """What producers may send is documented once, in RawLogInput: ingestion reads exactly its fields."""
    from ingestion.domain import KNOWN_FIELDS
    from logmesh_contracts import RawLogInput

    assert set(RawLogInput.model_fields) == KNOWN_FIELDS
    raw = {"org": "acme", "message": "disk full", "level": "error", "k8s": {"namespace": "prod", "pod": "db-0"},
           "cluster": "eu-1", "region": "eu"}
    RawLogInput.model_validate(raw)  # an unknown field is kept (ExternalPayload), as ingestion keeps it in metadata
    _key, value = Normaliser().encode(raw, event_id="e-1", received_at=datetime(2026, 1, 1, tzinfo=UTC))
    record = LogRecord.model_validate_json(value)
    assert (record.k8s.namespace, record.k8s.pod, record.k8s.cluster) == ("prod", "db-0", "eu-1")
    assert record.metadata == {"region": "eu"}


def test_secret_corpus_recall_at_ingestion_is_at_least_99_percent() -> None:
    from logmesh_testing.secret_corpus import corpus

    normaliser = Normaliser(Limits(), Redactor())
    lines = corpus()
    missed = [e.kind for e in lines
              if e.leaked(normaliser.normalise({"org": "o", "message": e.line}, event_id="e", received_at=NOW).message)]
    assert len(missed) <= len(lines) // 100, missed


def test_the_msgspec_encoder_writes_what_orjson_and_the_contract_write() -> None:
    """``encode`` uses msgspec for speed; its bytes must be orjson's (the previous encoder) and the contract's."""
    import random

    rng = random.Random(3)
    alphabet = [chr(c) for c in range(0x20, 0x250)] + ["\t", "\n", "\u2028", "\ufeff", "😀", "\U0010ffff", '"', "\\"]
    normaliser = Normaliser(Limits(), None)
    for index in range(2000):
        message = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) + "x"
        raw = {"org": "o", "message": message, "timestamp": 1795428000 + index * 0.001234, "pod": "p",
               "extra": message[:8], "level": rng.choice(["info", "chatty", 5])}
        received = datetime.fromtimestamp(1795428100 + index / 7, UTC)
        _key, value = normaliser.encode(raw, event_id=f"e{index}", received_at=received)
        record = LogRecord.model_validate_json(value)
        assert value == orjson.dumps(orjson.loads(value) | {"timestamp": record.timestamp,
                                                              "received_at": record.received_at},
                                     option=orjson.OPT_UTC_Z)
        assert value == record.model_dump_json().encode()


def test_a_lone_surrogate_is_rejected_not_raised() -> None:
    with pytest.raises(Rejected, match="cannot be encoded"):
        Normaliser(Limits(), None).encode({"org": "o", "message": "a\ud800b"}, event_id="e", received_at=NOW)


def test_a_polled_batch_decodes_exactly_as_its_messages_one_by_one() -> None:
    """``RawLogs.decode_batch`` (the runtime's batch decoder: redaction over the whole poll) against
    ``decode`` per message, on the load scenario's records with secrets and bad messages among them."""
    import random

    from prometheus_client import CollectorRegistry

    from ingestion.handlers import IngestMetrics, IngestStats, RawLogs
    from ingestion.settings import IngestionSettings
    from logmesh_runtime.kafka import Delivery
    from logmesh_testing.secret_corpus import corpus

    def raw_logs() -> RawLogs:
        return RawLogs(IngestionSettings(), Normaliser(Limits(), Redactor()), None,  # type: ignore[arg-type]
                       IngestStats(), IngestMetrics(CollectorRegistry()))

    rng = random.Random(5)
    values = [orjson.dumps({"org": "load", "service": f"svc-{i % 8}", "level": "INFO", "namespace": "load",
                            "message": f"cache miss for key item:{rng.randint(1, 10**6)}",
                            "timestamp": "2026-11-23T11:59:00.123456+00:00"}) for i in range(300)]
    values += [orjson.dumps({"org": "o", "message": e.line, "metadata": {"note": e.line}}) for e in corpus()]
    values += [b"{not json", b'{"org": "o"}', b"\xff\xfe", orjson.dumps({"org": "o", "message": "m", "extra": "x"}),
               orjson.dumps({"org": "o", "message": "token=abcdef1234", "api_token": "t0ken-value"})]
    rng.shuffle(values)
    deliveries = [Delivery("logs.raw", 0, i, None, 1795428000000 + i, {}, v) for i, v in enumerate(values)]

    _, batched, results = _decoded_singly_and_in_batches(raw_logs, deliveries, 97)
    assert sum(isinstance(r, Rejected) for r in results) == 3 == batched.stats.kafka.rejected
    assert any(b"[REDACTED:" in r[1] and b'"redacted":true' in r[1] for r in results if isinstance(r, tuple))


def _fuzzed_raw_values(count: int, seed: int) -> list[bytes]:
    """logs.raw values around the fast path's edges: every flat field in every JSON type, strings to
    clean, limits, level spellings, timestamps of every form and outside the window, extra fields."""
    import random

    rng = random.Random(seed)
    strings = ["svc", "a b", " lead", "trail ", "", "\t", "x\u0007y", "é ünï", "x" * 1024, "x" * 1025, "0",
               "\u2028sep", "日本語"]
    timestamps: list[object] = [
        "2026-11-23T11:59:00.123456+00:00", "2026-11-23T11:59:00Z", "2026-11-23t11:59:00z", "2026-11-23 11:59:00",
        "2026-11-23T12:59:00+01:00", " 2026-11-23T11:59:00Z", "2026-11-23T11:59", "1795427940", "1795427940.5",
        1795427940, 1795427940.25, 1795427940123, 1795427940123456, -1, 0, 2.5e30, "2020-01-01T00:00:00Z",
        "2026-11-25T12:00:00Z", "yesterday", "", None, True, [], {},
    ]
    levels: list[object] = ["INFO", "info", "Warn", "WARNING", " error", "chatty", "", None, 3, 9, -1, True, 2.0, "5"]
    fields = ("service", "host", "dashboard", "namespace", "pod", "container", "node", "cluster")
    def pick(clean: list[object], edges: list[object]) -> object:
        return rng.choice(clean) if rng.random() < 0.85 else rng.choice(edges)

    values = []
    for _ in range(count):
        record: dict[str, object] = {}
        if rng.random() < 0.9:
            record["org"] = pick(["load", "o" * 64], ["o" * 65, " o", "", None, 5, "o\u0000"])
        if rng.random() < 0.95:
            record["message"] = pick(
                [f"GET /api/items/{rng.randint(1, 10**6)} 200", " padded ", "m" * 16_384, "password=hunter2",
                 "ok\u00a0nbsp", "日本語"],
                ["  ", "", "line\nnext", "\x1b[31mred\x1b[0m", "m" * 16_385, None, 7, ["m"]])
        if rng.random() < 0.9:
            record["timestamp"] = pick(timestamps[:12], timestamps[12:])
        if rng.random() < 0.9:
            record["level"] = pick(levels[:4], levels[4:])
        for name in fields:
            if rng.random() < 0.4:
                record[name] = pick([*strings[:2], "", "x" * 1024, "é ünï", None], [*strings, 1, True, 1.5, ["x"], {"x": 1}])
        if rng.random() < 0.05:
            record["extra"] = "x"
        if rng.random() < 0.05:
            record["k8s"] = rng.choice([{"namespace": "ns"}, None, "x"])
        if rng.random() < 0.05:
            record["metadata"] = rng.choice([{"a": "b"}, {}, None])
        values.append(orjson.dumps(record))
    values += [
        b'{"org":"o","message":"first","message":"second"}', b'{"org":"o","org":"p","message":"m"}',
        b' {"org":"o","message":"m"}', b'{"org":"o","message":"m"} ', b'{"org":"o","message":"a\\ud800b"}',
        b'{"org":"o","message":"m","timestamp":1e400}', b'{"org":"o","message":"m","level":184467440737095516160}',
        b'{"org":"o","message":"m","timestamp":184467440737095516160}', b'{"org":"o","message":"m",}', b"{",
        b'{"org":"o","message":"m\\u0000"}', b'{"org":"o","message":"m","service":"s\\t"}', b"\xff",
        b'{"org":"o","message":"\xff"}', b'{"org":"o","message":"m","timestamp":NaN}', b"[]", b"plain text",
    ]
    return values


def test_the_plain_record_fast_path_gives_the_general_paths_document_or_defers() -> None:
    """``Normaliser.plain_document`` (msgspec's typed decode) must give exactly ``document(decode_raw(...))``
    whenever it answers, and defer (None) whenever the general path would reject or change anything."""
    normaliser = Normaliser(Limits(), None)
    answered = deferred = 0
    for index, value in enumerate(_fuzzed_raw_values(6000, seed=11)):
        fast = normaliser.plain_document(value, event_id=f"e{index}", received_at=NOW)
        try:
            general: object = normaliser.document(decode_raw(value, {}, max_bytes=1_048_576, default_org=None),
                                                  event_id=f"e{index}", received_at=NOW)
        except Rejected as exc:
            general = exc
        if fast is None:
            deferred += 1
            continue
        answered += 1
        assert fast == general, value
        assert Normaliser.dump(fast) == Normaliser.dump(general), value  # type: ignore[arg-type]
    assert answered > 500 and deferred > 500  # both sides of the edge were exercised


def test_a_polled_batch_with_header_fields_and_fuzzed_values_decodes_as_one_by_one() -> None:
    """``decode_batch`` takes the fast path only where headers add no record fields; either way it
    must equal ``decode`` per message (results, reasons, ids)."""
    from prometheus_client import CollectorRegistry

    from ingestion.handlers import IngestMetrics, IngestStats, RawLogs
    from ingestion.settings import IngestionSettings
    from logmesh_runtime.kafka import Delivery

    def raw_logs() -> RawLogs:
        return RawLogs(IngestionSettings(default_org="fallback-org"), Normaliser(Limits(), Redactor()),
                       None, IngestStats(), IngestMetrics(CollectorRegistry()))  # type: ignore[arg-type]

    header_sets = [{}, {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                   {"x-logmesh-org": "from-header"}, {"service": "hdr-svc", "level": "warn"}]
    values = _fuzzed_raw_values(3000, seed=12)
    deliveries = [Delivery("logs.raw", index % 3, index, None, 1795428000000 + index, header_sets[index % 4], value)
                  for index, value in enumerate(values)]
    single, batched, _ = _decoded_singly_and_in_batches(raw_logs, deliveries, 500)
    assert batched.stats.kafka.rejected == single.stats.kafka.rejected


def _decoded_singly_and_in_batches(
    raw_logs: Callable[[], Any], deliveries: Sequence[Any], size: int
) -> tuple[Any, Any, list[Any]]:
    """Decode ``deliveries`` one by one and in polls of ``size`` with two fresh ``raw_logs()``
    handlers; asserts both give the same results (reasons for rejected ones)."""
    one_by_one: list[object] = []
    single = raw_logs()
    for delivery in deliveries:
        try:
            one_by_one.append(single.decode(delivery.value, delivery))
        except Rejected as exc:
            one_by_one.append(exc.reason)
    batched = raw_logs()
    results = [r for start in range(0, len(deliveries), size) for r in batched.decode_batch(deliveries[start:start + size])]
    assert [r.reason if isinstance(r, Rejected) else r for r in results] == one_by_one
    return single, batched, results
