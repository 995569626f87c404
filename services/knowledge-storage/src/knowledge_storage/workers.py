"""Background work: open (and keep trying to open) the case base, re-embed, prune, publish stats."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from knowledge_storage.cases import open_case_base
from knowledge_storage.handlers import Handlers
from knowledge_storage.ports import Embedder
from knowledge_storage.settings import KnowledgeStorageSettings
from logmesh_runtime.kafka import TransientError
from logmesh_runtime.retry import backoff
from logmesh_runtime.service import Service

log = logging.getLogger(__name__)


def register_workers(
    service: Service, handlers: Handlers, settings: KnowledgeStorageSettings, embedder: Embedder | None
) -> None:
    async def try_open() -> bool:
        try:
            cases = await asyncio.to_thread(open_case_base, settings, embedder)
            stale = await asyncio.to_thread(cases.ensure_schema)
        except Exception as exc:  # a server or embedding endpoint not up yet: the loop keeps trying
            log.warning("case base not available: %r", exc)
            return False
        handlers.cases, handlers.stale = cases, stale
        handlers.ready.set()
        return True

    @service.on_startup
    async def open_before_consuming() -> None:
        await try_open()

    @service.background
    async def open_and_migrate() -> None:
        """Open the store if start-up could not (retrying while it is down), then re-embed other models' cases."""
        attempt = 0
        while not handlers.ready.is_set() and not await try_open():
            attempt += 1
            await asyncio.sleep(backoff(attempt + 1, 0.5, 30.0))
        assert handlers.cases is not None
        if handlers.stale:
            handlers.reembedding = {}
            handlers.reembedding = await asyncio.to_thread(handlers.cases.reembed, handlers.stale,
                                                           settings.embedding_batch)
        handlers.metrics.publish_stats(await asyncio.to_thread(handlers.cases.stats))

    @service.background
    async def prune_loop() -> None:
        await handlers.ready.wait()
        while True:
            with contextlib.suppress(TransientError):
                gone = await handlers.call(handlers.case_base().prune, settings.retention_days)
                if gone:
                    log.info("pruned %d case(s) older than %s days", len(gone), settings.retention_days)
            await asyncio.sleep(settings.prune_interval_s)

    @service.background
    async def stats_loop() -> None:
        await handlers.ready.wait()
        while True:
            await asyncio.sleep(settings.stats_log_interval_s)
            with contextlib.suppress(Exception):
                stats = await handlers.call(handlers.case_base().stats)
                handlers.metrics.publish_stats(stats)
                log.info("case accuracy", extra={"stats": stats})

    async def case_base_check() -> tuple[bool, str]:
        if handlers.cases is None:
            return False, "opening the case base"
        detail = handlers.cases.store.cases
        if handlers.reembedding == {}:
            detail += " (re-embedding older cases)"
        return True, detail

    service.readiness_check("case-base", case_base_check)

    @service.on_shutdown
    async def close_store() -> None:
        if handlers.cases is not None:
            await asyncio.to_thread(handlers.cases.store.close)
