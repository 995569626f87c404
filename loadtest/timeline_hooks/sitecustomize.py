"""Loaded at start-up by a record-path service that ``loadtest/scenario.py --timeline`` runs (this folder is put
first on its PYTHONPATH): wraps the runtime's poll steps and the stores' writes so that each records when it ran,
as JSON lines in ``$LOGMESH_TIMELINE_EVENTS``. Wall times are ``time.monotonic()`` (one clock for every process on
the host), CPU times the calling thread's (``time.thread_time()``). Nothing here changes what the wrapped code does."""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from typing import Any

_PATH = os.environ.get("LOGMESH_TIMELINE_EVENTS")
_LOCK = threading.Lock()


def _emit(**event: Any) -> None:
    line = (json.dumps(event, separators=(",", ":")) + "\n").encode()
    with _LOCK:  # one short append per poll step: a few hundred per run
        fd = os.open(_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)  # type: ignore[arg-type]
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def _timed_async(kind: str, count: Any = None) -> Any:
    def wrap(fn: Any) -> Any:
        @functools.wraps(fn)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.monotonic(), time.thread_time()
            try:
                return await fn(*args, **kwargs)
            finally:
                _emit(kind=kind, start=start, end=time.monotonic(), thread_cpu=time.thread_time() - cpu,
                      n=count(args, kwargs) if count else None)
        return timed
    return wrap


def _timed_sync(kind: str, count: Any = None) -> Any:
    def wrap(fn: Any) -> Any:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.monotonic(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                _emit(kind=kind, start=start, end=time.monotonic(), thread_cpu=time.thread_time() - cpu,
                      n=count(args, kwargs) if count else None)
        return timed
    return wrap


def _sized_items(args: Any, kwargs: Any) -> int | None:
    items = args[2] if len(args) > 2 else kwargs.get("items")
    return len(items) if hasattr(items, "__len__") else None


def _install_runtime() -> None:
    from logmesh_runtime import kafka

    original_get_msg = kafka._PromptBatchSubscriber.get_msg
    fetched = [0]  # bytes of record batches fetched since the last poll (compressed, as the broker sends them)
    original_fetched_init = kafka._FetchedRecords.__init__

    def fetched_init(self: Any, buffer: Any) -> None:
        original_fetched_init(self, buffer)
        fetched[0] += len(buffer)

    kafka._FetchedRecords.__init__ = fetched_init  # type: ignore[method-assign]

    async def get_msg(self: Any, consumer: Any) -> Any:
        start, cpu = time.monotonic(), time.thread_time()
        polled = await original_get_msg(self, consumer)
        topics = sorted({record.topic for record in polled})
        if any(t.endswith(("logs.raw", "logs.records")) for t in topics):  # the record path's polls only
            _emit(kind="poll", start=start, end=time.monotonic(), thread_cpu=time.thread_time() - cpu,
                  n=len(polled), topics=topics, fetched_bytes=fetched[0])
            fetched[0] = 0
        return polled

    kafka._PromptBatchSubscriber.get_msg = get_msg  # type: ignore[method-assign]
    kafka.Mesh._process_batch = _timed_async(  # type: ignore[method-assign]
        "prepare", lambda a, k: len(a[2]))(kafka.Mesh._process_batch)
    kafka.Mesh.publish_many = _timed_async("publish", _sized_items)(kafka.Mesh.publish_many)  # type: ignore[method-assign]

    original_settle = kafka._PollPipeline.settle

    async def settle(self: Any) -> None:
        pending = self.pending
        start, cpu = time.monotonic(), time.thread_time()
        await original_settle(self)
        if pending is not None:
            _emit(kind="settle", start=start, end=time.monotonic(), thread_cpu=time.thread_time() - cpu,
                  n=sum(len(share.deliveries) for share in pending.handled))

    kafka._PollPipeline.settle = settle  # type: ignore[method-assign]

    original_all_of = kafka._all_of

    def all_of(rests: Any) -> Any:
        task = original_all_of(rests)
        start = time.monotonic()
        task.add_done_callback(lambda _t: _emit(kind="rest", start=start, end=time.monotonic()))
        return task

    kafka._all_of = all_of
    _install_fetches()


def _install_fetches() -> None:
    """Each fetch request to the broker: when sent and answered, the least bytes it asked the broker to hold for,
    and the records the consumer knew to be waiting at the broker when it sent it (highwater - fetch offset, from
    the partitions' last answers)."""
    from aiokafka.consumer import fetcher

    original = fetcher.Fetcher._proc_fetch_request

    async def proc_fetch_request(self: Any, assignment: Any, node_id: Any, request: Any) -> Any:
        topics = [topic for topic, _ in request.topics]
        if not any(t.endswith(("logs.raw", "logs.records")) for t in topics):
            return await original(self, assignment, node_id, request)
        waiting = 0
        for topic, partitions in request.topics:
            for partition, offset, _ in partitions:
                highwater = assignment.state_value(fetcher.TopicPartition(topic, partition)).highwater
                waiting += max(highwater - offset, 0) if highwater is not None else 0
        start = time.monotonic()
        try:
            return await original(self, assignment, node_id, request)
        finally:
            _emit(kind="fetch", start=start, end=time.monotonic(), min_bytes=request._min_bytes, known_waiting=waiting)

    fetcher.Fetcher._proc_fetch_request = proc_fetch_request


def _install_template_matching() -> None:
    try:
        from template_matching.adapters import clickhouse
    except ImportError:
        return
    clickhouse.native_block = _timed_sync("native_block", lambda a, k: len(a[3][0]) if a[3] else 0)(
        clickhouse.native_block)
    clickhouse.ClickHouseStore._insert_log_columns = _timed_sync(  # type: ignore[method-assign]
        "insert_in_chdb_thread", lambda a, k: len(a[1][0]) if a[1] else 0)(clickhouse.ClickHouseStore._insert_log_columns)
    for name in ("upsert_templates", "insert_anomalies"):  # a poll's other writes, awaited in its rest
        setattr(clickhouse.ClickHouseStore, name, _timed_async(name, lambda a, k: len(a[1]))(
            getattr(clickhouse.ClickHouseStore, name)))


if _PATH:
    _install_runtime()
    if os.environ.get("LOGMESH_SERVICE_NAME", "").startswith("template-matching"):
        _install_template_matching()
