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


async def test_inserts_leave_the_skip_indexes_to_merges_and_find_the_same_rows(clickhouse_dsn: str) -> None:
    """Inserted parts carry no skip indexes (building the message bloom filters was ~40% of an insert's CPU and
    a merge builds them anew); the merged part has them; searches find the same rows before and after the
    merge, and as a store whose server builds them at insert does."""
    from template_matching.domain import LogColumns

    stores = [ClickHouseStore(clickhouse_dsn, f"tmc_{uuid.uuid4().hex[:10]}") for _ in range(2)]
    for store in stores:
        await store.start()
    stores[1]._index_on_merge = False  # as on a server without the setting: indexes built at insert
    assert stores[0]._index_on_merge
    try:
        batches = [[record(f"user {n} paid order {n * 7} in {n % 13} ms" if n % 3 else f"disk sda{n % 4} full",
                           at=T0 + timedelta(seconds=n), seq=n) for n in range(b * 500, b * 500 + 500)]
                   for b in range(3)]

        async def index_bytes(store: ClickHouseStore) -> list[int]:
            parts = await store._query(
                f"SELECT secondary_indices_compressed_bytes AS b FROM system.parts WHERE database = '{store.db}' "
                "AND table = 'logs' AND active ORDER BY name", {})
            return [p["b"] for p in parts]

        async def found(store: ClickHouseStore) -> list[list[str]]:
            out = []
            for text in ("paid order 70 ", "sda3", "order 1"):
                rows = await store.search_logs(start=T0, end=T0 + timedelta(hours=1), org=None, service=None,
                                               level=None, template_id=None, text=text, namespace=None, pod=None,
                                               limit=2000)
                out.append(sorted(r["record_id"] for r in rows))
            return out

        await stores[0]._run(stores[0]._client.command, f"SYSTEM STOP MERGES {stores[0].db}.logs")
        for store in stores:
            for n, batch in enumerate(batches):
                await store.insert_logs(LogColumns.of(batch, ["tpl"] * len(batch)), f"batch-{n}")
        assert await index_bytes(stores[0]) == [0, 0, 0]
        unmerged = await found(stores[0])
        assert all(n > 0 for n in await index_bytes(stores[1]))
        assert all(n > 0 for n in map(len, unmerged)) and unmerged == await found(stores[1])
        await stores[0]._run(stores[0]._client.command, f"SYSTEM START MERGES {stores[0].db}.logs")
        await stores[0]._run(stores[0]._client.command, f"OPTIMIZE TABLE {stores[0].db}.logs FINAL")
        assert await index_bytes(stores[0]) and all(n > 0 for n in await index_bytes(stores[0]))
        assert await found(stores[0]) == unmerged
    finally:
        for store in stores:
            await store.close()


