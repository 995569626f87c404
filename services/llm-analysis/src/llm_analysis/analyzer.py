"""The analysis worker: picks due incidents from the durable store and analyses them in bounded tasks.

Consumers only record intent (incident, evidence parts) and return, so a slow LLM never holds a
partition or a poll loop. Here, outside the consumers, an incident is analysed once its expected
evidence arrived or its deadline passed; the result is published, then the incident is marked done.
A crash in between analyses it again after restart (at-least-once) with the same result event_id.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from opentelemetry import trace

from llm_analysis.adapters.store import SqliteStore
from llm_analysis.domain import (
    Context,
    assemble,
    build_messages,
    deterministic_result,
    llm_result,
    repair_messages,
    run_diagnosis,
    weaker_than_floor,
)
from llm_analysis.ports import LlmClient, LlmUnavailable
from llm_analysis.rules import Diagnosis
from llm_analysis.safety import OutputRejected, clean_text, leaked, redact_text, validate_answer
from llm_analysis.settings import LlmAnalysisSettings
from logmesh_contracts import AnalysisProgress, AnalysisResult, LlmCall, stable_id, utcnow
from logmesh_runtime.telemetry import resumed_context

log = logging.getLogger(__name__)

PublishProgress = Callable[[AnalysisProgress], Awaitable[None]]
PublishResult = Callable[[AnalysisResult], Awaitable[None]]
PublishAudit = Callable[[LlmCall], Awaitable[None]]
CANARY = "LMC-" + stable_id("logmesh-llm-analysis-canary", length=16)


class ProgressStream:
    """Ordered, throttled progress chunks for one incident.

    Streamed model text is untrusted until validated, so each chunk is redacted and cleaned of
    URLs/mentions, the tail is held back until the next chunk (a leak marker split across chunks
    is still seen whole), and streaming stops for good once the text repeats our instructions.
    """

    HOLD_BACK = 64

    def __init__(self, incident_id: str, publish: PublishProgress, interval_s: float, min_chars: int) -> None:
        self.incident_id = incident_id
        self.publish = publish
        self.interval_s = interval_s
        self.min_chars = min_chars
        self.seq = 0
        self._pending = ""
        self._seen = ""
        self._muted = False
        self._last = 0.0

    async def emit(self, stage: str, text: str = "") -> None:
        event = AnalysisProgress(
            event_id=stable_id("progress", self.incident_id, self.seq), incident_id=self.incident_id,
            seq=self.seq, stage=stage, text=text, at=utcnow(),  # type: ignore[arg-type]
        )
        self.seq += 1
        try:
            await self.publish(event)
        except Exception:  # progress is best effort; the final result is what must be delivered
            log.warning("progress publish failed", exc_info=True, extra={"incident_id": self.incident_id})
        self._last = time.monotonic()

    async def text(self, piece: str) -> None:
        self._pending += piece
        self._seen += piece
        if leaked(self._seen, CANARY):
            self._muted = True
        if self._muted:
            return
        if len(self._pending) - self.HOLD_BACK >= self.min_chars and time.monotonic() - self._last >= self.interval_s:
            cut = len(self._pending) - self.HOLD_BACK
            chunk, self._pending = self._pending[:cut], self._pending[cut:]
            await self._send(chunk)

    async def flush(self) -> None:
        chunk, self._pending, self._seen = self._pending, "", ""
        if chunk and not self._muted:
            await self._send(chunk)
        self._muted = False

    async def _send(self, chunk: str) -> None:
        text = clean_text(redact_text(chunk)[0], 4000)
        if text:
            await self.emit("llm", text)


class Analyzer:
    def __init__(
        self,
        settings: LlmAnalysisSettings,
        store: SqliteStore,
        llm: LlmClient | None,
        publish_progress: PublishProgress,
        publish_result: PublishResult,
        tracer: trace.Tracer | None = None,
        publish_audit: PublishAudit | None = None,
    ) -> None:
        self.settings = settings
        self.publish_audit = publish_audit
        self.tracer = tracer or trace.get_tracer(__name__)
        self.store = store
        self.llm = llm
        self.publish_progress = publish_progress
        self.publish_result = publish_result
        self.redact = settings.must_redact()
        self._wake = asyncio.Event()
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self.analysed = 0

    def wake(self) -> None:
        self._wake.set()

    def due(self, now: datetime) -> list[str]:
        ready = []
        for incident_id, deadline, expected, arrived in self.store.pending():
            if incident_id in self._in_flight:
                continue
            if expected <= arrived or deadline <= now.timestamp():
                ready.append((deadline, incident_id))
        return [incident_id for _, incident_id in sorted(ready)]

    async def run(self) -> None:
        """Background loop: start due analyses while slots are free; never more than the limit."""
        last_prune = 0.0
        try:
            while True:
                self._wake.clear()
                free = self.settings.max_concurrent_analyses - len(self._in_flight)
                if free > 0:
                    for incident_id in self.due(utcnow())[:free]:
                        task = asyncio.create_task(self._guarded(incident_id), name=f"analyse:{incident_id}")
                        self._in_flight[incident_id] = task
                if time.monotonic() - last_prune > 600:
                    last_prune = time.monotonic()
                    self.store.prune(utcnow() - timedelta(seconds=self.settings.evidence_max_age_s))
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
                # that races with the wake-up, and this loop would never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.settings.worker_poll_s):
                        await self._wake.wait()
        finally:
            for task in self._in_flight.values():
                task.cancel()
            if self._in_flight:
                await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def _guarded(self, incident_id: str) -> None:
        try:
            await self.analyse(incident_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            # stays pending: the next loop retries it (e.g. the broker was down when publishing)
            log.exception("analysis failed; will retry", extra={"incident_id": incident_id})
            await asyncio.sleep(min(5.0, self.settings.worker_poll_s * 8))
        finally:
            self._in_flight.pop(incident_id, None)
            self._wake.set()

    async def analyse(self, incident_id: str) -> AnalysisResult | None:
        """Analyse one incident inside the trace it was opened in."""
        with resumed_context(self.store.trace(incident_id)), self.tracer.start_as_current_span(
            "analyse incident", attributes={"logmesh.incident_id": incident_id}
        ):
            return await self._analyse(incident_id)

    async def _analyse(self, incident_id: str) -> AnalysisResult | None:
        loaded = self.store.load(incident_id)
        if loaded is None or self.store.is_analysed(incident_id):
            return None
        kept = self.store.outgoing(incident_id)
        if kept is not None:  # finished before a crash or a failed publish: the same result, not a second one
            result = AnalysisResult.model_validate_json(kept)
            await self.publish_result(result)
            self.store.mark_analysed(incident_id, result.event_id, result.status, result.category, result.model,
                                     utcnow(), kept)
            return result
        incident, parts = loaded
        started = time.perf_counter()
        progress = ProgressStream(incident_id, self.publish_progress, self.settings.progress_interval_s,
                                  self.settings.progress_min_chars)
        await progress.emit("started", incident.title)
        latencies = {"evidence_wait": max(0.0, (utcnow() - incident.opened_at).total_seconds() * 1000)}

        ctx = assemble(incident, parts)
        t0 = time.perf_counter()
        diagnosis = run_diagnosis(ctx)
        latencies["diagnosis"] = (time.perf_counter() - t0) * 1000
        summary = f"{diagnosis.category} ({diagnosis.confidence:.2f}): " + "; ".join(diagnosis.findings[:3])
        await progress.emit("evidence", f"evidence: {len(ctx.items) - 1} item(s); missing: {', '.join(ctx.missing) or 'none'}")
        await progress.emit("diagnosis", summary[:1000])

        if self.llm is None:
            latencies["total"] = (time.perf_counter() - started) * 1000
            result = deterministic_result(ctx, diagnosis, utcnow(), latencies=latencies)
        else:
            result = await analyse_with_llm(ctx, diagnosis, self.llm, self.settings, self.redact, progress,
                                            latencies, started, self.tracer, audit=self.publish_audit)

        self.store.keep_outgoing(incident_id, result.model_dump_json())
        await self.publish_result(result)
        await progress.emit("done" if result.status != "failed" else "failed", f"{result.category}: {result.root_cause}"[:1000])
        self.store.mark_analysed(incident_id, result.event_id, result.status, result.category, result.model, utcnow(),
                                 body=result.model_dump_json())
        self.analysed += 1
        return result


def audit_record(ctx: Context, settings: LlmAnalysisSettings, messages: list[dict[str, str]], redacted: bool,
                 redactions: Counter[str], attempt: int) -> LlmCall:
    """What is about to leave: model, endpoint, org, incident, redaction counts, and the prompt's hash."""
    models = settings.models()
    first = models[0] if models else None
    prompt = json.dumps(messages, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(prompt.encode()).hexdigest()
    endpoint = (first.api_base if first and first.api_base else
                f"{first.model.split('/', 1)[0]} (provider default)" if first else "unknown")
    return LlmCall(
        event_id=stable_id("llm-call", ctx.incident.incident_id, attempt, digest),
        incident_id=ctx.incident.incident_id, org=ctx.incident.org,
        model=first.model if first else "unknown", fallbacks=[m.model for m in models[1:]],
        endpoint=endpoint, local=bool(first and first.is_local()), called_at=utcnow(), attempt=attempt,
        redacted=redacted, redactions=dict(redactions), prompt_sha256=digest, prompt_chars=len(prompt),
    )


@contextlib.contextmanager
def genai_span(tracer: trace.Tracer, settings: LlmAnalysisSettings, messages: list[dict[str, str]]) -> Iterator[Any]:
    """An LLM call as an OpenTelemetry GenAI client span; prompt text only when explicitly enabled."""
    models = settings.models()
    with tracer.start_as_current_span(
        f"chat {models[0].model if models else 'llm'}",
        kind=trace.SpanKind.CLIENT,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "litellm",
            "gen_ai.request.model": models[0].model if models else "",
            "gen_ai.request.max_tokens": settings.llm_max_tokens,
            "gen_ai.request.temperature": settings.llm_temperature,
        },
    ) as span:
        if settings.otel_capture_prompts:
            span.set_attribute("gen_ai.prompt", json.dumps(messages)[:16000])
        yield span


