"""Embedded defaults and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from notification.adapters import build_sinks
from notification.app import create_app
from notification.settings import NotificationSettings


def test_no_configuration_means_the_file_sink_only(tmp_path: Path) -> None:
    settings = NotificationSettings(data_dir=tmp_path)
    assert [s.name for s in build_sinks(settings)] == ["file"]


def test_placeholder_secrets_and_bad_routes_refuse_to_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="LOGMESH_SLACK_BOT_TOKEN"):
        NotificationSettings(slack_bot_token="changeme")
    with pytest.raises(ValueError, match="LOGMESH_ROUTES"):
        create_app(NotificationSettings(data_dir=tmp_path, routes="{not json"))


async def test_callbacks_are_disabled_without_secrets(tmp_path: Path) -> None:
    import httpx

    app = create_app(NotificationSettings(data_dir=tmp_path))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as client:
        assert (await client.post("/slack/interactions", content=b"payload=%7B%7D")).status_code == 503
        assert (await client.post("/feedback", json={})).status_code == 503


def test_cli_shows_delivered_notifications(tmp_path: Path) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from notification.cli import notifications

    app = typer.Typer()
    app.command()(notifications)
    folder = tmp_path / "notification"
    folder.mkdir()
    (folder / "notifications.jsonl").write_text(
        json.dumps({"at": "2026-01-01T00:00:00", "kind": "analysis", "incident_id": "inc-1", "severity": "critical",
                    "category": "oom-killed", "title": "t", "root_cause": "r"}) + "\n"
    )
    human = CliRunner().invoke(app, ["--data-dir", str(tmp_path)])
    assert human.exit_code == 0 and "CRITICAL" in human.output and "inc-1" in human.output
    machine = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "--json"])
    assert json.loads(machine.output)[0]["incident_id"] == "inc-1"
