"""The native plain-record path (``ingestion_native.PlainPath`` through ``RawLogs.decode_batch``) against the
Python reference: the same ``logs.records`` keys and bytes, the same rejections and reasons, and never a
message left unredacted that ``Redactor.text`` would change."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from ingestion.domain import Limits, Normaliser, Rejected, finite_words, kafka_id_prefix
from ingestion.handlers import IngestMetrics, IngestStats, RawLogs, _plain_headers
from ingestion.redaction import Redactor, luhn_ok
from ingestion.settings import IngestionSettings
from logmesh_runtime.kafka import Delivery
from logmesh_runtime.redaction import _SECRET_WORD, RULES
from logmesh_testing.secret_corpus import corpus

from .test_domain import _decoded_singly_and_in_batches, _fuzzed_raw_values

BROKER_MS = 1795428000000  # 2026-11-23T10:00:00Z, plus a millisecond per 7 deliveries: their receive times
LOGHUB = Path(__file__).resolve().parents[3] / ".." / "shared" / "datasets" / "loghub-2k"


def _raw_logs(redactor: Redactor | None = None, **settings: Any) -> Callable[[], RawLogs]:
    def make() -> RawLogs:
        return RawLogs(IngestionSettings(**settings), Normaliser(Limits(), redactor),
                       None, IngestStats(), IngestMetrics(CollectorRegistry()))  # type: ignore[arg-type]
    return make


def _deliveries(values: list[bytes], headers: list[dict[str, str]] | None = None) -> list[Delivery]:
    sets = headers or [{}]
    return [Delivery("logs.raw", i % 3, i, None, BROKER_MS + i // 7, sets[i % len(sets)], v)
            for i, v in enumerate(values)]


def _answered(raw: RawLogs, deliveries: list[Delivery]) -> int:
    raw.decode_batch(deliveries[:1])
    assert raw._plain is not None
    _, deferred, _ = raw._plain.encode_poll(deliveries, _plain_headers, kafka_id_prefix)
    return len(deliveries) - len(deferred)


# ------------------------------------------------------------------ fuzzed values


def _ascii_values(count: int, seed: int) -> list[bytes]:
    """Values inside and just outside what the native path answers for: JSON spelling (spaces, escapes,
    nulls, duplicate keys), every ISO spelling near its grammar, window edges, limits, printable edges."""
    rng = random.Random(seed)
    received_s = BROKER_MS // 1000
    timestamps = [
        "2026-11-17T00:00:00Z", "2026-11-17T00:00:00.1Z", "2026-11-17T00:00:00.12+00:00", "2026-11-17T00:00:00.123",
        "2026-11-17T00:00:00.1234-05:30", "2026-11-17T00:00:00.12345+14:00", "2026-11-17T00:00:00.123456Z",
        "2026-11-17T00:00:00.1234567Z", "2026-11-17T00:00:00.Z", "2026-11-17T00:00:00+24:00",
        "2026-11-17T00:00:00-00:00", "2026-11-17T00:00:00+0100", "2026-11-17T00:00:00+01", "2026-11-17T00:00Z",
        "2026-11-17 00:00:00", "2026-11-17t00:00:00z", "2026-11-17T24:00:00Z", "2026-11-17T23:59:60Z",
        "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-13-01T00:00:00Z",
        "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-11-17T00:00:00Z ", " 2026-11-17T00:00:00Z", "",
        "1795428000", "yesterday", "2026-11-16T23:59:59.999999-23:59", "2026-10-24T10:00:00Z",
        "2026-10-24T09:59:59.999999Z", "2026-10-24T10:00:01Z", "2026-11-24T10:00:00Z",
        "2026-11-24T10:00:00.000001Z", "2026-11-24T09:59:59Z",
    ]
    assert received_s == 1795428000  # 2026-11-23T10:00:00Z: the window edges above are 30 days before, 1 day after
    strings = ["svc", "a b", "", "x" * 1024, "sl\\/ash", "\\u0041", " lead", "trail ", "x" * 1025, "q\\\"uote", "back\\\\slash",
               "\\u00e9", "\\u0000", "\\n", "\\ud800", "tab\\t", "\\u007e", "\\u007f", "~"]
    levels = ["INFO", "info", "Warn", "WARNING", "ERROR", "fatal", "chatty", "", " info", "INFO ", "\\u0049NFO"]
    messages = ["GET /api/items/1 200", "m" * 16_384, "q\\\"uote \\\\ back", "ok\\/x", "cache miss for key item:1",
                "password=hunter2", "\\u0070assword=x1234", "token bucket", "x" * 40, "x" * 39, "4111 1111 1111 1111",
                "card 411111111111", "   ", "m" * 16_385, "4111-1111-1111", "é", "\\u00e9", "a\\u0000b"]
    names = ("service", "host", "dashboard", "namespace", "pod", "container", "node", "cluster")

    def pick(options: list[str], clean: int) -> str:  # mostly one of the first ``clean`` options
        return rng.choice(options[:clean] if rng.random() < 0.9 else options)

    values = []
    for _ in range(count):
        fields: list[tuple[str, str]] = []
        if rng.random() < 0.99:
            fields.append(("org", pick(['"load"', '"' + "o" * 64 + '"', '"o\\u0020x"', '"' + "o" * 65 + '"', '" o"',
                                        '""', "null", "5", '"o\\u0020"'], 3)))
        if rng.random() < 0.99:
            fields.append(("message", pick(['"' + m + '"' for m in messages] + ["null"], 12)))
        if rng.random() < 0.9:
            fields.append(("timestamp", pick(['"' + t + '"' for t in timestamps] + ["null", "1795428000"], 12)))
        if rng.random() < 0.8:
            fields.append(("level", pick(['"' + v + '"' for v in levels] + ["null", "3"], 6)))
        for name in names:
            if rng.random() < 0.3:
                fields.append((name, pick(['"' + v + '"' for v in strings] + ["null", "true"], 6)))
        if rng.random() < 0.03:
            fields.append(rng.choice([("extra", '"x"'), ("metadata", "{}"), ("k8s", "null"), ("org", '"dup"')]))
        rng.shuffle(fields)
        space = rng.choice(["", "", " ", "\n", "\t", "\r\n"])
        body = ("," + space).join(f'{space}"{name}"{space}:{space}{value}' for name, value in fields)
        values.append(("{" + body + space + "}" + pick(["", " ", "\n", "x", ","], 3)).encode())
    return values


@pytest.mark.parametrize("seed", [21, 22])
def test_native_records_equal_the_python_paths_on_fuzzed_values(seed: int) -> None:
    """Every delivery of a poll: the same key and bytes, or the same rejection and reason, as ``decode`` one
    by one (Python's general path); the native path must answer for a good share, defer the rest."""
    values = _ascii_values(4000, seed) + _fuzzed_raw_values(1000, seed)
    deliveries = _deliveries(values)
    _, _, results = _decoded_singly_and_in_batches(_raw_logs(Redactor()), deliveries, 701)
    answered = _answered(_raw_logs(Redactor())(), deliveries)
    accepted = sum(not isinstance(r, Rejected) for r in results)
    assert answered > 1000 and accepted - answered > 300  # both the native and the Python way were exercised


def test_window_edges_are_decided_as_python_decides() -> None:
    """30 days back and 1 day ahead of the broker time, to the microsecond, with and without offsets."""
    stamps = ["2026-10-24T13:20:00Z", "2026-10-24T13:19:59.999999Z", "2026-10-24T13:20:00.000001Z",
              "2026-10-24T14:20:00+01:00", "2026-10-24T12:19:59.999999-01:00", "2026-11-24T13:20:00Z",
              "2026-11-24T13:20:00.000001Z", "2026-11-24T13:19:59.999999Z"]
    values = [orjson.dumps({"org": "o", "message": "m", "timestamp": t}) for t in stamps]
    deliveries = [Delivery("logs.raw", 0, i, None, 1795440000000, {}, v) for i, v in enumerate(values)]
    _, _, results = _decoded_singly_and_in_batches(_raw_logs(Redactor()), deliveries, 8)
    assert sum(isinstance(r, Rejected) for r in results) == 3


# ------------------------------------------------------------------ redaction


def _redaction_lines() -> list[str]:
    rng = random.Random(3)
    words = sorted(finite_words(_SECRET_WORD))
    needles = sorted({n for rule in RULES for n in rule.triggers})
    pieces = [*words, *needles, "KEY", "Token", "monkey", "item", ":", "=", " ", "  ", '"', "'", "-", "_", "/", "+",
              "4111", "1111", "0", "9", "Ab1", "x" * 13, "@", "example.com", ".", "sig", "sk-", "q~"]
    lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 9))) for _ in range(6000)]
    lines += [e.line for e in corpus()]
    lines += ["cache miss for key item:140892", 'DB_PASSWORD = "hunter22"', "the api key is rotated; X-Api-Key: abc123",
              "apikey'  :x1234", 'token"=abcdef', "monkey=banana", "keys: 3", "4111 1111 1111 1111",
              "4111-1111-11111", "4111 1111 111", "A" * 20 + "b" * 19 + "9", "A" * 20 + "b" * 18 + "9",
              "token bucket refilled", "pass: 3 tests", "author=jane", "Bearer abcdefghijklmnop", "a@b.io",
              "postgres://app:pw123@db:5432/x", "ghp_0123456789abcdefghijklmnopqrstuvwxyz"]
    lines += _shape_lines(rng, 8000)
    return [line for line in lines if line.isascii() and line.isprintable() and line.strip()]


