"""``python -m ingestion`` as the embedded stack runs it: only the stack's environment, real broker."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from logmesh_contracts import LogRecord
from logmesh_contracts.topics import LOGS_RECORDS
from logmesh_devstack.stack import Stack
from logmesh_testing import wait_for_messages

pytestmark = [pytest.mark.broker, pytest.mark.e2e]


async def test_the_service_process_starts_on_defaults_and_ingests(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    stack = Stack(workdir=tmp_path, services=("ingestion",), broker_bootstrap=kafka_bootstrap, topic_prefix=topic_prefix)
    process = stack.start_service("ingestion")
    try:
        process.wait_ready(60)
        async with httpx.AsyncClient(base_url=process.url, timeout=15) as client:
            response = await client.post("/logs/ingest", json={"org": "acme", "message": "hello from a process"})
            assert response.status_code == 200, response.text
            assert (await client.get("/stats")).json()["http"]["accepted"] == 1
    finally:
        process.stop()
    (only,) = await wait_for_messages(kafka_bootstrap, topic_prefix + LOGS_RECORDS.name, 1)
    assert LogRecord.model_validate_json(only.value).message == "hello from a process"