async def test_records_under_retired_templates_are_found_under_the_live_one(clickhouse_dsn: str) -> None:
    """The miner generalises templates after records were stored under the older ids; search by
    template id, counts, top templates and anomalies resolve retired ids at query time."""
    from logmesh_contracts import LogAnomaly
    from template_matching.domain import template_event
    from template_matching.registry import TemplateRegistry

    store = ClickHouseStore(clickhouse_dsn, f"tmc_{uuid.uuid4().hex[:10]}")
    await store.start()
    try:
        registry = TemplateRegistry()
        users = ["alice", "bob", "carol", "dave", "erin"]  # plain words: siblings until they vary enough
        records = [record(f"session closed for login {u}", at=T0 + timedelta(seconds=i), seq=i) for i, u in enumerate(users)]
        events, rows, first_ids = [], [], []
        for r in records:
            m = registry.assign(r.message)
            rows.append(log_row(r, m.template_id))
            first_ids.append(m.template_id)
            events.append(template_event(template_id=m.template_id, template=m.template,
                                         previous_template_id=m.previous_template_id, is_new=m.is_new, record=r, now=T0))
            events += [template_event(template_id=m.template_id, template=m.template, previous_template_id=extra,
                                      is_new=m.is_new, record=r, now=T0) for extra in m.replaced[1:]]
        live = first_ids[-1]
        assert registry.template_of(live) == "session closed for login <*>"
        assert len(set(first_ids[:-1])) == 4  # four records stored under four templates retired since
        await store.insert_logs(rows, "batch-lineage")
        await store.upsert_templates(events)
        await store.insert_anomalies([LogAnomaly(
            event_id="a1", kind="new-template", org="acme", service="api", severity="info", detected_at=T0,
            window_start=T0, window_end=T0 + timedelta(minutes=1), template_id=first_ids[0],
            template="session closed for login alice", observed=1, baseline=0,
        )])
        window = {"start": T0, "end": T0 + timedelta(minutes=1)}
        for asked in (live, first_ids[1]):  # by the live id, or by any id retired into it
            found = await store.search_logs(limit=100, template_id=asked, **window)
            assert sorted(r["message"] for r in found) == sorted(r.message for r in records)
            assert {r["template_id"] for r in found} == {live}
        assert await store.count_logs(**window) == {"rows": 5, "templates": 1}
        assert await store.count_logs(template_id=first_ids[2], **window) == {"rows": 5, "templates": 1}
        (top,) = await store.top_templates(org="acme", namespace=None, pod=None, service=None, limit=10, samples=3,
                                            **window)
        assert (top.template_id, top.template, top.count) == (live, "session closed for login <*>", 5)
        (anomaly,) = await store.list_anomalies(org="acme", service=None, kind=None, limit=10)
        assert anomaly["template_id"] == live and anomaly["recorded_template_id"] == first_ids[0]
        assert anomaly["template"] == "session closed for login <*>"
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


async def test_columns_left_at_their_default_read_back_like_sent_ones(clickhouse_dsn: str) -> None:
    """A batch whose optional columns are all default ('' / {} / false) is inserted without them; the rows
    read back exactly as a batch that sends every column."""
    from logmesh_contracts import K8sRef
    from template_matching.domain import LOG_COLUMNS, LogColumns, epoch_ms

    store = ClickHouseStore(clickhouse_dsn, f"tmc_{uuid.uuid4().hex[:10]}")
    await store.start()
    try:
        plain = [record(f"plain {i}", at=T0 + timedelta(seconds=i), seq=i, pod=None).model_copy(
            update={"k8s": K8sRef()}) for i in range(3)]
        full = [record(f"full {i}", at=T0 + timedelta(seconds=i), seq=i).model_copy(update={
            "host": "node-7", "metadata": {"region": "eu"}, "redacted": True, "truncated": i == 1,
            "k8s": K8sRef(namespace="shop", pod="api-1", container="app", node="n1", service="api")})
            for i in range(3)]
        mixed = [plain[0].model_copy(update={"event_id": "mixed-plain"}), full[0].model_copy(update={"event_id": "mixed-full"})]
        for n, batch in enumerate((plain, full, mixed)):
            await store.insert_logs(LogColumns.of(batch, ["tpl"] * len(batch)), f"batch-{n}")
        names = ", ".join(LOG_COLUMNS)
        stored = await store._query(f"SELECT {names} FROM {store.db}.logs FINAL ORDER BY record_id", {})
        expected = []
        for r in sorted(plain + full + mixed, key=lambda r: r.event_id):
            row = dict(zip(LOG_COLUMNS, log_row(r, "tpl"), strict=True))
            expected.append(row)
        assert len(stored) == len(expected)
        for got, want in zip(stored, expected, strict=True):
            for name in ("ts", "received_at"):
                got[name], want[name] = epoch_ms(got[name]), epoch_ms(want[name])
            assert got == want
    finally:
        await store.close()