def _luhn_completed(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def _shape_lines(rng: random.Random, count: int) -> list[str]:
    """Lines around the two shape rules: card numbers of every scheme and length (Luhn-valid or not), grouped by
    spaces or dashes or not, in every neighbourhood the look-arounds test; 38-42 key characters with and without
    mixed case, slashes, ``//``, ``=`` beside them."""
    schemes = [("4", 13), ("4", 16), ("4", 19), ("51", 16), ("55", 16), ("22", 16), ("27", 16), ("34", 15),
               ("37", 15), ("6011", 16), ("65", 16), ("644", 16), ("649", 16), ("35", 16), ("300", 14), ("305", 14),
               ("36", 14), ("38", 14), ("306", 14), ("56", 16), ("21", 16), ("28", 16), ("643", 16), ("4", 14),
               ("4", 12), ("4", 20), ("5", 17), ("7", 16), ("1", 16)]
    around = ["", " ", "x", "_", ".", ":", "/", "-", "=", "a", "9", ",", "(", ")", "+", "'", "#"]
    key_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"
    lines = []
    for _ in range(count):
        if rng.random() < 0.6:
            prefix, length = rng.choice(schemes)
            number = _luhn_completed(rng, prefix, length) if rng.random() < 0.7 else (
                prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix))))
            if rng.random() < 0.5:
                sep = rng.choice([" ", "-", "  ", " -"])
                step = rng.choice([4, 4, 3, 5, 2])
                number = sep.join(number[i:i + step] for i in range(0, len(number), step))
            core = number
        else:
            length = rng.choice([38, 39, 40, 40, 40, 41, 42])
            alphabet = rng.choice([key_chars, key_chars[:26] + "0123456789", key_chars.lower(), "ab/+",
                                   key_chars + "//"])
            core = "".join(rng.choice(alphabet) for _ in range(length))
        lines.append(f"{rng.choice(['', 'paid ', 'key ', 'id='])}{rng.choice(around)}{core}{rng.choice(around)}"
                     f"{rng.choice(['', ' ok', ' 4111 1111 1111 1111', ' ' + core])}")
    return lines


