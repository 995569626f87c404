"""HTTP ingest on a real broker: every accepted record is on logs.records, every bad one has a reason."""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from logmesh_contracts import LogRecord
from logmesh_contracts.topics import LOGS_RECORDS
from logmesh_testing import read_topic, wait_for_messages

from .support import make_settings, running

# 11:00+01:00 on a recent day: inside the retention window whenever the test runs
YESTERDAY_10_UTC = (datetime.now(UTC) - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)

pytestmark = [pytest.mark.broker]


def record(i: int = 0, **fields: object) -> dict[str, object]:
    return {"org": "acme", "message": f"GET /cart 500 in {i}ms", "service": "checkout", **fields}


async def records_on_topic(bootstrap: str, prefix: str, count: int) -> list[LogRecord]:
    raw = await wait_for_messages(bootstrap, prefix + LOGS_RECORDS.name, count, timeout_s=15)
    return [LogRecord.model_validate_json(r.value) for r in raw]


async def test_single_batch_ndjson_and_gzip_bodies_are_all_delivered(kafka_bootstrap: str, topic_prefix: str) -> None:
    async with running(make_settings(kafka_bootstrap, topic_prefix)) as client:
        recent = int(time.time()) // 3600 * 3600 - 3600  # within the retention window
        single = await client.post("/logs/ingest", json=record(0, level="warning", timestamp=recent))
        assert single.status_code == 200, single.text
        assert single.json()["accepted"] == 1

        batch = await client.post("/logs/ingest", json={"logs": [record(i) for i in range(1, 4)]})
        assert batch.json() == {"accepted": 3, "rejected": 0, "errors": [], "request_id": batch.json()["request_id"]}

        ndjson = b"\n".join(orjson.dumps(record(i)) for i in range(4, 7)) + b"\n"
        response = await client.post(
            "/logs/ingest", content=ndjson, headers={"Content-Type": "application/x-ndjson"}
        )
        assert response.status_code == 200 and response.json()["accepted"] == 3

        zipped = gzip.compress(orjson.dumps({"logs": [record(i) for i in range(7, 10)]}))
        response = await client.post(
            "/logs/ingest", content=zipped, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
        )
        assert response.status_code == 200 and response.json()["accepted"] == 3

        stats = (await client.get("/stats")).json()
        assert stats["http"]["accepted"] == 10
        assert "logmesh_ingest_records_total" in (await client.get("/metrics")).text

    records = await records_on_topic(kafka_bootstrap, topic_prefix, 10)
    assert sorted(int(r.message.split()[-1][:-2]) for r in records) == list(range(10))
    first = next(r for r in records if r.message.endswith(" 0ms"))
    assert first.level == "WARN"
    assert first.timestamp == datetime.fromtimestamp(recent, UTC)
    assert {r.org for r in records} == {"acme"}
    assert len({r.event_id for r in records}) == 10


