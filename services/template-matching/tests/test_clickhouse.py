"""The ClickHouse adapter against chDB: schema, deduplication paths, queries."""

from __future__ import annotations

import uuid
from datetime import timedelta

from template_matching.adapters.clickhouse import ClickHouseStore
from template_matching.domain import log_row
from template_matching.testing import T0, record


async def test_duplicates_collapse_by_token_and_by_record_id(clickhouse_dsn: str) -> None:
    store = ClickHouseStore(clickhouse_dsn, f"tmc_{uuid.uuid4().hex[:10]}")
    await store.start()
    try:
        records = [record(f"line {i}", at=T0 + timedelta(seconds=i), seq=i) for i in range(10)]
        rows = [log_row(r, "tpl") for r in records]
        await store.insert_logs(rows, "batch-1")
        await store.insert_logs(rows, "batch-1")  # the same batch again: dropped at insert
        raw = await store._query(f"SELECT count() AS n FROM {store.db}.logs", {})
        assert raw[0]["n"] == 10
        await store.insert_logs(rows[5:], "batch-2")  # a differently cut redelivery: collapsed on read
        final = await store._query(f"SELECT count() AS n FROM {store.db}.logs FINAL", {})
        assert final[0]["n"] == 10
        found = await store.search_logs(
            start=T0, end=T0 + timedelta(minutes=1), org="acme", service="api", level="INFO", template_id="tpl",
            text="line 1", namespace="shop", pod="api-1", limit=100,
        )
        assert [r["message"] for r in found] == ["line 1"]  # LIKE, with % and _ escaped
        assert await store.search_logs(
            start=T0, end=T0 + timedelta(minutes=1), org=None, service=None, level=None, template_id=None,
            text="100%_", namespace=None, pod=None, limit=100,
        ) == []
        counted = await store.count_logs(start=T0, end=T0 + timedelta(minutes=1), org="acme")
        assert counted == {"rows": 10, "templates": 1}
        ddl = await store._query(f"SHOW CREATE TABLE {store.db}.logs", {})
        statement = next(iter(ddl[0].values()))
        for expected in ("ReplacingMergeTree", "tokenbf_v1", "ngrambf_v1", "PARTITION BY toDate(ts)", "TTL"):
            assert expected in statement
    finally:
        await store.close()


async def test_top_templates_keep_a_rare_error_beside_a_flood_and_know_what_is_new(clickhouse_dsn: str) -> None:
    store = ClickHouseStore(clickhouse_dsn, f"tmc_{uuid.uuid4().hex[:10]}")
    await store.start()
    try:
        rows, n = [], 0
        for i in range(12):  # twelve busy error templates in the window
            for j in range(20):
                rows.append(log_row(record(f"flood {i} line {j}", level="ERROR", at=T0 + timedelta(seconds=j), seq=n), f"f{i}"))
                n += 1
        rows.append(log_row(record("panic: index out of range", level="FATAL", at=T0 + timedelta(seconds=1), seq=n), "panic"))
        rows.append(log_row(record("flood 0 line old", level="ERROR", at=T0 - timedelta(hours=2), seq=n + 1), "f0"))
        await store.insert_logs(rows, "batch-1")
        found = await store.top_templates(org="acme", start=T0, end=T0 + timedelta(minutes=5), namespace=None, pod=None,
                                          service=None, limit=5, samples=2)
    finally:
        await store.close()
    by_id = {s.template_id: s for s in found}
    assert "panic" in by_id and by_id["panic"].seen_before == 0  # the rare query found it despite the flood
    assert by_id["f0"].seen_before == 1  # one occurrence in the day before the window
    assert len(found) <= 10