@pytest.mark.parametrize("emails", [True, False])
def test_a_message_the_native_path_lets_through_is_one_text_leaves_alone(emails: bool) -> None:
    """The native trigger test may flag more than it must, never less: every message it does not flag is
    returned unchanged by ``Redactor.text``. And the records come out as the Python path's."""
    redactor = Redactor(emails=emails)
    lines = _redaction_lines()
    values = [json.dumps({"org": "o", "message": line}).encode() for line in lines]
    deliveries = _deliveries(values)
    raw = _raw_logs(redactor)()
    raw.decode_batch(deliveries[:1])
    assert raw._plain is not None
    _, deferred, flagged = raw._plain.encode_poll(deliveries, _plain_headers, kafka_id_prefix)
    assert not deferred
    flagged_at = {index for index, _ in flagged}
    changed = {i for i, line in enumerate(lines) if redactor.text(line) != (line, False)}
    assert changed <= flagged_at
    assert len(changed) > 500 and len(flagged_at) < len(lines)  # secrets among them, and lines let through
    shaped = {i for i, line in enumerate(lines) if redactor._any_shape.search(line)}
    assert len(shaped - flagged_at) > 2000 and len(shaped & changed) > 1000  # shapes let through, and masked
    _decoded_singly_and_in_batches(_raw_logs(redactor), deliveries, 500)


def test_every_corpus_secret_is_masked_on_the_native_path() -> None:
    redactor = Redactor()
    entries = [e for e in corpus() if e.line.isascii() and e.line.isprintable()]
    values = [json.dumps({"org": "o", "message": e.line}).encode() for e in entries]
    results = _raw_logs(redactor)().decode_batch(_deliveries(values))
    leaked = [e.line for e, r in zip(entries, results, strict=True)
              if not isinstance(r, Exception) and e.leaked(json.loads(r[1])["message"])]
    assert leaked == [e.line for e in entries if e.leaked(redactor.text(e.line)[0])]


