"""Fixtures for template-matching tests: settings with a unique ClickHouse database per test."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from template_matching.settings import TemplateMatchingSettings


@pytest.fixture
def make_settings(kafka_bootstrap: str, topic_prefix: str, clickhouse_dsn: str, tmp_path: Any) -> Callable[..., TemplateMatchingSettings]:
    database = f"tm_{uuid.uuid4().hex[:10]}"

    def build(**overrides: Any) -> TemplateMatchingSettings:
        values: dict[str, Any] = {
            "kafka_bootstrap": kafka_bootstrap,
            "topic_prefix": topic_prefix,
            "clickhouse_dsn": clickhouse_dsn,
            "clickhouse_database": database,
            "data_dir": tmp_path,
            "retry_backoff_s": 0.01,
            "shutdown_grace_s": 1.0,
            "insert_linger_ms": 50,
            **overrides,
        }
        return TemplateMatchingSettings(**values)

    return build