async def test_malformed_records_get_reasons_and_valid_ones_in_the_batch_are_delivered(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    settings = make_settings(kafka_bootstrap, topic_prefix, max_message_bytes=100)
    batch = [
        record(0),
        {"message": "no org"},
        {"org": "acme"},
        {"org": 42, "message": "org is a number"},
        {"org": "acme", "message": ["not", "a", "string"]},
        record(5, message="x" * 101),
        record(6, timestamp="yesterday at noon"),
        record(7, metadata="not an object"),
        "not an object",
        record(9, timestamp=YESTERDAY_10_UTC.astimezone(timezone(timedelta(hours=1))).isoformat(), level="panic"),
    ]
    async with running(settings) as client:
        response = await client.post("/logs/ingest", json={"logs": batch})
        assert response.status_code == 207, response.text
        body = response.json()
        assert body["accepted"] == 2 and body["rejected"] == 8
        reasons = {e["index"]: e["reason"] for e in body["errors"]}
        assert "org: required field missing" in reasons[1]
        assert "message: required field missing" in reasons[2]
        assert "org: expected a string" in reasons[3]
        assert "message: expected a string" in reasons[4]
        assert "the limit is 100" in reasons[5]
        assert "timestamp" in reasons[6]
        assert "metadata: expected an object" in reasons[7]
        assert "expected an object" in reasons[8]

        # NDJSON: a broken line and a line with invalid UTF-8 only reject themselves
        ndjson = orjson.dumps(record(10)) + b"\n{broken\n" + b'{"org":"acme","message":"bad \xff byte"}\n'
        response = await client.post("/logs/ingest", content=ndjson, headers={"Content-Type": "application/x-ndjson"})
        assert response.status_code == 207
        errors = {e["index"]: e["reason"] for e in response.json()["errors"]}
        assert "invalid JSON" in errors[1] and "UTF-8" in errors[2]

        # invalid UTF-8 inside a JSON array: only the record holding it is rejected
        body_bytes = b'{"logs": [' + orjson.dumps(record(11)) + b', {"org": "acme", "message": "\xc3\x28"}]}'
        response = await client.post("/logs/ingest", content=body_bytes, headers={"Content-Type": "application/json"})
        assert response.status_code == 207
        assert response.json()["errors"] == [{"index": 1, "reason": "message: invalid UTF-8"}]

        # whole-body failures
        bad_json = await client.post("/logs/ingest", content=b"{not json", headers={"Content-Type": "application/json"})
        assert bad_json.status_code == 400 and "invalid JSON" in bad_json.json()["error"]
        all_bad = await client.post("/logs/ingest", json={"logs": [{"org": "acme"}]})
        assert all_bad.status_code == 400 and all_bad.json()["accepted"] == 0
        bad_gzip = await client.post("/logs/ingest", content=b"not gzip", headers={"Content-Encoding": "gzip"})
        assert bad_gzip.status_code == 400 and "gzip" in bad_gzip.json()["error"]
        brotli = await client.post("/logs/ingest", content=b"{}", headers={"Content-Encoding": "br"})
        assert brotli.status_code == 415
        empty = await client.post("/logs/ingest", content=b"")
        assert empty.status_code == 400

    records = await records_on_topic(kafka_bootstrap, topic_prefix, 4)
    assert sorted(r.message for r in records) == sorted(
        ["GET /cart 500 in 0ms", "GET /cart 500 in 9ms", "GET /cart 500 in 10ms", "GET /cart 500 in 11ms"]
    )
    fatal = next(r for r in records if r.message.endswith("9ms"))
    assert fatal.level == "FATAL" and fatal.timestamp.hour == 10 and fatal.timestamp.utcoffset().total_seconds() == 0


async def test_oversized_batches_and_bodies_are_refused_with_413(kafka_bootstrap: str, topic_prefix: str) -> None:
    settings = make_settings(kafka_bootstrap, topic_prefix, max_batch_records=5, max_body_bytes=4096)
    async with running(settings) as client:
        too_many = await client.post("/logs/ingest", json={"logs": [record(i) for i in range(6)]})
        assert too_many.status_code == 413 and "the limit is 5" in too_many.json()["error"]
        too_big = await client.post("/logs/ingest", json=record(0, message="y" * 5000))
        assert too_big.status_code == 413
        bomb = gzip.compress(json.dumps(record(0, message="z" * 100_000)).encode())
        assert len(bomb) < 4096
        inflated = await client.post("/logs/ingest", content=bomb, headers={"Content-Encoding": "gzip"})
        assert inflated.status_code == 413 and "after gunzip" in inflated.json()["error"]
    assert await read_topic(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name) == []


async def test_retried_request_with_the_same_idempotency_key_keeps_its_record_ids(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    batch = {"logs": [record(i, message="same line") for i in range(3)]}
    async with running(make_settings(kafka_bootstrap, topic_prefix)) as client:
        for _ in range(2):
            response = await client.post("/logs/ingest", json=batch, headers={"Idempotency-Key": "req-1"})
            assert response.status_code == 200
            assert response.headers["x-request-id"] == "req-1"
        other = await client.post("/logs/ingest", json=batch)
        assert other.status_code == 200
        changed = {"logs": [record(i, message="another line") for i in range(3)]}
        reused = await client.post("/logs/ingest", json=changed, headers={"Idempotency-Key": "req-1"})
        assert reused.status_code == 200
    records = await records_on_topic(kafka_bootstrap, topic_prefix, 12)
    ids = [r.event_id for r in records]
    # the retry reproduced the first request's 3 ids; the keyless one and the reused key with another body got new ones
    assert len(set(ids)) == 9


async def test_secrets_are_redacted_before_leaving_the_service(kafka_bootstrap: str, topic_prefix: str) -> None:
    line = "login ok user=bob@example.com password=hunter2 key=AKIAIOSFODNN7EXAMPLE"
    async with running(make_settings(kafka_bootstrap, topic_prefix)) as client:
        response = await client.post(
            "/logs/ingest", json=record(0, message=line, metadata={"api_token": "abc", "attempt": 2})
        )
        assert response.status_code == 200
    (only,) = await records_on_topic(kafka_bootstrap, topic_prefix, 1)
    assert "hunter2" not in only.message and "bob@example.com" not in only.message
    assert "AKIAIOSFODNN7EXAMPLE" not in only.message
    assert only.redacted is True
    assert only.metadata == {"api_token": "[REDACTED]", "attempt": "2"}


async def test_bearer_token_is_required_when_configured(kafka_bootstrap: str, topic_prefix: str) -> None:
    settings = make_settings(kafka_bootstrap, topic_prefix, ingest_token="s3cr3t-ingest-token")
    async with running(settings) as client:
        missing = await client.post("/logs/ingest", json=record())
        assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
        wrong = await client.post("/logs/ingest", json=record(), headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = await client.post("/logs/ingest", json=record(), headers={"Authorization": "Bearer s3cr3t-ingest-token"})
        assert ok.status_code == 200
        assert (await client.get("/health")).status_code == 200
