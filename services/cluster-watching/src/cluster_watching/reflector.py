"""List-then-watch for one resource kind, as client-go's reflector does it.

* list, remember every object's resourceVersion, hand changes to ``on_event``;
* watch from the list's resourceVersion with ``allowWatchBookmarks``; bookmarks advance it;
* a watch that ends (server timeout) resumes from the last version seen;
* 410 Gone → list again, and diff the list against what was known: changed objects become
  MODIFIED, new ones ADDED, vanished ones DELETED — nothing missed, nothing repeated;
* the API server unreachable → reconnect with jittered exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from cluster_watching.ports import Gone, Kubernetes, KubernetesUnavailable, NotConfigured, Obj, ResourceMissing

log = logging.getLogger(__name__)

OnEvent = Callable[[str, str, Obj], Awaitable[None]]  # (kind, type, object)


@dataclass
class ReflectorStats:
    lists: int = 0
    relists_after_gone: int = 0
    watches: int = 0
    bookmarks: int = 0
    events: int = 0
    duplicates_skipped: int = 0
    failures: int = 0
    last_error: str | None = None
    last_sync: float | None = None
    synced: bool = False

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class Reflector:
    kubernetes: Kubernetes
    kind: str
    namespace: str | None
    on_event: OnEvent
    watch_timeout_s: int = 300
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0
    missing_retry_s: float = 300.0
    known: dict[tuple[str, str], Obj] = field(default_factory=dict)
    stats: ReflectorStats = field(default_factory=ReflectorStats)
    resource_version: str = ""

    @staticmethod
    def _key(obj: Obj) -> tuple[str, str]:
        m = obj.get("metadata") or {}
        return (m.get("namespace") or "", m.get("name") or "")

    @staticmethod
    def _rv(obj: Obj) -> str:
        return str((obj.get("metadata") or {}).get("resourceVersion") or "")

    async def relist(self) -> str:
        items, rv = await self.kubernetes.list(self.kind, self.namespace)
        self.stats.lists += 1
        seen: dict[tuple[str, str], Obj] = {}
        for item in items:
            key = self._key(item)
            seen[key] = {"metadata": item.get("metadata") or {}}
            before = self.known.get(key)
            if before is not None and self._rv(before) == self._rv(item):
                continue
            await self._emit("MODIFIED" if before is not None else "ADDED", item)
            self.known[key] = seen[key]  # after the handler: a failed handler sees it again
        for key in list(self.known):
            if key not in seen:
                await self._emit("DELETED", self.known[key])
                del self.known[key]
        self.resource_version = rv
        self.stats.synced = True
        self.stats.last_sync = time.time()
        return rv

    async def _emit(self, event_type: str, obj: Obj) -> None:
        self.stats.events += 1
        await self.on_event(self.kind, event_type, obj)

    async def watch_once(self) -> None:
        self.stats.watches += 1
        async for event in self.kubernetes.watch(self.kind, self.namespace, self.resource_version,
                                                 self.watch_timeout_s):
            event_type, obj = event.get("type"), event.get("object") or {}
            rv = self._rv(obj)
            if event_type == "BOOKMARK":
                self.stats.bookmarks += 1
                if rv:
                    self.resource_version = rv
                continue
            if event_type not in ("ADDED", "MODIFIED", "DELETED"):
                continue
            key = self._key(obj)
            before = self.known.get(key)
            if event_type != "DELETED" and before is not None and self._rv(before) == rv:
                self.stats.duplicates_skipped += 1
            elif event_type == "DELETED":
                if key in self.known:
                    await self._emit("DELETED", obj)
                    del self.known[key]
            else:
                await self._emit("MODIFIED" if before is not None else "ADDED", obj)
                self.known[key] = {"metadata": obj.get("metadata") or {}}
            if rv:
                self.resource_version = rv
            self.stats.last_sync = time.time()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        failures = 0
        need_list = True
        while not stop.is_set():
            try:
                if need_list:
                    await self.relist()
                    need_list = False
                await self.watch_once()
                failures = 0
            except Gone:
                self.stats.relists_after_gone += 1
                log.info("watch of %s expired (410); listing again", self.kind)
                need_list = True
            except NotConfigured:
                return
            except ResourceMissing as exc:
                if self.stats.last_error != str(exc):
                    log.info("%s; looking again every %.0fs", exc, self.missing_retry_s)
                self.stats.last_error = str(exc)
                need_list = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.missing_retry_s)
            except KubernetesUnavailable as exc:
                failures += 1
                self.stats.failures += 1
                self.stats.last_error = str(exc)[:500]
                ceiling = min(self.backoff_max_s, self.backoff_s * 2 ** min(failures - 1, 10))
                delay = ceiling / 2 + random.uniform(0, ceiling / 2)
                log.warning("watch of %s failed (%s); reconnecting in %.1fs", self.kind, exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                need_list = need_list or not self.resource_version
            except Exception as exc:  # a handler bug must not end the watch: list again after a pause
                failures += 1
                self.stats.failures += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.exception("handling %s failed; listing again", self.kind)
                need_list = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), min(self.backoff_max_s, self.backoff_s * 2 ** min(failures, 10)))