async def test_insert_stores_the_rows_mains_insert_stored(clickhouse_dsn: str) -> None:
    """The same batch through ``insert_logs`` (which skips the in-block collapse pass when record ids are
    distinct) and through main's call (clickhouse-connect's Native column insert with the dedup token only,
    its wire types spelled out here) reads back identical, every column and type, without FINAL; a batch
    holding a record twice is still collapsed at insert, as before."""
    from logmesh_contracts import K8sRef
    from template_matching.domain import LOG_COLUMNS, LogColumns

    tree = ClickHouseStore(clickhouse_dsn, f"tmc_{uuid.uuid4().hex[:10]}")
    main = ClickHouseStore(clickhouse_dsn, f"tmc_{uuid.uuid4().hex[:10]}")
    await tree.start()
    await main.start()
    try:
        records = [
            record(f"line {i} ünïcødé ✓ \t tab \\ back 'q' \"dq\"", at=T0 + timedelta(seconds=i, microseconds=i * 1001),
                   seq=i, level=("INFO", "WARN", "ERROR")[i % 3]).model_copy(update={
                "host": f"node-{i % 2}" if i % 4 else "", "metadata": {"region": "eu", "k": str(i)} if i % 2 else {},
                "redacted": i % 3 == 0, "truncated": i % 5 == 0,
                "k8s": K8sRef(namespace="shop", pod=f"api-{i}", container="app", node="n1", service="api") if i % 3
                else K8sRef()})
            for i in range(40)
        ]
        wire = ["DateTime64(3, 'UTC')" if n in ("ts", "received_at") else "Map(String, String)" if n == "metadata"
                else "Bool" if n in ("redacted", "truncated") else "String" for n in LOG_COLUMNS]
        names = ", ".join(LOG_COLUMNS)
        typed = ", ".join(f"toTypeName({n}) AS type_{n}" for n in LOG_COLUMNS)
        for token, batch_records in (("distinct", records), ("twice", [*records[:5], records[2]])):
            batch = LogColumns.of(batch_records, [f"tpl-{i % 4}" for i in range(len(batch_records))])
            await tree.insert_logs(batch, token)
            await main._run(main._client.insert, "logs", list(batch.columns), database=main.db,
                            column_names=list(LOG_COLUMNS), column_type_names=wire, column_oriented=True,
                            settings={"insert_deduplication_token": token})
            got, want = [
                await store._query(f"SELECT {names}, {typed} FROM {store.db}.logs ORDER BY record_id, message", {})
                for store in (tree, main)
            ]
            assert got == want
            assert len(got) == len({r.event_id for r in batch_records})  # a record twice in one batch: one row
            await tree._run(tree._client.command, f"TRUNCATE TABLE {tree.db}.logs")
            await main._run(main._client.command, f"TRUNCATE TABLE {main.db}.logs")
    finally:
        await tree.close()
        await main.close()


def _odd_columns() -> list[list[object]]:
    """``logs`` columns (LOG_COLUMNS order) holding the values the native writer must get right: empty
    strings, multi-byte and astral unicode, control characters, empty and unicode maps, both bools, and
    receive times at DateTime64(3)'s ends (1900-01-01, 2299-12-31) and around the epoch (event times stay
    recent: they are the table's partition and TTL key)."""
    from template_matching.domain import epoch_ms

    extremes = [-2208988800000, 10413791999999, -1, 0, 1, 1_764_000_000_123]
    recent = [epoch_ms(T0) + n for n in (0, 1, 999, 1000, 3_599_999, 17)]
    texts = ["", "ünïcødé ✓", "emoji 🦀 \U0001f600", "tab\tnl\nnul\x00", "quote ' \" \\", "x" * 3000]
    rows = len(extremes)
    return [
        ["acme", "", "🦀", "a", "b", "c"],  # org
        [texts[(i + 1) % rows] for i in range(rows)],  # service
        recent,  # ts
        [f"rec-{i}-{texts[i][:5]}" for i in range(rows)],  # record_id
        extremes,  # received_at
        ["INFO", "", "ERROR", "WARN", "DEBUG", "FATAL"],  # level
        [f"tpl-{i}" for i in range(rows)],  # template_id
        texts,  # message
        ["", "host-ü", "", "h", "", "h2"],  # host
        texts[::-1], texts, ["", "c"] * 3, ["n1", ""] * 3, texts,  # namespace, pod, container, node, k8s_service
        [{}, {"k": "v"}, {"ключ": "значение", "": ""}, {"a": "1", "b": "2", "c": "🦀"}, {}, {"x" * 300: "y" * 500}],
        [True, False, True, False, False, True],  # redacted
        [False, False, True, True, False, False],  # truncated
    ]


