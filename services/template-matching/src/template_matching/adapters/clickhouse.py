"""ClickHouse storage through clickhouse-connect: a ClickHouse server, or embedded chDB (``chdb://path``).

Schema decisions (docs/decisions/template-matching.md):

* ``logs`` is a ReplacingMergeTree ordered by (org, service, hour, level, record_id), partitioned by
  day, with a TTL. A redelivered record lands on the same sorting key, so ``FINAL`` reads collapse it;
  each insert also carries ``insert_deduplication_token`` (a hash of its record ids) so a replay of
  the same batch is dropped at insert time. A batch whose record ids are all distinct is inserted with
  ``optimize_on_insert=0``: no two of its rows share a sorting key, so the in-block collapse pass would
  change nothing (a batch holding a record twice, or a server's async insert, keeps the pass). Skip indexes: tokenbf + ngrambf on message, set on
  template_id, minmax on ts.
* ``templates`` and ``anomalies`` are ReplacingMergeTrees keyed by their ids.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from template_native import native_block

from logmesh_contracts import LogAnomaly, TemplateEvent
from logmesh_runtime.kafka import TransientError
from template_matching.domain import LOG_COLUMNS, TEMPLATE_COLUMNS, LogColumns, TemplateSummary, template_row
from template_matching.registry import resolve_lineage

# chDB runs one engine per process (one path): every store on that path shares one client and
# one thread, because the embedded engine is not meant to be driven from several threads at once.
_SHARED: dict[str, tuple[Any, ThreadPoolExecutor]] = {}
_SHARED_LOCK = threading.Lock()

ANOMALY_COLUMNS = (
    "event_id", "kind", "org", "service", "severity", "detected_at", "window_start", "window_end",
    "template_id", "template", "observed", "baseline", "score", "summary", "payload",
)


_LOG_COLUMN_NAMES = list(LOG_COLUMNS)
# The wire types of a logs insert: as the table's, except LowCardinality columns go as plain String.
# clickhouse-connect builds LowCardinality dictionaries in Python (about 40% of an insert's client
# CPU); ClickHouse converts String to LowCardinality(String) on its side, in C++ (Native input type
# conversion), for the same stored result.
_LOG_WIRE_TYPES = [
    "DateTime64(3, 'UTC')" if name in ("ts", "received_at") else "Map(String, String)" if name == "metadata"
    else "Bool" if name in ("redacted", "truncated") else "String"
    for name in LOG_COLUMNS
]


# how template_native.native_block writes each wire type: 0 String, 1 Int64 (DateTime64(3) ticks), 2 Bool, 3 Map
_LOG_WIRE_KINDS = [
    {"String": 0, "DateTime64(3, 'UTC')": 1, "Bool": 2, "Map(String, String)": 3}[wire] for wire in _LOG_WIRE_TYPES
]

_RECORD_ID = LOG_COLUMNS.index("record_id")

# columns whose every value may equal the table's default ('' / empty map / false): sent only when one does not
_DEFAULTED_LOG_COLUMNS = frozenset(
    LOG_COLUMNS.index(name)
    for name in ("host", "namespace", "pod", "container", "node", "k8s_service", "metadata", "redacted", "truncated")
)


def _is_chdb(dsn: str) -> bool:
    return dsn.startswith("chdb:")


def _resolve_lazy_imports() -> None:
    from clickhouse_connect.driver import options

    _ = options.pd, options.np


def _connect(dsn: str) -> Any:
    import clickhouse_connect

    return clickhouse_connect.get_client(dsn=dsn)


class ClickHouseStore:
    def __init__(self, dsn: str, database: str, *, ttl_days: int = 30, async_insert: bool = False) -> None:
        self.dsn = dsn
        self.db = database
        self.ttl_days = ttl_days
        self.async_insert = async_insert and not _is_chdb(dsn)
        self._client: Any = None
        self._executor: ThreadPoolExecutor | None = None
        self._owned = False
        self._index_on_merge = False  # the server can leave skip indexes to merges (_defers_skip_indexes)

    # lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if _is_chdb(self.dsn):
            with _SHARED_LOCK:
                if self.dsn not in _SHARED:
                    executor = ThreadPoolExecutor(1, thread_name_prefix="chdb")
                    client = executor.submit(_connect, self.dsn).result()
                    _SHARED[self.dsn] = (client, executor)
                self._client, self._executor = _SHARED[self.dsn]
        else:
            self._executor = ThreadPoolExecutor(4, thread_name_prefix="clickhouse")
            self._owned = True
            self._client = await self._run(_connect, self.dsn)
        await self._run(self._create_schema)
        self._index_on_merge = await self._run(self._defers_skip_indexes)
        # clickhouse-connect imports pandas lazily inside the first insert (to test for DataFrames):
        # about a second of CPU that would otherwise stall the first batch of records.
        await self._run(_resolve_lazy_imports)

    async def close(self) -> None:
        if self._owned and self._client is not None:
            await self._run(self._client.close)
            assert self._executor is not None
            self._executor.shutdown(wait=False)
        self._client = None

    async def _run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._executor is None:
            raise TransientError("ClickHouse store not started")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))
        except TransientError:
            raise
        except Exception as exc:
            if _unreachable(exc):
                raise TransientError(f"ClickHouse unavailable: {exc}") from exc
            raise

    def _create_schema(self) -> None:
        c, db = self._client, self.db
        try:
            c.command(f"CREATE DATABASE IF NOT EXISTS {db}")
        except Exception:  # a user without CREATE rights on a server whose database already exists
            if not c.command(f"EXISTS DATABASE {db}"):
                raise
        c.command(f"""
            CREATE TABLE IF NOT EXISTS {db}.logs (
                org LowCardinality(String),
                service LowCardinality(String),
                ts DateTime64(3, 'UTC'),
                record_id String,
                received_at DateTime64(3, 'UTC'),
                level LowCardinality(String),
                template_id String,
                message String,
                host LowCardinality(String),
                namespace LowCardinality(String),
                pod String,
                container LowCardinality(String),
                node LowCardinality(String),
                k8s_service LowCardinality(String),
                metadata Map(String, String),
                redacted Bool,
                truncated Bool,
                inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
                INDEX idx_message_tokens message TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 4,
                INDEX idx_message_ngrams message TYPE ngrambf_v1(3, 65536, 3, 0) GRANULARITY 4,
                INDEX idx_template template_id TYPE set(1024) GRANULARITY 4,
                INDEX idx_pod pod TYPE set(1024) GRANULARITY 4,
                INDEX idx_ts ts TYPE minmax GRANULARITY 1
            )
            ENGINE = ReplacingMergeTree(inserted_at)
            PARTITION BY toDate(ts)
            ORDER BY (org, service, toStartOfHour(ts), level, record_id)
            TTL toDateTime(ts) + INTERVAL {int(self.ttl_days)} DAY
            SETTINGS non_replicated_deduplication_window = 1000
        """)
        c.command(f"""
            CREATE TABLE IF NOT EXISTS {db}.templates (
                template_id String,
                template String,
                kind LowCardinality(String),
                source LowCardinality(String),
                previous_template_id String,
                org LowCardinality(String),
                service LowCardinality(String),
                sample String,
                first_seen DateTime64(3, 'UTC'),
                updated_at DateTime64(3, 'UTC'),
                count UInt64
            )
            ENGINE = ReplacingMergeTree(updated_at)
            ORDER BY template_id
        """)
        # retired template id -> the id that replaced it (one row per retirement; a merge of
        # several templates writes several), read at query time so that records stored under a
        # template that later generalised are found, counted and ranked under the live one
        c.command(f"""
            CREATE TABLE IF NOT EXISTS {db}.template_lineage (
                retired_id String,
                template_id String,
                updated_at DateTime64(3, 'UTC')
            )
            ENGINE = ReplacingMergeTree(updated_at)
            ORDER BY retired_id
        """)
        c.command(f"""
            CREATE TABLE IF NOT EXISTS {db}.anomalies (
                event_id String,
                kind LowCardinality(String),
                org LowCardinality(String),
                service LowCardinality(String),
                severity LowCardinality(String),
                detected_at DateTime64(3, 'UTC'),
                window_start DateTime64(3, 'UTC'),
                window_end DateTime64(3, 'UTC'),
                template_id String,
                template String,
                observed Float64,
                baseline Float64,
                score Float64,
                summary String,
                payload String
            )
            ENGINE = ReplacingMergeTree(detected_at)
            PARTITION BY toYYYYMM(window_start)
            ORDER BY (org, service, event_id)
            TTL toDateTime(window_start) + INTERVAL {int(self.ttl_days)} DAY
        """)

    def _defers_skip_indexes(self) -> bool:
        """Whether inserts may leave the ``logs`` skip indexes to merges (``materialize_skip_indexes_on_insert``,
        in ClickHouse since 25.x; chDB 4.4 is 26.9): older servers refuse an unknown setting."""
        return int(self._client.command(
            "SELECT count() FROM system.settings WHERE name = 'materialize_skip_indexes_on_insert'")) > 0

    async def ping(self) -> bool:
        return bool(await self._run(lambda: self._client.query("SELECT 1").result_rows))

    # writes ----------------------------------------------------------------------------
    async def insert_logs(self, rows: LogColumns | Sequence[Sequence[Any]], dedup_token: str) -> None:
        """One column-oriented insert (timestamps as DateTime64(3) ticks); rows are accepted too."""
        batch = rows if isinstance(rows, LogColumns) else LogColumns.from_rows(rows)
        if not len(batch):
            return
        settings: dict[str, Any] = {"insert_deduplication_token": dedup_token}
        if self._index_on_merge:
            # Building the message bloom filters (3-gram and token) was ~40% of an insert's CPU in chDB, and
            # wasted on every part that is merged later: a merge writes a new part and builds its indexes
            # anew. Parts are merged within seconds under load; until then a query reads a fresh part's
            # granules without pruning them: the same rows, found a little slower.
            settings["materialize_skip_indexes_on_insert"] = 0
        if self.async_insert:
            settings.update(async_insert=1, wait_for_async_insert=1)
        elif len(set(batch.columns[_RECORD_ID])) == len(batch):
            # no two rows share a sorting key (record_id is its last part), so ReplacingMergeTree's pass
            # that collapses them inside the inserted block has nothing to do: skipping it saves ~10-25% of
            # the insert's CPU (bench/results/tm-insert-ab.json) for the same stored part. Not for a
            # server's async inserts: it joins several inserts into one block, whose ids may repeat.
            settings["optimize_on_insert"] = 0
        # a column holding only its table default ('', {}, false: e.g. the k8s fields of host logs) is left
        # out; ClickHouse fills the default, and the client serialises ~20k fewer values per column
        sent = [i for i, column in enumerate(batch.columns) if i not in _DEFAULTED_LOG_COLUMNS or any(column)]
        await self._run(self._insert_log_columns, [batch.columns[i] for i in sent], sent, settings)

    def _insert_log_columns(self, columns: list[list[Any]], sent: list[int], settings: dict[str, Any]) -> None:
        """The Native block written in one native call and sent as it is (``raw_insert``: same statement,
        settings and dedup token); values it does not take (not the record path's plain types) go through
        clickhouse-connect's column writers, which judge them as before."""
        names = [_LOG_COLUMN_NAMES[i] for i in sent]
        try:
            block = native_block(names, [_LOG_WIRE_TYPES[i] for i in sent], [_LOG_WIRE_KINDS[i] for i in sent],
                                 columns)
        except ValueError:
            self._client.insert("logs", columns, database=self.db, column_names=names,
                                column_type_names=[_LOG_WIRE_TYPES[i] for i in sent], column_oriented=True,
                                settings=settings)
            return
        self._client.raw_insert(f"{self.db}.logs", names, block, settings=settings, fmt="Native")

    async def upsert_templates(self, events: Sequence[TemplateEvent]) -> None:
        if events:
            await self._run(
                self._client.insert, "templates", [template_row(e) for e in events], database=self.db,
                column_names=list(TEMPLATE_COLUMNS),
            )
            retirements = [
                [e.previous_template_id, e.template_id, e.updated_at]
                for e in events
                if e.previous_template_id and e.previous_template_id != e.template_id and e.kind != "deleted"
            ]
            if retirements:
                await self._run(
                    self._client.insert, "template_lineage", retirements, database=self.db,
                    column_names=["retired_id", "template_id", "updated_at"],
                )

    async def insert_anomalies(self, anomalies: Sequence[LogAnomaly]) -> None:
        if not anomalies:
            return
        rows = [
            [a.event_id, a.kind, a.org, a.service, a.severity, a.detected_at, a.window_start, a.window_end,
             a.template_id or "", a.template or "", a.observed, a.baseline, a.score, a.summary, a.model_dump_json()]
            for a in anomalies
        ]
        await self._run(self._client.insert, "anomalies", rows, database=self.db, column_names=list(ANOMALY_COLUMNS))

    # reads -----------------------------------------------------------------------------
    async def _query(self, sql: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
        def run() -> list[dict[str, Any]]:
            result = self._client.query(sql, parameters=parameters)
            return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]

        return await self._run(run)

    async def load_templates(self) -> list[tuple[str, str]]:
        rows = await self._query(
            f"SELECT template_id, argMax(template, updated_at) AS template FROM {self.db}.templates "
            "GROUP BY template_id",
            {},
        )
        return [(r["template_id"], r["template"]) for r in rows]

    async def lineage(self) -> dict[str, str]:
        """Retired template id -> live template id (see :func:`resolve_lineage`)."""
        rows = await self._query(  # one round trip; rank 0: rows written before the lineage table existed
            f"SELECT 0 AS rank, previous_template_id AS retired_id, template_id FROM {self.db}.templates FINAL "
            "WHERE previous_template_id != '' UNION ALL "
            "SELECT 1 AS rank, retired_id, argMax(template_id, updated_at) AS template_id "
            f"FROM {self.db}.template_lineage GROUP BY retired_id",
            {},
        )
        rows.sort(key=lambda r: r["rank"])
        return resolve_lineage((r["retired_id"], r["template_id"]) for r in rows)

    async def _resolved_filters(self, filters: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, str]]:
        """WHERE clause for the log filters, where a template id stands for itself and every id
        retired into the same live template; with the lineage map."""
        lineage = await self.lineage()
        template_id = filters.pop("template_id", None)
        where, params = self._log_filters(**filters)
        if template_id:
            live = lineage.get(template_id, template_id)
            ids = sorted({template_id, live} | {old for old, new in lineage.items() if new == live})
            where += " AND template_id IN {template_ids:Array(String)}"
            params["template_ids"] = ids
        return where, params, lineage

    @staticmethod
    def _live_id_sql(lineage: dict[str, str], params: dict[str, Any]) -> str:
        if not lineage:
            return "template_id"
        params["retired_ids"], params["live_ids"] = list(lineage), list(lineage.values())
        return "transform(template_id, {retired_ids:Array(String)}, {live_ids:Array(String)}, template_id)"

    @staticmethod
    def _log_filters(
        *, start: datetime, end: datetime, org: str | None = None, service: str | None = None,
        level: str | None = None, template_id: str | None = None, text: str | None = None,
        namespace: str | None = None, pod: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        where = ["ts >= {start:DateTime64(3, 'UTC')}", "ts < {end:DateTime64(3, 'UTC')}"]
        params: dict[str, Any] = {"start": start, "end": end}
        for column, value in (("org", org), ("service", service), ("level", level), ("template_id", template_id),
                              ("namespace", namespace), ("pod", pod)):
            if value:
                where.append(f"{column} = {{{column}:String}}")
                params[column] = value
        if text:
            where.append("message LIKE {pattern:String}")  # LIKE '%x%' can use the ngram skip index
            params["pattern"] = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return " AND ".join(where), params

    async def search_logs(self, *, limit: int, **filters: Any) -> list[dict[str, Any]]:
        """Matching records; each carries the live id of its template (a record stored under a
        template that generalised later is found by, and reported under, the live id)."""
        where, params, lineage = await self._resolved_filters(filters)
        sql = (
            "SELECT ts, org, service, level, template_id, message, record_id, host, namespace, pod, container, node "
            f"FROM {self.db}.logs FINAL WHERE {where} ORDER BY ts DESC, record_id LIMIT {{limit:UInt32}}"
        )
        rows = await self._query(sql, {**params, "limit": limit})
        for row in rows:
            row["template_id"] = lineage.get(row["template_id"], row["template_id"])
        return rows

    async def count_logs(self, **filters: Any) -> dict[str, int]:
        """Rows (after dedup) and distinct live templates matching the filters."""
        where, params, lineage = await self._resolved_filters(filters)
        live = self._live_id_sql(lineage, params)
        sql = f"SELECT count() AS rows, uniqExact({live}) AS templates FROM {self.db}.logs FINAL WHERE {where}"
        (row,) = await self._query(sql, params)
        return {"rows": int(row["rows"]), "templates": int(row["templates"])}

    async def list_templates(self, *, org: str | None, service: str | None, limit: int) -> list[dict[str, Any]]:
        where: list[str] = ["1"]
        params: dict[str, Any] = {"limit": limit}
        if org:
            where.append("org = {org:String}")
            params["org"] = org
        if service:
            where.append("service = {service:String}")
            params["service"] = service
        sql = (
            "SELECT template_id, template, kind, source, previous_template_id, org, service, sample, first_seen, "
            f"updated_at, count FROM {self.db}.templates FINAL WHERE {' AND '.join(where)} "
            "ORDER BY updated_at DESC LIMIT {limit:UInt32}"
        )
        return await self._query(sql, params)

    async def list_anomalies(
        self, *, org: str | None, service: str | None, kind: str | None, limit: int
    ) -> list[dict[str, Any]]:
        where: list[str] = ["1"]
        params: dict[str, Any] = {"limit": limit}
        for column, value in (("org", org), ("service", service), ("kind", kind)):
            if value:
                where.append(f"{column} = {{{column}:String}}")
                params[column] = value
        sql = (
            f"SELECT payload FROM {self.db}.anomalies FINAL WHERE {' AND '.join(where)} "
            "ORDER BY window_start DESC, event_id LIMIT {limit:UInt32}"
        )
        import json

        anomalies = [json.loads(r["payload"]) for r in await self._query(sql, params)]
        lineage = await self.lineage()
        retired = {a["template_id"] for a in anomalies if a.get("template_id") in lineage}
        if retired:
            texts = await self._template_texts([lineage[t] for t in retired])
            for a in anomalies:
                old = a.get("template_id")
                if old in lineage:  # detected under a template that has generalised since
                    a["recorded_template_id"] = old
                    a["template_id"] = lineage[old]
                    a["template"] = texts.get(lineage[old], a.get("template"))
        return anomalies

    async def _template_texts(self, ids: list[str]) -> dict[str, str]:
        found = await self._query(
            f"SELECT template_id, argMax(template, updated_at) AS template FROM {self.db}.templates "
            "WHERE template_id IN {ids:Array(String)} GROUP BY template_id",
            {"ids": ids},
        )
        return {r["template_id"]: r["template"] for r in found}

    async def top_templates(
        self, *, org: str, start: datetime, end: datetime, namespace: str | None, pod: str | None,
        service: str | None, limit: int, samples: int,
    ) -> list[TemplateSummary]:
        where = ["org = {org:String}", "ts >= {start:DateTime64(3, 'UTC')}", "ts <= {end:DateTime64(3, 'UTC')}"]
        params: dict[str, Any] = {"org": org, "start": start, "end": end, "limit": limit}
        live = self._live_id_sql(await self.lineage(), params)
        if namespace:
            where.append("namespace = {namespace:String}")
            params["namespace"] = namespace
        if pod:
            where.append("pod = {pod:String}")
            params["pod"] = pod
        if service:
            where.append("(service = {service:String} OR k8s_service = {service:String})")
            params["service"] = service
        select = (
            f"SELECT {live} AS live_id, count() AS n, countIf(level IN ('ERROR', 'FATAL')) AS errors, "
            "countIf(level = 'WARN') AS warnings, groupUniqArray(level) AS levels, min(ts) AS first_seen, "
            f"max(ts) AS last_seen, groupArray({int(samples)})(message) AS samples "
            f"FROM {self.db}.logs FINAL WHERE {' AND '.join(where)} GROUP BY live_id "
        )
        # candidates: the busiest error templates and, apart, the rarest WARN+ ones (select_templates mixes them)
        rows = await self._query(select + "ORDER BY errors DESC, warnings DESC, n DESC, live_id LIMIT {limit:UInt32}",
                                 params)
        rows += await self._query(select + "HAVING errors + warnings > 0 ORDER BY n ASC, first_seen ASC, live_id "
                                  "LIMIT {limit:UInt32}", params)
        rows = list({r["live_id"]: r for r in rows}.values())
        before: dict[str, int] = {}
        texts: dict[str, str] = {}
        if rows:
            seen = await self._query(
                f"SELECT {live} AS live_id, count() AS n FROM {self.db}.logs WHERE org = {{org:String}} "
                "AND ts >= {since:DateTime64(3, 'UTC')} AND ts < {start:DateTime64(3, 'UTC')} "
                f"AND {live} IN {{ids:Array(String)}} GROUP BY live_id",
                {**params, "since": start - timedelta(days=1), "ids": [r["live_id"] for r in rows]},
            )
            before = {r["live_id"]: int(r["n"]) for r in seen}
            texts = await self._template_texts([r["live_id"] for r in rows])
        return [
            TemplateSummary(
                template_id=r["live_id"],
                template=texts.get(r["live_id"], r["samples"][0] if r["samples"] else ""),
                count=int(r["n"]),
                errors=int(r["errors"]),
                levels=tuple(sorted(r["levels"])),
                first_seen=r["first_seen"],
                last_seen=r["last_seen"],
                samples=tuple(r["samples"]),
                seen_before=before.get(r["live_id"], 0),
            )
            for r in rows
        ]


def _unreachable(exc: Exception) -> bool:
    """Connection-level failures are transient; SQL and data errors are not."""
    try:
        from clickhouse_connect.driver.exceptions import OperationalError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, OperationalError | ConnectionError | TimeoutError)