def test_without_a_redactor_nothing_is_flagged_and_records_are_the_python_paths() -> None:
    values = [json.dumps({"org": "o", "message": line}).encode() for line in _redaction_lines()[:2000]]
    deliveries = _deliveries(values)
    raw = _raw_logs(None)()
    raw.decode_batch(deliveries[:1])
    assert raw._plain is not None
    _, deferred, flagged = raw._plain.encode_poll(deliveries, _plain_headers, kafka_id_prefix)
    assert not deferred and not flagged
    _decoded_singly_and_in_batches(_raw_logs(None), deliveries, 500)


@pytest.mark.skipif(not LOGHUB.is_dir(), reason="Loghub-2k not present (../shared/datasets/loghub-2k)")
def test_loghub_2k_lines_come_out_as_the_python_paths() -> None:
    lines = [line for path in sorted(LOGHUB.glob("*/*_2k.log")) for line in path.read_text(errors="replace").splitlines()]
    values = [json.dumps({"org": "o", "service": "s", "message": line}).encode() for line in lines if line.strip()]
    _decoded_singly_and_in_batches(_raw_logs(Redactor()), _deliveries(values), 5000)


# ------------------------------------------------------------------ what it reads


def test_headers_with_record_fields_and_deliveries_without_broker_time_go_the_python_way() -> None:
    value = orjson.dumps({"org": "o", "message": "m"})
    deliveries = [Delivery("logs.raw", 0, 0, None, BROKER_MS, {"x-logmesh-service": "hdr"}, value),
                  Delivery("logs.raw", 0, 1, None, -1, {}, value),
                  Delivery("logs.raw", 0, 2, None, BROKER_MS, {"traceparent": "00-x"}, value),
                  Delivery("logs.raw", 1, 3, None, BROKER_MS, {}, value)]
    raw = _raw_logs(Redactor())()
    raw.decode_batch(deliveries[:1])
    assert raw._plain is not None
    _, deferred, _ = raw._plain.encode_poll(deliveries, _plain_headers, kafka_id_prefix)
    assert deferred == [0, 1]
    tombstone = Delivery("logs.raw", 0, 4, None, BROKER_MS, {}, None)
    assert raw._plain.encode_poll([tombstone, *deliveries[2:]], _plain_headers, kafka_id_prefix)[1] == [0]
    _decoded_singly_and_in_batches(_raw_logs(Redactor()), [tombstone, deliveries[0], *deliveries[2:]], 5)  # no now()
    results = raw.decode_batch(deliveries)
    assert isinstance(results[0], tuple) and results[0][0] == "o/hdr"
    assert [isinstance(r, tuple) and json.loads(r[1])["event_id"] for r in results[2:]] == [
        f"{kafka_id_prefix('logs.raw', 0)}-2", f"{kafka_id_prefix('logs.raw', 1)}-3"]


def test_the_secret_words_are_read_exactly_from_the_redactors_pattern() -> None:
    import re

    words = finite_words(_SECRET_WORD)
    assert all(re.fullmatch(_SECRET_WORD, word) for word in words)
    assert {"api_key", "api-key", "apikey", "credential", "credentials", "sig"} <= words
    with pytest.raises(ValueError, match="finite"):
        finite_words(r"key\w+")


def test_broker_times_the_native_path_takes_are_whole_milliseconds_in_python_too() -> None:
    """``RawLogs._received_at`` converts ``ms / 1000`` (a float) with ``datetime.fromtimestamp``; the native path
    uses ``ms * 1000`` µs. Equal up to its bound (2100-01-01): checked on random and edge milliseconds."""
    from datetime import UTC, datetime, timedelta

    bound = 4_102_444_800_000  # the native MAX_BROKER_MS
    rng = random.Random(9)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    samples = [1, 999, 1000, 1001, bound - 1, bound, *(rng.randint(1, bound) for _ in range(200_000))]
    for ms in samples:
        assert datetime.fromtimestamp(ms / 1000, UTC) == epoch + timedelta(milliseconds=ms), ms
    late = Delivery("logs.raw", 0, 0, None, bound + 1, {}, orjson.dumps({"org": "o", "message": "m"}))
    raw = _raw_logs(Redactor())()
    raw.decode_batch([late])
    assert raw._plain is not None
    assert raw._plain.encode_poll([late], _plain_headers, kafka_id_prefix)[1] == [0]  # beyond it: Python decides