async def test_native_block_is_the_bytes_clickhouse_connect_writes(clickhouse_dsn: str) -> None:
    """``template_native.native_block`` against clickhouse-connect's own Native writer, same columns and
    wire types: byte for byte."""
    from template_native import native_block

    from template_matching.adapters.clickhouse import _LOG_WIRE_KINDS, _LOG_WIRE_TYPES
    from template_matching.domain import LOG_COLUMNS

    store = ClickHouseStore(clickhouse_dsn, f"tmc_{uuid.uuid4().hex[:10]}")
    await store.start()
    try:
        columns = _odd_columns()
        for sent in (list(range(len(LOG_COLUMNS))), [0, 1, 2, 3, 4, 5, 6, 7, 14]):
            names = [LOG_COLUMNS[i] for i in sent]
            wire = [_LOG_WIRE_TYPES[i] for i in sent]
            context = store._client.create_insert_context(
                "logs", names, database=store.db, column_type_names=wire, data=[columns[i] for i in sent],
                column_oriented=True)
            theirs = b"".join(store._client._transform.build_insert(context))
            theirs = theirs[theirs.index(b"\n") + 1:]  # the INSERT statement clickhouse-connect puts first
            ours = native_block(names, wire, [_LOG_WIRE_KINDS[i] for i in sent], [columns[i] for i in sent])
            assert ours == theirs
    finally:
        await store.close()


async def test_odd_values_store_the_rows_clickhouse_connects_insert_stores(clickhouse_dsn: str) -> None:
    """The native block (``insert_logs``) and clickhouse-connect's column insert, same odd batch: the same
    rows, every column and type; a replay of the batch with its token is still dropped. A batch the
    native writer refuses (a value that is not the record path's plain type) is inserted through
    clickhouse-connect as before, with the same result."""
    from template_native import native_block

    from template_matching.adapters.clickhouse import _LOG_WIRE_KINDS, _LOG_WIRE_TYPES
    from template_matching.domain import LOG_COLUMNS, LogColumns

    class Tag(str):
        pass

    tree = ClickHouseStore(clickhouse_dsn, f"tmc_{uuid.uuid4().hex[:10]}")
    main = ClickHouseStore(clickhouse_dsn, f"tmc_{uuid.uuid4().hex[:10]}")
    await tree.start()
    await main.start()
    try:
        names = ", ".join(LOG_COLUMNS)
        typed = ", ".join(f"toTypeName({n}) AS type_{n}" for n in LOG_COLUMNS)
        refused = _odd_columns()
        refused[1][2] = Tag(refused[1][2])  # a str subclass: the native writer refuses it
        try:
            native_block(list(LOG_COLUMNS), _LOG_WIRE_TYPES, _LOG_WIRE_KINDS, refused)
            raise AssertionError("native_block took a str subclass")
        except ValueError:
            pass
        for token, columns in (("odd", _odd_columns()), ("refused", refused)):
            batch = LogColumns()
            batch.columns = tuple(list(c) for c in columns)
            await tree.insert_logs(batch, token)
            await tree.insert_logs(batch, token)  # a replay: dropped by the dedup token
            await main._run(main._client.insert, "logs", list(batch.columns), database=main.db,
                            column_names=list(LOG_COLUMNS), column_type_names=_LOG_WIRE_TYPES, column_oriented=True,
                            settings={"insert_deduplication_token": token})
            got, want = [
                await store._query(f"SELECT {names}, {typed} FROM {store.db}.logs ORDER BY record_id", {})
                for store in (tree, main)
            ]
            assert len(got) == len(columns[0])
            assert got == want
            await tree._run(tree._client.command, f"TRUNCATE TABLE {tree.db}.logs")
            await main._run(main._client.command, f"TRUNCATE TABLE {main.db}.logs")
    finally:
        await tree.close()
        await main.close()