async def analyse_with_llm(ctx: Context, diagnosis: Diagnosis, llm: LlmClient, settings: LlmAnalysisSettings,
                           redact: bool, progress: ProgressStream, latencies: dict[str, float],
                           started: float, tracer: trace.Tracer | None = None,
                           audit: PublishAudit | None = None) -> AnalysisResult:
    """The LLM tier: answer, validate, one repair/retry, else the deterministic result marked degraded.

    Each call is first recorded on llm.audit (when ``audit`` is given): a call whose record cannot be
    written is not made (the publish error propagates and the analysis is retried later).
    """
    messages, redactions = build_messages(ctx, diagnosis, redact=redact,
                                          max_chars=settings.prompt_max_chars, canary=CANARY)
    prompt_tokens = completion_tokens = 0
    cost = 0.0
    model: str | None = None
    note = ""
    t0 = time.perf_counter()
    for attempt in range(2):  # the answer, then one repair/retry
        if audit is not None:
            await audit(audit_record(ctx, settings, messages, redact, redactions, attempt + 1))
        try:
            with genai_span(tracer or trace.get_tracer(__name__), settings, messages) as span:
                reply = await llm.complete(
                    messages, stream=settings.llm_stream and attempt == 0, on_text=progress.text)
                span.set_attributes({
                    "gen_ai.response.model": reply.model or "",
                    "gen_ai.usage.input_tokens": reply.prompt_tokens,
                    "gen_ai.usage.output_tokens": reply.completion_tokens,
                    "logmesh.llm.cost_usd": reply.cost_usd,
                })
                if settings.otel_capture_prompts:
                    span.set_attribute("gen_ai.completion", reply.text[:8000])
        except LlmUnavailable as exc:
            note = f"LLM unavailable: {exc}"
            log.warning("LLM call failed (attempt %d): %s", attempt + 1, exc,
                        extra={"incident_id": ctx.incident.incident_id})
            if attempt == 0:
                continue  # a stream cut midway is retried once, without streaming
            break
        await progress.flush()
        prompt_tokens += reply.prompt_tokens
        completion_tokens += reply.completion_tokens
        cost += reply.cost_usd
        model = reply.model or model
        try:
            answer, notes = validate_answer(reply.text, ctx.refs, CANARY)
        except OutputRejected as exc:
            note = f"LLM output rejected: {exc}"
            log.warning("LLM output rejected (attempt %d): %s", attempt + 1, exc,
                        extra={"incident_id": ctx.incident.incident_id})
            messages = repair_messages(messages, reply.text, str(exc))
            continue
        weaker = weaker_than_floor(ctx, diagnosis, answer)
        if weaker:  # a well-formed answer that says less than the evidence: the floor stands, no retry
            note = f"model answer not used: {weaker}"
            log.warning("LLM answer weaker than the deterministic result: %s", weaker,
                        extra={"incident_id": ctx.incident.incident_id})
            break
        latencies["llm"] = (time.perf_counter() - t0) * 1000
        latencies["total"] = (time.perf_counter() - started) * 1000
        if redactions:
            notes = [*notes, f"{sum(redactions.values())} secret(s)/PII redacted before the LLM call"]
        return llm_result(ctx, diagnosis, answer, utcnow(), model=model, prompt_tokens=prompt_tokens,
                          completion_tokens=completion_tokens, cost_usd=cost, latencies=latencies, notes=notes)
    latencies["llm"] = (time.perf_counter() - t0) * 1000
    latencies["total"] = (time.perf_counter() - started) * 1000
    log.warning("falling back to the deterministic result: %s", note, extra={"incident_id": ctx.incident.incident_id})
    degraded = deterministic_result(ctx, diagnosis, utcnow(), status="degraded", latencies=latencies,
                                    note=note[:300] or "LLM answer unusable")
    return degraded.model_copy(update={"model": model, "prompt_tokens": prompt_tokens,
                                       "completion_tokens": completion_tokens, "cost_usd": round(cost, 8)})
