"""The record path on a real broker and ClickHouse (chDB): templates, rows, registry events, HTTP API."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from logmesh_contracts.topics import LOGS_RECORDS, TEMPLATES_EVENTS
from logmesh_testing import read_topic
from template_matching.app import create_app
from template_matching.testing import T0, record, wait_until

pytestmark = [pytest.mark.broker]


async def test_records_are_stored_with_templates_and_announced(make_settings, kafka_bootstrap, topic_prefix) -> None:
    app = create_app(make_settings())
    tm = app.state.template_matching
    service = app.state.service
    records = [record(f"user {i} logged in from 10.0.0.{i}", at=T0 + timedelta(seconds=i), seq=i) for i in range(20)]
    records += [record(f"disk /dev/sd{c} full", level="ERROR", at=T0 + timedelta(seconds=30), seq=c) for c in "abc"]
    async with service.running():
        await service.mesh.publish_many(LOGS_RECORDS, [("acme/api", r) for r in records])
        await wait_until(lambda: tm.records_stored >= len(records), what="records stored")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tm") as client:
            window = {"start": (T0 - timedelta(minutes=1)).isoformat(), "end": (T0 + timedelta(hours=1)).isoformat()}
            found = (await client.get("/logs/search", params={**window, "limit": 1000})).json()
            assert found["count"] == len(records)
            errors = (await client.get("/logs/search", params={**window, "level": "error"})).json()
            assert {row["message"] for row in errors["logs"]} == {f"disk /dev/sd{c} full" for c in "abc"}
            text = (await client.get("/logs/search", params={**window, "text": "sdb"})).json()
            assert [row["message"] for row in text["logs"]] == ["disk /dev/sdb full"]
            by_template = (
                await client.get("/logs/search", params={**window, "template_id": errors["logs"][0]["template_id"]})
            ).json()
            assert by_template["count"] == 3
            templates = (await client.get("/templates")).json()["templates"]
            assert any("<*>" in t["template"] and t["live"] for t in templates)
            bad = await client.get("/logs/search", params={"start": "yesterday"})
            assert bad.status_code == 400 and "ISO-8601" in bad.json()["error"]
            assert (await client.get("/logs/search", params={"limit": "0"})).status_code == 400
            assert (await client.get("/ready")).status_code == 200
        assert tm.refiner is None  # no LLM configured: deterministic mode, nothing queued anywhere
        await check_cli(app, window)

    events = [json.loads(r.value) for r in await read_topic(kafka_bootstrap, topic_prefix + TEMPLATES_EVENTS.name)]
    assert events and {e["kind"] for e in events} <= {"created", "updated", "merged"}
    assert all(r.key.decode() == json.loads(r.value)["template_id"]
               for r in await read_topic(kafka_bootstrap, topic_prefix + TEMPLATES_EVENTS.name))
    assert set(tm.registry.live) <= {e["template_id"] for e in events}


async def check_cli(app, window: dict[str, str]) -> None:
    """The CLI commands against the running service over real HTTP, with --json."""
    import asyncio
    import socket

    import uvicorn
    from typer.testing import CliRunner

    from logmesh_devstack.cli import _load_plugins
    from logmesh_devstack.cli import app as cli

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None))
    task = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started, what="http server")
        _load_plugins()
        url = f"http://127.0.0.1:{port}"
        runner = CliRunner()

        def invoke(*args: str) -> dict:
            result = runner.invoke(cli, [*args, "--url", url, "--json"])
            assert result.exit_code == 0, result.output
            return json.loads(result.stdout.strip().splitlines()[-1])

        found = await asyncio.to_thread(invoke, "search", "sdb", "--start", window["start"], "--end", window["end"])
        assert [row["message"] for row in found["logs"]] == ["disk /dev/sdb full"]
        assert (await asyncio.to_thread(invoke, "templates"))["count"] >= 2
        assert (await asyncio.to_thread(invoke, "anomalies"))["count"] >= 1  # the new ERROR template
        bad = await asyncio.to_thread(runner.invoke, cli, ["search", "--start", "nope", "--url", url, "--json"])
        assert bad.exit_code == 1
    finally:
        server.should_exit = True
        await task
