"""The analysis worker around the durable store: restart pickup, bounded concurrency, dedup.

The LLM port gets a slow stand-in here (a unit test of the scheduling around it); the real
adapter is tested through litellm over HTTP in test_llm_adapter.py and test_service_llm.py.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from llm_analysis.adapters.store import SqliteStore
from llm_analysis.analyzer import Analyzer
from llm_analysis.domain import make_incident, opening_from_alert
from llm_analysis.ports import LlmReply, OnText
from llm_analysis.settings import LlmAnalysisSettings
from llm_analysis.testing import alert, part
from logmesh_contracts import AnalysisProgress, AnalysisResult, EvidenceItem, utcnow


class SlowModel:
    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.running = 0
        self.peak = 0
        self.calls = 0

    async def complete(self, messages: list[dict[str, str]], *, stream: bool, on_text: OnText | None = None) -> LlmReply:
        self.calls += 1
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(self.delay_s)
        finally:
            self.running -= 1
        text = json.dumps({"root_cause": "memory limit too low", "category": "oom-killed", "confidence": 0.9,
                           "evidence": [], "impact": "", "actions": [], "prevention": []})
        if on_text:
            await on_text(text)
        return LlmReply(text=text, model="stand-in", prompt_tokens=10, completion_tokens=5)

    async def close(self) -> None:
        return None


def settings(tmp_path: Path, **overrides: object) -> LlmAnalysisSettings:
    return LlmAnalysisSettings(data_dir=tmp_path, worker_poll_s=0.02, progress_interval_s=0, **overrides)  # type: ignore[arg-type]


def incident(n: int, deadline_s: float = 0.0):  # type: ignore[no-untyped-def]
    opening = opening_from_alert(alert(pod=f"api{n}-7d9f8b6c5d-x2x9z"), 900)
    assert opening is not None
    return make_incident(opening, f"inc-{n}", deadline_s, utcnow() - timedelta(seconds=1))


async def run_until(analyzer: Analyzer, predicate, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    task = asyncio.create_task(analyzer.run())
    try:
        async with asyncio.timeout(timeout_s):
            while not predicate():  # noqa: ASYNC110 - predicate is a plain function
                await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_pending_incidents_are_analysed_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    first = SqliteStore(path)  # the first process recorded intent and died before analysing
    first.upsert_incident(incident(1), utcnow())
    first.add_part(part("inc-1", "cluster", EvidenceItem(ref="pod:x", title="status", body="Reason: OOMKilled")))
    first.close()

    results: list[AnalysisResult] = []
    progress: list[AnalysisProgress] = []

    async def on_progress(event: AnalysisProgress) -> None:
        progress.append(event)

    async def on_result(event: AnalysisResult) -> None:
        results.append(event)

    store = SqliteStore(path)
    analyzer = Analyzer(settings(tmp_path), store, None, on_progress, on_result)
    await run_until(analyzer, lambda: results)
    assert results[0].incident_id == "inc-1" and results[0].category == "oom-killed"
    assert results[0].missing_evidence == ["logs", "similar-cases"]
    assert [p.seq for p in progress] == list(range(len(progress)))
    # redelivered intent after the analysis is ignored; nothing is pending any more
    assert store.upsert_incident(incident(1), utcnow()) == "done"
    assert store.pending() == []


async def test_concurrency_is_bounded_and_each_incident_analysed_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    for n in range(5):
        store.upsert_incident(incident(n), utcnow())
    results: list[AnalysisResult] = []

    async def on_result(event: AnalysisResult) -> None:
        results.append(event)

    async def on_progress(_event: AnalysisProgress) -> None:
        return None

    model = SlowModel(0.2)
    analyzer = Analyzer(settings(tmp_path, max_concurrent_analyses=2), store, model, on_progress, on_result)
    await run_until(analyzer, lambda: len(results) == 5)
    assert model.peak == 2 and model.calls == 5
    assert sorted(r.incident_id for r in results) == [f"inc-{n}" for n in range(5)]
    # every incident went through the model; its evidence-free answer does not outrank the rules (the floor)
    assert all(r.model == "stand-in" and r.prompt_tokens == 10 for r in results)


async def test_an_incident_waits_for_its_deadline_unless_all_evidence_arrived(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    analyzer = Analyzer(settings(tmp_path), store, None, None, None)  # type: ignore[arg-type]
    store.upsert_incident(incident(1, deadline_s=60), utcnow())
    assert analyzer.due(utcnow()) == []
    for kind in ("cluster", "logs", "similar-cases"):
        store.add_part(part("inc-1", kind))
    assert analyzer.due(utcnow()) == ["inc-1"]


async def test_killed_mid_call_then_restarted_gives_exactly_one_result(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    results: list[AnalysisResult] = []

    async def on_result(event: AnalysisResult) -> None:
        results.append(event)

    async def on_progress(_event: AnalysisProgress) -> None:
        return None

    store = SqliteStore(path)
    store.upsert_incident(incident(1), utcnow())
    slow = SlowModel(30.0)
    await run_until(Analyzer(settings(tmp_path), store, slow, on_progress, on_result), lambda: slow.running == 1)
    store.close()  # the process died while the model was answering: nothing was published
    assert results == [] and slow.calls == 1

    again = SqliteStore(path)
    fast = SlowModel(0.01)
    await run_until(Analyzer(settings(tmp_path), again, fast, on_progress, on_result), lambda: results)
    await asyncio.sleep(0.3)  # time for a second result, were one coming
    assert [r.incident_id for r in results] == ["inc-1"] and fast.calls == 1


async def test_a_crash_after_publishing_republishes_the_same_result_without_a_second_llm_call(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    store.upsert_incident(incident(1), utcnow())
    published: list[AnalysisResult] = []

    async def on_result(event: AnalysisResult) -> None:
        published.append(event)
        if len(published) == 1:  # acknowledged by the broker, then the process lost before recording it
            raise RuntimeError("killed between publish and mark")

    async def on_progress(_event: AnalysisProgress) -> None:
        return None

    model = SlowModel(0.01)
    analyzer = Analyzer(settings(tmp_path), store, model, on_progress, on_result)
    await run_until(analyzer, lambda: len(published) == 2 and store.is_analysed("inc-1"))
    assert model.calls == 1  # the model was not asked again
    assert published[0].model_dump_json() == published[1].model_dump_json()  # one result, delivered twice
    assert store.outgoing("inc-1") is None
