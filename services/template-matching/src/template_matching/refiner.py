"""LLM template refinement, off the record path.

Items (a template plus the lines it came from) are queued without waiting; a background loop
groups them into batches (``batch_size`` items or ``batch_wait_s``), runs at most ``concurrency``
batches at once, retries a failed batch with jittered exponential backoff, validates every
proposal against its own lines (``domain.accept_proposal``), and hands accepted templates to
``on_refined``. A full queue drops new items (counted) rather than slowing ingestion.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from template_matching.domain import LLMItem, accept_proposal, llm_messages, parse_llm_answer
from template_matching.ports import TemplateLLM

log = logging.getLogger(__name__)

OnRefined = Callable[[LLMItem, str], Awaitable[None]]


@dataclass
class RefinerStats:
    queued: int = 0
    dropped: int = 0
    batches: int = 0
    attempts: int = 0
    failed_batches: int = 0
    accepted: int = 0
    rejected: int = 0
    calls_in_flight: int = 0
    max_in_flight: int = 0
    batch_sizes: list[int] = field(default_factory=list)


class Refiner:
    def __init__(
        self,
        llm: TemplateLLM,
        on_refined: OnRefined,
        *,
        batch_size: int = 10,
        batch_wait_s: float = 2.0,
        concurrency: int = 5,
        max_attempts: int = 3,
        backoff_s: float = 1.0,
        queue_size: int = 1000,
    ) -> None:
        self.llm = llm
        self.on_refined = on_refined
        self.batch_size = batch_size
        self.batch_wait_s = batch_wait_s
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.stats = RefinerStats()
        self._queue: asyncio.Queue[LLMItem] = asyncio.Queue(queue_size)
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending: set[str] = set()

    def submit(self, item: LLMItem) -> bool:
        """Queue an item; never waits. False when dropped (queue full or already pending)."""
        if item.template_id in self._pending:
            return False
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.stats.dropped += 1
            return False
        self._pending.add(item.template_id)
        self.stats.queued += 1
        return True

    async def run(self) -> None:
        """The batching loop (a service background task)."""
        try:
            while True:
                batch = [await self._queue.get()]
                deadline = asyncio.get_running_loop().time() + self.batch_wait_s
                while len(batch) < self.batch_size:
                    left = deadline - asyncio.get_running_loop().time()
                    if left <= 0:
                        break
                    try:  # asyncio.timeout: wait_for on 3.11 can swallow a racing cancellation
                        async with asyncio.timeout(left):
                            batch.append(await self._queue.get())
                    except TimeoutError:
                        break
                await self._slots.acquire()  # bounded concurrency: wait for a free slot
                task = asyncio.create_task(self._run_batch(batch))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def idle(self, timeout_s: float = 30.0) -> None:
        """Wait until nothing is queued or running (tests, graceful drains)."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while self._pending or self._tasks:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("refiner still busy")
            await asyncio.sleep(0.02)

    async def _run_batch(self, batch: list[LLMItem]) -> None:
        self.stats.batches += 1
        self.stats.batch_sizes.append(len(batch))
        self.stats.calls_in_flight += 1
        self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.calls_in_flight)
        try:
            proposals = await self._ask(batch)
            for item, proposal in zip(batch, proposals, strict=True):
                accepted = accept_proposal(item, proposal)
                if accepted is None:
                    self.stats.rejected += 1
                    continue
                self.stats.accepted += 1
                try:
                    await self.on_refined(item, accepted)
                except Exception:
                    log.exception("could not apply a refined template")
        except Exception as exc:
            self.stats.failed_batches += 1
            log.warning("LLM batch of %d failed after %d attempts: %s", len(batch), self.max_attempts, exc)
        finally:
            self.stats.calls_in_flight -= 1
            for item in batch:
                self._pending.discard(item.template_id)
            self._slots.release()

    async def _ask(self, batch: list[LLMItem]) -> list[str | None]:
        messages = llm_messages(batch)
        for attempt in range(1, self.max_attempts + 1):
            self.stats.attempts += 1
            try:
                return parse_llm_answer(await self.llm.complete(messages), len(batch))
            except Exception as exc:
                if attempt == self.max_attempts:
                    raise
                ceiling = self.backoff_s * 2 ** (attempt - 1)
                delay = ceiling / 2 + random.uniform(0, ceiling / 2)
                log.info("LLM attempt %d failed (%s); retrying in %.2fs", attempt, exc, delay)
                await asyncio.sleep(delay)
        return [None] * len(batch)  # unreachable
