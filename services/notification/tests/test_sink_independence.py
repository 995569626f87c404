"""One sink down never delays the others: Slack answers 503 to everything while the file sink delivers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logmesh_testing import wait_until
from notification.testing.harness import TOKEN, make_settings, result, running
from notification.testing.slack_server import LoopbackSlack

pytestmark = [pytest.mark.broker]


async def test_slack_down_while_the_file_sink_delivers_every_result(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    async with LoopbackSlack(token=TOKEN) as slack:
        settings = make_settings(kafka_bootstrap, topic_prefix, tmp_path, slack, routes=json.dumps(
            [{"sinks": ["slack", "file"]}]))
        lines = settings.state_dir / "notifications.jsonl"

        def filed() -> set[str]:
            if not lines.exists():
                return set()
            return {json.loads(line)["incident_id"] for line in lines.read_text().splitlines()
                    if json.loads(line)["kind"] == "analysis"}

        slack.outage(1_000_000)  # down for the whole first phase
        async with running(settings) as svc:
            for i in range(20):
                await svc.publish(result(f"inc-{i}"))
            await wait_until(lambda: len(filed()) == 20, timeout_s=30, what="20 results in the file sink")
            assert not slack.top_level()  # Slack delivered nothing, and held nothing else back
            slack.outage(0)  # Slack is back: its own consumer catches up, nothing lost, nothing twice
            await wait_until(lambda: len(slack.top_level()) == 20, timeout_s=60, what="20 Slack threads")
        posted = json.dumps([m.metadata for m in slack.top_level()])
        assert all(f'"inc-{i}"' in posted for i in range(20))
        assert len(filed()) == 20 and len(lines.read_text().splitlines()) == 20  # and the file sink nothing twice
