"""The service on a real broker and a real Qdrant: consumers, evidence answers, HTTP."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from knowledge_storage.adapters.embedders import HashingEmbedder
from knowledge_storage.app import create_app
from knowledge_storage.settings import KnowledgeStorageSettings
from logmesh_contracts.topics import ANALYSIS_RESULTS, EVIDENCE_PARTS, FEEDBACK, INCIDENTS_OPENED
from logmesh_testing import wait_for_messages
from logmesh_testing import wait_until as shared_wait_until

pytestmark = [pytest.mark.broker]


def settings(kafka_bootstrap: str, topic_prefix: str, qdrant_location: str, tmp_path: Path,
             **extra: Any) -> KnowledgeStorageSettings:
    where = {"qdrant_url": qdrant_location} if qdrant_location.startswith("http") else {"qdrant_path": qdrant_location}
    return KnowledgeStorageSettings(
        kafka_bootstrap=kafka_bootstrap, topic_prefix=topic_prefix, data_dir=tmp_path, retry_backoff_s=0.01,
        shutdown_grace_s=1.0, hashing_dim=256, **where, **extra,
    )


wait_until = functools.partial(shared_wait_until, timeout_s=20.0)


async def evidence_for(kafka_bootstrap: str, topic_prefix: str, incident_id: str) -> dict:
    (record,) = await wait_for_messages(kafka_bootstrap, topic_prefix + EVIDENCE_PARTS.name, 1, timeout_s=20,
                                        where=lambda r: json.loads(r.value)["incident_id"] == incident_id)
    assert record.key == incident_id.encode()
    return json.loads(record.value)


async def test_store_feedback_and_answer_similar_cases_over_the_mesh(
    kafka_bootstrap: str, topic_prefix: str, qdrant_location: str, tmp_path: Path, make: Any
) -> None:
    app = create_app(settings(kafka_bootstrap, topic_prefix, qdrant_location, tmp_path))
    service, handlers = app.state.service, app.state.handlers
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ks")
    async with service.running(), http:
        mesh = service.mesh
        await mesh.publish(ANALYSIS_RESULTS, make.result("good"), key="good")
        await mesh.publish(ANALYSIS_RESULTS, make.result("bad", model="ollama/llama3"), key="bad")
        await mesh.publish(ANALYSIS_RESULTS, make.result("failed", status="failed"), key="failed")

        async def stored() -> bool:
            return handlers.ready.is_set() and all(
                [await asyncio.to_thread(handlers.cases.get, i) is not None for i in ("good", "bad")])

        await wait_until(stored)
        thumbs_up = make.verdict("good", "correct", event_id="fb-1")
        for _ in range(3):  # redelivered verdicts
            await mesh.publish(FEEDBACK, thumbs_up, key="good")
        await mesh.publish(FEEDBACK, make.verdict("bad", "incorrect", corrected_root_cause="a bad node"), key="bad")

        async def judged() -> bool:
            stats = (await http.get("/stats")).json()
            return stats["overall"]["validated"] + stats["overall"]["rejected"] == 2

        await wait_until(judged)
        stats = (await http.get("/stats")).json()
        assert stats["cases"] == 2  # the failed analysis was not stored
        assert stats["by_model"]["openai/gpt-4o-mini"]["accuracy"] == 1.0
        assert stats["by_model"]["ollama/llama3"]["accuracy"] == 0.0
        assert stats["by_category"]["pod-crash"] == {"validated": 1, "rejected": 1, "unvalidated": 0, "accuracy": 0.5}
        assert (await http.get("/cases/good")).json()["verdicts"] == {"correct": 1, "incorrect": 0}
        assert 'knowledge_accuracy{dimension="model",value="ollama/llama3"} 0.0' in (await http.get("/metrics")).text

        await mesh.publish(INCIDENTS_OPENED, make.incident("new"), key="new")
        part = await evidence_for(kafka_bootstrap, topic_prefix, "new")
        assert part["kind"] == "similar-cases" and part["provider"] == "knowledge-storage"
        cases = [i["ref"] for i in part["items"] if i["attributes"]["type"] == "similar-case"]
        assert cases == ["case:good"]  # the rejected analysis is never served
        assert part["error"] is None

        # free-text search (the operator's `ask`): validated cases only, ranked by similarity
        found = (await http.get("/cases/search", params={"q": "checkout crash looping DATABASE_URL missing"})).json()
        assert [c["incident_id"] for c in found["cases"]] == ["good"]
        assert (await http.get("/cases/search")).status_code == 400

        # nothing similar: still answered, with no items, so llm-analysis does not wait
        unrelated = make.incident("dns", title="CoreDNS SERVFAIL for every lookup", alertname="CoreDNSErrorsHigh",
                                  category="dns-issues")
        await mesh.publish(INCIDENTS_OPENED, unrelated, key="dns")
        assert (await evidence_for(kafka_bootstrap, topic_prefix, "dns"))["items"] == []

        exported = (await http.get("/cases/export")).text.splitlines()
        assert len(exported) == 3 and json.loads(exported[0])["format"] == "logmesh-cases/1"
        assert (await http.delete("/cases/good")).json() == {"deleted": "good"}
        assert (await http.delete("/cases/good")).status_code == 404
        assert (await http.get("/cases/good")).status_code == 404
        bad_import = await http.post("/cases/import", content=b'{"case": 1}\n')
        assert bad_import.status_code == 400 and "line 1" in bad_import.json()["error"]
        assert (await http.post("/cases/import", content="\n".join(exported).encode())).json()["cases"] == 2
        assert (await http.get("/cases/good")).json()["validation"] == "validated"
        assert (await http.post("/cases/prune", params={"older_than_days": "x"})).status_code == 400


class Flaky:
    """An embedding endpoint that is down at first (as a litellm model whose server is not up yet),
    then up but slow."""

    def __init__(self) -> None:
        self.up = False
        self.inner = HashingEmbedder(64)
        self.model_id = self.inner.model_id

    @property
    def dim(self) -> int:
        if not self.up:
            raise ConnectionError("embedding server not reachable")
        return self.inner.dim

    def embed(self, texts: list[str]) -> list[list[float]]:
        time.sleep(4.0)  # far beyond the 0.5 s budget, so a loaded CI machine's round trips cannot blur the two
        return self.inner.embed(texts)


async def test_incidents_are_always_answered_within_the_budget(
    kafka_bootstrap: str, topic_prefix: str, qdrant_location: str, tmp_path: Path, make: Any
) -> None:
    embedder = Flaky()
    app = create_app(settings(kafka_bootstrap, topic_prefix, qdrant_location, tmp_path, similar_timeout_s=0.5),
                     embedder=embedder)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ks")
    async with app.state.service.running(), http:
        mesh = app.state.service.mesh
        await mesh.publish(INCIDENTS_OPENED, make.incident("i1"), key="i1")
        part = await evidence_for(kafka_bootstrap, topic_prefix, "i1")
        assert part["items"] == [] and "not open yet" in part["error"]
        ready = await http.get("/ready")
        assert ready.status_code == 503 and ready.json()["checks"]["case-base"]["ok"] is False
        assert (await http.get("/stats")).status_code == 503

        embedder.up = True  # the store opens on the next retry, but every lookup is too slow
        await wait_until(lambda: asyncio.sleep(0, app.state.handlers.ready.is_set()))
        started = time.monotonic()
        await mesh.publish(INCIDENTS_OPENED, make.incident("i2"), key="i2")
        part = await evidence_for(kafka_bootstrap, topic_prefix, "i2")
        assert time.monotonic() - started < 3.0  # answered at the budget, not after the 4 s lookup
        assert part["items"] == [] and part["truncated"] and "exceeded" in part["error"]


async def test_a_model_change_re_embeds_the_case_base_on_start(
    kafka_bootstrap: str, topic_prefix: str, qdrant_location: str, tmp_path: Path, make: Any, open_cases: Any
) -> None:
    before = open_cases(HashingEmbedder(256))  # what an earlier version of the service stored
    before.ensure_schema()
    before.store_result(make.result("c1"))
    before.apply_feedback(make.verdict("c1"))
    before.store.close()

    second = create_app(settings(kafka_bootstrap, topic_prefix, qdrant_location, tmp_path, collection_prefix="t_"),
                        embedder=HashingEmbedder(320))
    async with second.state.service.running():
        h = second.state.handlers

        async def migrated() -> bool:
            return h.reembedding is not None and h.reembedding != {}

        await wait_until(migrated)
        case = await asyncio.to_thread(h.cases.get, "c1")
        assert (case["embedding_model"], case["validation"]) == ("hashing-v1-d320", "validated")
        await second.state.service.mesh.publish(INCIDENTS_OPENED, make.incident("new"), key="new")
        part = await evidence_for(kafka_bootstrap, topic_prefix, "new")
        assert [i["ref"] for i in part["items"] if i["attributes"]["type"] == "similar-case"] == ["case:c1"]
        assert part["items"][0]["attributes"]["embedding_model"] == "hashing-v1-d320"
