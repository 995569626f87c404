"""Fixtures for llm-analysis tests: settings on the session broker."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from llm_analysis.settings import LlmAnalysisSettings

# litellm must never fetch its cost map from the network, whoever imports it first
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


@pytest.fixture
def make_settings(kafka_bootstrap: str, topic_prefix: str, tmp_path: Path) -> Callable[..., LlmAnalysisSettings]:
    def build(**overrides: Any) -> LlmAnalysisSettings:
        values: dict[str, Any] = {
            "kafka_bootstrap": kafka_bootstrap,
            "topic_prefix": topic_prefix,
            "data_dir": tmp_path / "data",
            "replica_id": "r1",
            "evidence_deadline_s": 1.5,
            "retry_backoff_s": 0.01,
            "shutdown_grace_s": 1.0,
            "worker_poll_s": 0.05,
            "progress_interval_s": 0.0,
            "progress_min_chars": 20,
            "llm_timeout_s": 10,
            "llm_retries": 0,
            "llm_cooldown_s": 0,
            **overrides,
        }
        return LlmAnalysisSettings(**values)

    return build
